"""The master key: from the secret, or a development key only where the database is the hub's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.core.errors import ConfigurationError, MasterKeyMissing
from hub.core.master_key import MasterKey
from hub.core.settings import Settings

EXTERNAL = "postgresql://hub:s3cret-db-password@db.internal:5432/lpse"


def test_an_external_database_without_a_key_is_refused_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyMissing, match="set LPSE_HUB_MASTER_KEY") as refused:
        MasterKey.of(Settings(database_url=EXTERNAL, data_dir=tmp_path))
    assert isinstance(refused.value, ConfigurationError)
    assert "lpse-hub keys generate-master" in refused.value.detail
    assert not (tmp_path / "master.key").exists()  # no key made behind the operator's back


def test_the_embedded_database_gets_the_development_key_kept_in_the_data_dir(tmp_path: Path) -> None:
    first = MasterKey.of(Settings(database_url=None, data_dir=tmp_path))
    assert (tmp_path / "master.key").exists()
    # A worker of `serve` sees the embedded server's URL, flagged as embedded: the same key.
    worker = Settings(database_url="postgresql://x@127.0.0.1:1/y", data_dir=tmp_path, embedded_database=True)
    assert MasterKey.of(worker).key == first.key


def test_a_configured_key_is_used_on_any_database(tmp_path: Path) -> None:
    encoded = MasterKey.generate()
    key = MasterKey.of(Settings(database_url=EXTERNAL, data_dir=tmp_path, master_key=encoded))
    assert key.key == MasterKey.parse(encoded).key
    assert not (tmp_path / "master.key").exists()


def test_the_master_keys_repr_shows_no_key_material() -> None:
    key = MasterKey.parse(MasterKey.generate())
    for shown in (repr(key), str(key), f"{key}", repr([key])):
        assert key.key.hex() not in shown
        assert repr(key.key) not in shown
        assert "hidden" in shown
