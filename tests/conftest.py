"""Shared fixtures: a fresh PostgreSQL database per test run, the engine, and clean tenants per test.

With ``DATABASE_URL`` (or ``LPSE_HUB_DATABASE_URL``) set, the run creates its own database on that
server and drops it at the end; without, it runs the embedded server in a temporary directory. The
run also makes a login role of its own (``serving_role_of``): ``settings`` and ``engine`` act as the
owner, as migrations, provisioning and tests looking behind the hub's back do, while the HTTP hub
(``hub_app``) serves as the restricted role with ``serving_settings``, as a deployment does.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import asyncpg
import pytest
import pytest_asyncio
from litestar import Litestar
from litestar.stores.registry import StoreRegistry
from sqlalchemy import delete, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import create_engine, hub_sessions
from hub.core.embedded_postgres import embedded_postgres
from hub.core.master_key import MasterKey
from hub.core.migrations import grant_serving_role, migrate_hub
from hub.core.settings import Settings
from hub.web.app import create_app
from tenants.audit import Anchor, Checkpoint
from tenants.registry import Tenant, TenantSpec, create_tenant, delete_tenant, list_tenants

T = TypeVar("T")
pytest_plugins = ["pytester", "tests.no_silent_skips"]  # pytester: the tests of the test tooling

TOOLS_REQUIRED = os.environ.get("LPSE_HUB_TOOLS_REQUIRED") == "1"
"""Set by .ci/run: there a test whose tool is missing fails instead of skipping."""


def needs_tool(found: object, tool: str) -> pytest.MarkDecorator:
    """Skip where ``tool`` is not installed (a developer's machine), except in CI, where .ci/run
    installs it and the test must run: there it fails on the missing tool."""
    return pytest.mark.skipif(found is None and not TOOLS_REQUIRED, reason=f"{tool} is not installed")


def _server_url() -> Iterator[str]:
    configured = os.environ.get("LPSE_HUB_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if configured:
        yield configured
        return
    # Not under pytest's temporary root: the server runs as another user when we are root, and
    # pytest resets that root to mode 0700 whenever another pytest run starts.
    root = Path(tempfile.mkdtemp(prefix="lpse-hub-test-pg-"))
    try:
        with embedded_postgres(root) as url:
            yield url
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _asyncpg_dsn(url: str, database: str) -> str:
    return make_url(url).set(drivername="postgresql", database=database).render_as_string(hide_password=False)


async def _admin(url: str, statement: str) -> None:
    parsed = make_url(url)
    connection = await asyncpg.connect(
        user=parsed.username,
        password=parsed.password,
        host=parsed.query.get("host", parsed.host),
        port=parsed.port,
        database="postgres",
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(autouse=True)
def _horizon(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A test marked ``horizon`` runs while no other pytest-xdist worker runs a test.

    The change feed serves only changes older than the oldest transaction running anywhere on the
    server (``federation.catalogue.feed``), so another worker writing at that moment would hold
    back what a feed test has just written, and the test would fail by bad luck. Every test takes
    this lock shared, a ``horizon`` test exclusive: the other workers wait between two tests until
    it is done. Without xdist nobody else takes the lock.
    """
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # the run's, not the user's
    exclusive = request.node.get_closest_marker("horizon") is not None
    with open(shared / "horizon.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def _run_database() -> Iterator[tuple[str, str]]:
    """A database of this run's own, on the configured server or the embedded one, and a serving
    role of its own: the URLs of the owner (the server's user) and of the serving role."""
    name = f"lpse_hub_test_{uuid.uuid4().hex[:10]}"
    role, password = serving_role_of(name), uuid.uuid4().hex
    for server in _server_url():
        asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
        asyncio.run(_admin(server, f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'"))
        try:
            owner = _asyncpg_dsn(server, name)
            yield (
                owner,
                make_url(owner).set(username=role, password=password).render_as_string(hide_password=False),
            )
        finally:
            asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            asyncio.run(_admin(server, f'DROP ROLE IF EXISTS "{role}"'))


def serving_role_of(database: str | None) -> str:
    """The role a test run's hub serves as, on the run's database (``_run_database``)."""
    return f"{database}_hub"


@pytest.fixture(scope="session")
def database_url(_run_database: tuple[str, str]) -> str:
    """The run's database, as its owner."""
    return _run_database[0]


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """The run's settings. Its master key is also in the environment, so that every hub process a
    test starts (CLI, live server) opens the signing keys the others made."""
    master_key = MasterKey.generate()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LPSE_HUB_MASTER_KEY", master_key)
        yield Settings(
            database_url=database_url,
            data_dir=tmp_path_factory.mktemp("data"),
            migration_concurrency=4,
            master_key=master_key,
            probe_interval_seconds=0,  # tests probe when they mean to, not in the background
            publication_sweep_seconds=0,  # and sweep when they mean to
            freeze_heap=False,  # hundreds of apps start in one test process: no full pass each
        )


@pytest.fixture(scope="session")
def serving_settings(settings: Settings, _run_database: tuple[str, str]) -> Settings:
    """The run's settings as a deployment has them: the hub serves as a restricted role
    (``database_url``), and migrations and provisioning run as the owner (``owner_database_url``)."""
    owner, serving = _run_database
    return replace(settings, database_url=serving, owner_database_url=owner)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The owner's engine: it migrates, provisions, and lets tests look behind the hub's back."""
    engine = create_engine(settings)
    await migrated(engine)
    yield engine
    await engine.dispose()


async def migrated(engine: AsyncEngine, target: str = "head") -> None:
    """The hub schema brought to ``target`` and the run's serving role granted what serving needs
    on it, as ``lpse-hub db upgrade`` does: a test that migrates down and back up calls this, or the
    tables its downgrade dropped come back without the serving role's grants, and every later HTTP
    test reading them answers 503 ("grants missing")."""
    await migrate_hub(engine, target)
    async with engine.begin() as connection:
        await grant_serving_role(connection, serving_role_of(engine.url.database), [])


@pytest.fixture(scope="session")
def _the_app(serving_settings: Settings) -> Litestar:
    return create_app(serving_settings)


@pytest.fixture
def hub_app(_the_app: Litestar) -> Litestar:
    """The hub's app on the run's settings, serving as the restricted role as deployments do (every
    HTTP test so runs under the grants of ``hub.core.migrations.privileges``), built once per run:
    building one (its routes, its OpenAPI
    document) takes seconds, starting one (its lifespan: the engine, caches, signing keys) does not.
    A test's client starts it afresh; its stores (the rate limits' counters) start empty."""
    _the_app.stores = StoreRegistry()
    return _the_app


@pytest_asyncio.fixture(loop_scope="session")
async def hub(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The engine, with no tenant before the test and none left after it."""
    await _remove_all_tenants(engine)
    yield engine
    await _remove_all_tenants(engine)


async def _remove_all_tenants(engine: AsyncEngine) -> None:
    # One transaction per tenant: dropping the demo's ~40 schemas at once outgrew the server's lock
    # table ("out of shared memory", max_locks_per_transaction) on a busy server.
    async with hub_sessions(engine)() as session:
        slugs = [tenant.slug for tenant in await list_tenants(session)]
    for slug in slugs:
        async with hub_sessions(engine)() as session, session.begin():
            await delete_tenant(session, slug)
    # Anchors and checkpoints bind a tenant's code for good (tenants.audit.chain.anchors_of): a test
    # that deletes its tenants forgets them too, so the next test's tenant with that code starts clean.
    async with hub_sessions(engine)() as session, session.begin():
        await session.execute(delete(Anchor))
        await session.execute(delete(Checkpoint))


def in_database(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run ``work`` on an engine of its own, from a synchronous test (one that drives the CLI)."""

    async def run() -> T:
        engine = create_engine(settings)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def make_tenant(engine: AsyncEngine, slug: str, code: str, *hosts: str) -> Tenant:
    """Create a tenant the way operators do, through the provisioning service, as the owner
    (``engine``), granting the run's serving role what the hub needs on it."""
    async with hub_sessions(engine)() as session, session.begin():
        return await create_tenant(
            session,
            TenantSpec(slug=slug, code=code, hosts=hosts),
            serving_role=serving_role_of(engine.url.database),
        )


@pytest_asyncio.fixture(loop_scope="session")
async def clean_identity(hub: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The ``hub`` engine, with no vendors or accounts (nor their memberships), nor catalogue, feed or
    peers, before the test and none left after it: unlike tenants, they live in the ``hub`` schema
    and outlive a test."""
    await _remove_identity(hub)
    yield hub
    await _remove_identity(hub)


async def _remove_identity(engine: AsyncEngine) -> None:
    # In foreign-key order; memberships and OAuth rows go with their accounts (ON DELETE CASCADE).
    async with hub_sessions(engine)() as session, session.begin():
        for table in (
            "vendor_key_events",
            "vendor_signing_keys",
            "vendor_events",
            "vendor_verifications",
            "accounts",
            "vendors",
            "changes",
            "peer_checkpoints",
            "peer_checkpoint_keys",
            "peers",
        ):
            await session.execute(text(f"DELETE FROM hub.{table}"))
        # Emptied with a new, empty file, not by DELETE: deleted rows keep their pages until a vacuum
        # (this server runs none), and the catalogue's sample draws its share from the file's size
        # (``facets.SAMPLED_PERCENT``), so a 30,000-row catalogue deleted by one test made the next
        # test's six rows a sample of a large file (estimated, not counted exactly), and its 30,000
        # rows a sample of a file twice their size (a rougher estimate). Nothing references it.
        await session.execute(text("TRUNCATE hub.catalogue"))
