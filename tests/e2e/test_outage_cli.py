"""``lpse-hub outage record`` and ``outage list`` as an operator drives them: a regional network cut
the probes could not see extends the deadline it reached; bad input is one line and a non-zero exit.

Plain sync tests: the CLI runs its own event loop, so database work here runs in ``asyncio.run``
on an engine of its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

from cli.main import app
from hub.core.database import tenant_session
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from tenants.tenders import load_schedule
from tenants.tenders.stages import Stage
from tests.conftest import in_database
from tests.integration.tenants.tenders.outage_world import (
    MINUTE,
    World,
    forget_outages,
    make_world,
    tender_closing_at,
)

Invoke = Callable[..., Result]
HOUR = timedelta(hours=1)


@pytest.fixture
def lpse(clean_identity: AsyncEngine, settings: Settings) -> Iterator[Invoke]:
    in_database(settings, forget_outages)
    runner = CliRunner()
    env = {"LPSE_HUB_DATABASE_URL": settings.database_url or "", "LPSE_HUB_DATA_DIR": str(settings.data_dir)}

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args), env=env)

    yield invoke
    in_database(settings, forget_outages)


@pytest.fixture
def world(lpse: Invoke, settings: Settings) -> tuple[World, int]:
    """Kabupaten Malang with a tender whose bid submission closes in an hour."""
    assert settings.master_key is not None
    master = MasterKey.parse(settings.master_key)

    async def make(engine: AsyncEngine) -> tuple[World, int]:
        w = await make_world(engine, master)
        return w, await tender_closing_at(w, w.now + HOUR)

    return in_database(settings, make)


def _deadline(settings: Settings, w: World, tender: int) -> object:
    async def read(engine: AsyncEngine) -> object:
        async with tenant_session(engine, w.tenant.schema) as session, session.begin():
            return (await load_schedule(session, tender))[Stage.BID_SUBMISSION].ends_at

    return in_database(settings, read)


def test_a_recorded_outage_extends_the_deadline_it_reached_and_is_listed(
    lpse: Invoke, settings: Settings, world: tuple[World, int]
) -> None:
    w, tender = world
    start, end = (w.now - 40 * MINUTE).isoformat(), (w.now - 25 * MINUTE).isoformat()
    reason = "kabel serat optik Malang selatan putus"
    done = lpse(
        "outage", "record", "--tenant", "kab-malang", "--from", start, "--to", end, "--reason", reason
    )
    assert done.exit_code == 0, done.stderr
    assert f"tender {tender}: bid submission now ends" in done.stdout
    assert _deadline(settings, w, tender) == w.now + HOUR + 15 * MINUTE + 2 * HOUR
    again = lpse(
        "outage", "record", "--tenant", "kab-malang", "--from", start, "--to", end, "--reason", reason
    )
    assert again.exit_code == 0, again.stderr  # the same span again: recorded, but no second extension
    assert _deadline(settings, w, tender) == w.now + HOUR + 15 * MINUTE + 2 * HOUR
    listed = lpse("outage", "list", "--tenant", "kab-malang", "--json")
    assert listed.exit_code == 0, listed.stderr
    [outage] = json.loads(listed.stdout)["outages"]
    assert outage["source"] == "recorded"
    assert outage["evidence"][0]["reason"] == reason


@pytest.mark.parametrize(
    ("tenant", "start", "end", "reason", "message"),
    [
        ("kab-malang", -20, -40, "listrik padam", "must end after it starts"),
        ("kab-antah", -40, -20, "listrik padam", "no tenant 'kab-antah'"),
        ("kab-malang", -40, 30, "listrik padam", "its end is in the future"),
        ("kab-malang", -40, -20, "  ", "needs a reason"),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit_and_records_nothing(
    lpse: Invoke,
    settings: Settings,
    world: tuple[World, int],
    tenant: str,
    start: int,
    end: int,
    reason: str,
    message: str,
) -> None:
    w, tender = world
    times = [(w.now + m * MINUTE).isoformat() for m in (start, end)]
    done = lpse(
        "outage", "record", "--tenant", tenant, "--from", times[0], "--to", times[1], "--reason", reason
    )
    assert done.exit_code != 0
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    listed = lpse("outage", "list", "--tenant", "kab-malang", "--json")
    assert json.loads(listed.stdout)["outages"] == []
    assert _deadline(settings, w, tender) == w.now + HOUR
