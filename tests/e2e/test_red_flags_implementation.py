"""H06 and H07 through ``GET /api/red-flags`` and ``lpse-hub red-flags``: a published tender whose last
release says what its contract's implementation was (payments, physical progress), flagged from the
facts the feed's trigger keeps (migration h0026), judged on ``to`` or on the database's current date."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.flagged import flags_of_tender
from federation.catalogue.models import CatalogueEntry, Change
from hub.core.database import hub_sessions
from hub.core.settings import Settings
from monitoring.reviews.period import Period
from monitoring.reviews.red_flags import review_flags
from tests.e2e.test_red_flags import BUYER, Client, codes, flags, release
from tests.unit.federation.catalogue.test_red_flag_implementation import payment, progress

pytestmark = pytest.mark.horizon  # it writes to the feed that other workers' tests read

SLUG, CODE = "kab-monev", "9701"
ENDS = "2026-06-30T23:59:59+07:00"


def implemented(
    local: str, payments: tuple[int, ...], reports: list[dict[str, Any]], ends: str = ENDS
) -> dict[str, Any]:
    """A tender with a contract of 900,000,000 ending ``ends``, its payments and progress reports."""
    stored = release(local, days=20, tenderers=3, award=900_000_000, contract=900_000_000)
    stored["awards"][0]["suppliers"] = [{"id": f"ID-VENDOR-7{local}", "name": f"CV Tujuh {local}"}]  # no H02
    contract = stored["contracts"][0]
    contract |= {"status": "active", "period": {"startDate": "2026-04-01T00:00:00+07:00", "endDate": ends}}
    contract["implementation"] = {
        "transactions": [payment(term, amount) for term, amount in enumerate(payments, 1)],
        "milestones": reports,
    }
    return stored


TENDERS = {
    "1": implemented("1", (500_000_000, 450_000_000), [progress(1, "100", "2026-06-25")]),  # H06
    "2": implemented("2", (300_000_000,), [progress(1, "45.5", "2026-06-01")]),  # H07 (from 1 July)
    "3": implemented("3", (900_000_000,), [progress(1, "100.00", "2026-06-29")]),  # nothing
    "4": implemented("4", (), [], ends=f"{date.today() + timedelta(days=30)}T23:59:59+07:00"),  # running
}


@pytest.fixture
async def monitored(hub: AsyncEngine) -> AsyncIterator[None]:
    async with hub_sessions(hub)() as session, session.begin():
        for tender_id, stored in TENDERS.items():
            local = f"{CODE}-{tender_id}"
            session.add(Change(ocid=local, tags=["contract"], release=stored))
            session.add(
                CatalogueEntry(
                    ocid=local, tenant_code=CODE, tenant_slug=SLUG, tenant_name="Kab Monev",
                    province_code=CODE[:2], tender_id=int(tender_id), title=f"Pekerjaan {tender_id}",
                    agency=BUYER["name"], category="construction", method="tender",
                    evaluation="lowest_price", fiscal_year=2026, budget=1_000_000_000,
                    owner_estimate=1_000_000_000, kbli=[], status="contracted", stage="contract",
                    announced_at=datetime(2026, 3, 1, tzinfo=UTC), search_text=SLUG,
                )
            )  # fmt: skip
    yield
    async with hub_sessions(hub)() as session, session.begin():
        await session.execute(delete(Change).where(Change.ocid.in_([f"{CODE}-{n}" for n in TENDERS])))
        await session.execute(delete(CatalogueEntry).where(CatalogueEntry.tenant_code == CODE))


async def test_payments_above_a_contract_and_a_contract_late_without_progress_are_flagged(
    client: Client, monitored: None
) -> None:
    answer = await flags(client, tenant=SLUG, to="2026-07-10")
    assert answer["as_of"] == "2026-07-10"
    assert codes(answer) == [("H06", "ocds-lpsehub-9701-1"), ("H07", "ocds-lpsehub-9701-2")]
    paid, late = answer["flags"]
    assert (paid["facts"]["paid"], paid["facts"]["contractValue"]) == (950_000_000, 900_000_000)
    assert [t["id"] for t in paid["facts"]["transactions"]] == ["1-payment-1", "1-payment-2"]
    assert late["facts"] | {"contract": None} == {
        "contract": None,
        "endDate": ENDS,
        "daysPast": 10,
        "asOf": "2026-07-10",
        "lastProgress": 45.5,
        "lastProgressDate": "2026-06-01T00:00:00+07:00",
    }
    assert "45.5%" in late["explanation_id"]
    assert answer["counts"]["H06"] == 1
    assert answer["counts"]["H07"] == 1


async def test_h07_waits_for_the_end_and_the_grace_days_and_defaults_to_the_databases_date(
    client: Client, hub: AsyncEngine, monitored: None
) -> None:
    assert codes(await flags(client, tenant=SLUG, to="2026-06-30", indicator="H07")) == []
    assert codes(await flags(client, tenant=SLUG, to="2026-07-10", overdue_grace_days=10)) == [
        ("H06", "ocds-lpsehub-9701-1")
    ]
    async with hub_sessions(hub)() as session:
        today: date = (await session.execute(select(func.current_date()))).scalar_one()
    answer = await flags(client, tenant=SLUG, indicator="H07")
    assert answer["as_of"] == today.isoformat()
    assert (today > date(2026, 6, 30)) == (len(answer["flags"]) == 1)
    async with hub_sessions(hub)() as session:  # a tender's page: the same day
        on_page = await flags_of_tender(session, "ocds-lpsehub", f"{CODE}-2")
    assert [f.code for f in on_page] == [f["code"] for f in answer["flags"]]
    refused = await client.get("/api/red-flags", params={"overdue_grace_days": "-1"})
    assert refused.status_code == 400
    assert refused.json()["field"] == "overdue_grace_days"


def test_the_cli_lists_h06_and_h07_judged_on_to(monitored: None, settings: Settings) -> None:
    assert settings.database_url is not None
    env = {**os.environ, "LPSE_HUB_DATABASE_URL": settings.database_url}
    command = [sys.executable, "-c", "from cli.main import run; run()", "red-flags", "--tenant", SLUG]
    done = subprocess.run(
        [*command, "--to", "2026-07-10", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert [(f["code"], f["ocid"]) for f in json.loads(done.stdout)] == [
        ("H06", "ocds-lpsehub-9701-1"),
        ("H07", "ocds-lpsehub-9701-2"),
    ]
    graced = subprocess.run(
        [*command, "--to", "2026-07-10", "--overdue-grace-days", "30", "--indicator", "H07", "--format=json"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert json.loads(graced.stdout) == []


async def test_the_review_judges_h07_on_its_last_day_or_today_if_sooner(
    client: Client, hub: AsyncEngine, monitored: None
) -> None:
    """As the review's trace counts late contracts: a period not over yet flags nothing not late yet.
    The API judges on the ``to`` it is given, even a later one: its answer names the date."""

    async def late(end: date) -> list[str | None]:
        async with hub_sessions(hub)() as session:
            found = await review_flags(session, "ocds-lpsehub", CODE[:2], Period(date(2026, 3, 1), end))
        return [p.flag.ocid for p in found.flags if p.flag.code == "H07"]

    assert await late(date(2026, 6, 30)) == []
    assert await late(date(2026, 7, 10)) == ["ocds-lpsehub-9701-2"]
    far = date.today() + timedelta(days=400)
    assert await late(far) == ["ocds-lpsehub-9701-2"]  # not 4: it is running
    asked = await flags(client, tenant=SLUG, indicator="H07", to=far.isoformat())
    assert codes(asked) == [("H07", "ocds-lpsehub-9701-2"), ("H07", "ocds-lpsehub-9701-4")]
