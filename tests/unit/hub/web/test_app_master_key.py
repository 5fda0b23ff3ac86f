"""``create_app`` refuses to build a hub on an external database without the master key."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.core.errors import MasterKeyMissing
from hub.core.settings import Settings
from hub.web.app import create_app


def test_create_app_on_an_external_database_without_a_key_refuses_to_start(tmp_path: Path) -> None:
    settings = Settings(database_url="postgresql://hub@db.internal/lpse", data_dir=tmp_path)
    with pytest.raises(MasterKeyMissing, match="LPSE_HUB_MASTER_KEY"):
        create_app(settings)
    assert not (tmp_path / "master.key").exists()


def test_create_app_on_the_embedded_database_makes_the_development_key(tmp_path: Path) -> None:
    create_app(Settings(database_url=None, data_dir=tmp_path))  # the lifespan (and server) not started
    assert (tmp_path / "master.key").exists()
