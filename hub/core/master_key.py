"""The hub's master key: the root secret that wraps the keys kept in the database.

It comes from ``LPSE_HUB_MASTER_KEY`` (32 random bytes, base64url) and is never stored in the
database. It wraps the token signing keys and the tenants' keys (``hub.core.key_wrapping``).

``MasterKey.of(settings)`` is the one way a hub process gets it. Only a hub on its embedded database
(a demo, a developer's machine) may fall back to a development key kept in its data directory: on
an external database the hub refuses to start without the variable (``MasterKeyMissing``), because
a key made silently on one pod's disk is lost with that pod, and every sealed bid with it.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from hub.core.errors import ConfigurationError, MasterKeyMissing
from hub.core.key_wrapping import KEY_SIZE, unwrap, wrap

VARIABLE = "LPSE_HUB_MASTER_KEY"
MISSING = (
    f"set {VARIABLE}: an external database needs the master key from a secret "
    "(generate one with `lpse-hub keys generate-master`; keep it safe: without it no sealed bid opens)"
)


class KeySettings(Protocol):
    """What of ``hub.core.settings.Settings`` decides where the key comes from (a protocol, since
    the settings module imports this one to validate the key)."""

    @property
    def master_key(self) -> str | None: ...
    @property
    def database_url(self) -> str | None: ...
    @property
    def embedded_database(self) -> bool: ...
    @property
    def data_dir(self) -> Path: ...


@dataclass(frozen=True, slots=True)
class MasterKey:
    """The hub's root secret. Never stored in the database, never shown (its repr hides it)."""

    key: bytes = field(repr=False)

    def __repr__(self) -> str:
        return "MasterKey(<hidden>)"

    @classmethod
    def parse(cls, encoded: str) -> MasterKey:
        try:
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != KEY_SIZE:
            raise ConfigurationError("LPSE_HUB_MASTER_KEY must be 32 random bytes, base64url-encoded")
        return cls(key)

    @classmethod
    def generate(cls) -> str:
        return base64.urlsafe_b64encode(os.urandom(KEY_SIZE)).decode().rstrip("=")

    @classmethod
    def of(cls, settings: KeySettings) -> MasterKey:
        """The key of a hub process with ``settings``: ``LPSE_HUB_MASTER_KEY`` when set; else, on the
        embedded database only, the development key; else ``MasterKeyMissing``."""
        if settings.master_key:
            return cls.parse(settings.master_key)
        if settings.database_url is None or settings.embedded_database:
            return cls.development(settings.data_dir)
        raise MasterKeyMissing(MISSING, field=VARIABLE)

    @classmethod
    def development(cls, data_dir: Path) -> MasterKey:
        """A key kept in the data directory: for the demo and development, never for production."""
        path = data_dir / "master.key"
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(cls.generate())
        return cls.parse(path.read_text().strip())

    def encrypt(self, plaintext: bytes, context: bytes) -> bytes:
        """``plaintext`` wrapped under the master key, bound to ``context`` (``key_wrapping.wrap``)."""
        return wrap(plaintext, self.key, context)

    def decrypt(self, sealed: bytes, context: bytes) -> bytes:
        """What ``encrypt`` wrapped; ``key_wrapping.UnwrapError`` if key, context or bytes differ."""
        return unwrap(sealed, self.key, context)
