"""``lpse-hub serve``: migrate, optionally seed the demo province, then serve HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from types import FrameType
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
import uvicorn

from cli.command_runner import load_settings, reported_errors, stderr
from cli.db import upgrade_all
from cli.demo.custody import DEMO_COMMITTEE, DEMO_KEY_DIR, DEMO_KEY_PASSPHRASE, DEMO_THRESHOLD
from cli.demo.identity import (
    DEMO_MONITORING_CLIENT,
    DEMO_MONITORING_SCOPES,
    DEMO_PASSWORD,
    DemoIdentity,
    logins_table,
    seed_identity_demo,
)
from cli.demo.province import DEMO_PROVINCE, seed_demo
from cli.demo.reviews import HISTORY as REVIEW_HISTORY
from cli.demo.reviews import review_hint, seed_review_demo
from cli.demo.tenders import seed_tender_demo
from cli.identity import master_key
from cli.inherited_socket import APP, serve_on_socket
from hub.core.database_lifetime import engine_for, running_database
from hub.core.settings import PREFIX, Settings
from monitoring.metrics import prepare_multiprocess
from monitoring.probes import probe_round


async def _prepare(settings: Settings, *, migrate: bool, demo: bool) -> DemoIdentity | None:
    """Migrate and seed as asked; the demo's identities when it was seeded (their logins are the
    last thing ``serve`` prints)."""
    # Migrations and seeding are commands: no request timeouts (create_engine); they change
    # schemas, so they run as the owner, and the hub then serves as the restricted role.
    async with engine_for(settings, long_running=True, as_owner=True) as engine:
        if migrate or demo:
            _, tenants = await upgrade_all(
                engine,
                concurrency=settings.migration_concurrency,
                show_progress=False,
                serving_role=settings.serving_role,
            )
            for failed in (t for t in tenants if t.error):
                stderr.print(f"warning: {failed.schema} did not migrate: {failed.error}", markup=False)
        if not demo:
            return None
        report = await seed_demo(
            engine, concurrency=settings.migration_concurrency, serving_role=settings.serving_role
        )
        stderr.print(
            f"demo province {DEMO_PROVINCE}: {len(report.created)} tenants created, "
            f"{len(report.skipped)} there already"
        )
        identity = await seed_identity_demo(engine, f"http://{settings.host}:{settings.port}/callback")
        stderr.print(f"demo OpenID client {identity.client_id} (public, PKCE), log in at /login")
        stderr.print(
            f"demo third-party client {identity.monitoring_client_id} ({DEMO_MONITORING_CLIENT}): "
            f"scopes {' '.join(DEMO_MONITORING_SCOPES)} only; its consent page says what each allows"
        )
        key_dir = settings.data_dir / DEMO_KEY_DIR
        await seed_tender_demo(engine, master_key(settings), key_dir)
        stderr.print(
            "demo tenders in kab-malang: a draft, one announced, one taking bids, one opened, "
            "one in evaluation, one in its objection period (an objection waiting), a lowest-price "
            "and a merit-point tender contracted, a failed tender and its re-tender (a draft), "
            "and a direct procurement contracted"
        )
        stderr.print(
            "demo trace in kab-malang: its 2026 plan (RUP, GET /t/kab-malang/api/plans), the packages "
            "procured under it, and the contracts' payments, progress and amendment "
            "(GET /t/kab-malang/api/tenders/{id}/contract/implementation, and each tender's OCDS record); "
            "one tender's deadline moved by a recorded outage (`lpse-hub outage list --tenant kab-malang`)",
            markup=False,
        )
        stderr.print(
            f"demo committee-held keys in kab-malang: its Pokja ({', '.join(DEMO_COMMITTEE)}) hold "
            f"each tender's key in shares, {DEMO_THRESHOLD} to open; their key files and the recovery "
            f"words are in {key_dir} (passphrase {DEMO_KEY_PASSPHRASE!r}); the opened tenders were "
            "opened with two members' shares (GET /t/kab-malang/api/tenders/{id}/key-shares)",
            markup=False,
        )
        await seed_review_demo(engine, master_key(settings))
        stderr.print(f"demo history for the review (rakor) in {', '.join(REVIEW_HISTORY)}")
        probed = await probe_round(engine, settings)  # so `lpse-hub uptime` has a round to show
        stderr.print(f"probed {len(probed.results)} tenants, {len(probed.down)} down (`lpse-hub uptime`)")
        return identity


class _Terminated(SystemExit):
    """SIGTERM, turned into an exit that unwinds the stack like Ctrl-C does."""


@contextmanager
def stopped_cleanly_by_sigterm() -> Iterator[None]:
    """Leave ``serve`` by SIGTERM (Kubernetes, systemd, ``kill``) the way Ctrl-C leaves it: through
    every ``finally``, so the embedded PostgreSQL this process started is stopped behind it.

    uvicorn shuts down gracefully on SIGTERM and then raises the signal again for the handler it
    found; Python's default handler for SIGTERM ends the process at once, skipping the cleanup (the
    demo's server stayed running). This handler raises an exit instead, whose status is 0: the stop
    was asked for."""

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise _Terminated(0)

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


SYSTEMD_FIRST_FD = 3


def activated_socket() -> int | None:
    """The listening socket systemd (or Kubernetes' socket activation, or a test) passed this process
    (``LISTEN_FDS``, ``LISTEN_PID``: sd_listen_fds(3)): the first one, fd 3; ``None`` if none was."""
    if os.environ.get("LISTEN_PID") != str(os.getpid()):
        return None
    return SYSTEMD_FIRST_FD if int(os.environ.get("LISTEN_FDS") or 0) >= 1 else None


def bound_address(fd: int) -> tuple[str, int]:
    """The address an inherited socket listens on (for the issuer and the addresses printed); a
    one-line error if ``fd`` is not a listening TCP socket."""
    try:
        with socket.socket(fileno=os.dup(fd)) as inherited:
            host, port = inherited.getsockname()[:2]
            listening = inherited.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
    except OSError as exc:
        raise typer.BadParameter(f"file descriptor {fd} is not a socket: {exc.strerror}") from None
    if not listening or not isinstance(port, int):
        raise typer.BadParameter(f"file descriptor {fd} is not a listening TCP socket")
    return str(host), port


def serve(
    host: Annotated[
        str | None, typer.Option(help="Bind address (default: LPSE_HUB_HOST or 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: LPSE_HUB_PORT or 8000).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Server worker processes.")] = 1,
    demo: Annotated[
        bool, typer.Option(help="Provision the demo province (Jawa Timur) if it is not there.")
    ] = False,
    migrate: Annotated[bool, typer.Option(help="Run `db upgrade` before serving.")] = True,
    fd: Annotated[
        int | None,
        typer.Option(
            help="Serve on this inherited listening socket instead of binding HOST:PORT (systemd's "
            "LISTEN_FDS is taken by itself). Clients connecting while the hub starts wait in its backlog."
        ),
    ] = None,
) -> None:
    """Serve the hub over HTTP (with the embedded database when no DATABASE_URL is set)."""
    settings = load_settings()
    settings = replace(settings, host=host or settings.host, port=port or settings.port)
    fd = fd if fd is not None else activated_socket()
    if fd is not None:
        bound_host, bound_port = bound_address(fd)
        settings = replace(settings, host=bound_host, port=bound_port)
    master_key(settings)  # refuse now, before a database or a worker starts, when there is no key
    with stopped_cleanly_by_sigterm(), reported_errors(settings), running_database(settings) as ready:
        identity = asyncio.run(_prepare(ready, migrate=migrate, demo=demo))
        # Workers are separate processes: they read the (possibly embedded) URL from the environment.
        # They only serve: the owner's URL is not theirs to have.
        os.environ[PREFIX + "DATABASE_URL"] = ready.database_url or ""
        os.environ.pop(PREFIX + "OWNER_DATABASE_URL", None)
        os.environ[PREFIX + "HOST"], os.environ[PREFIX + "PORT"] = ready.host, str(ready.port)
        os.environ[PREFIX + "EMBEDDED_DATABASE"] = "1" if ready.embedded_database else ""
        if workers > 1 and ready.metrics:  # one scrape adds up every worker's series
            prepare_multiprocess(ready.data_dir / "metrics")
        stderr.print(f"lpse-hub serving on http://{ready.host}:{ready.port} (API docs at /schema)")
        if identity is not None:
            stderr.print(
                f"  try http://{ready.host}:{ready.port}/t/kab-malang/api/agencies "
                f"or http://kab-malang.localhost:{ready.port}/api/agencies"
            )
            stderr.print(review_hint(ready.host, ready.port, datetime.now(ZoneInfo("Asia/Jakarta")).date()))
            stderr.print(
                f"  the province's catalogue: http://{ready.host}:{ready.port}/api/catalogue?q=jalan, "
                f"its OCDS releases at /api/ocds/releases and the change feed at /api/feed"
            )
            stderr.print(
                f"  operators: http://{ready.host}:{ready.port}/metrics (Prometheus), `lpse-hub uptime`, "
                "and the dashboard and alert rules in monitoring/"
            )
            stderr.print(
                f"  trust: each demo bid is signed by its vendor's key (http://{ready.host}:{ready.port}"
                "/api/vendors/1/signing-keys), each probe round signs every tenant's audit head "
                "(/api/audit/checkpoints, also kind audit.checkpoint in /api/feed); "
                "`lpse-hub audit verify` checks chains, bids and signatures"
            )
        # Last, where a newcomer looks: the portal, and who to log in as.
        stderr.print(f"the public portal: http://{ready.host}:{ready.port}/ (open data at /data)")
        if identity is not None:
            base = f"http://{ready.host}:{ready.port}"
            stderr.print(f"demo logins: officials work at {base}/kantor, vendors at {base}/akun")
            stderr.print(logins_table(identity.logins, DEMO_PASSWORD), markup=False, soft_wrap=True)
        # The app trusts X-Forwarded-For from LPSE_HUB_TRUSTED_PROXIES only (hub.web.app);
        # uvicorn's own default would trust any header sent from 127.0.0.1.
        if fd is not None:
            config = uvicorn.Config(APP, factory=True, workers=workers, proxy_headers=False, log_level="info")
            serve_on_socket(config, fd)
        else:
            uvicorn.run(
                APP,
                factory=True,
                host=ready.host,
                port=ready.port,
                workers=workers,
                proxy_headers=False,
                log_level="info",
            )
