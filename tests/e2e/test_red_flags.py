"""``GET /api/red-flags`` and ``lpse-hub red-flags`` on a small seeded catalogue: three published
tenders (their rows and their releases written as a publication writes them), flagged from their
compiled releases, filtered, and bad filters refused naming the parameter."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.models import CatalogueEntry, Change
from hub.core.database import hub_sessions
from hub.core.settings import Settings

Client = AsyncTestClient  # type: ignore[type-arg]
pytestmark = pytest.mark.horizon  # it writes to the feed that other workers' tests read

BUYER = {"id": "ID-SATKER-9901-4", "name": "Dinas PU Kabupaten Uji"}


def release(
    local: str, *, days: int, tenderers: int, award: int | None, contract: int | None
) -> dict[str, Any]:
    """A stored release (no ocid, no id: ``with_ocid`` adds them), as ``ocds.release`` writes one."""
    stored: dict[str, Any] = {
        "date": "2026-05-01T10:00:00+07:00",
        "tag": ["awardUpdate"],
        "initiationType": "tender",
        "buyer": BUYER,
        "tender": {
            "id": local,
            "title": f"Pekerjaan {local}",
            "status": "complete",
            "procurementMethod": "open",
            "value": {"amount": 1_000_000_000, "currency": "IDR"},
            "tenderPeriod": {
                "startDate": "2026-03-02T08:00:00+07:00",
                "endDate": f"2026-03-{2 + days:02d}T16:00:00+07:00",
            },
            "numberOfTenderers": tenderers,
        },
    }
    if award is not None:
        stored["awards"] = [
            {
                "id": f"{local}-1",
                "status": "active",
                "value": {"amount": award, "currency": "IDR"},
                "suppliers": [{"id": "ID-VENDOR-1", "name": "CV Maju"}],
            }
        ]
    if contract is not None:
        stored["contracts"] = [
            {"id": f"{local}-c", "awardID": f"{local}-1", "value": {"amount": contract, "currency": "IDR"}}
        ]
    return stored


TENDERS = (  # (tenant code, slug, tender id, announced, release)
    ("9901", "kab-uji", 1, datetime(2026, 3, 1, tzinfo=UTC),
     release("1", days=5, tenderers=1, award=995_000_000, contract=None)),  # R003, R018, H01
    ("9901", "kab-uji", 2, datetime(2026, 4, 1, tzinfo=UTC),
     release("2", days=20, tenderers=3, award=800_000_000, contract=900_000_000)),  # H03
    ("9801", "kab-seberang", 1, datetime(2026, 3, 1, tzinfo=UTC),
     release("1", days=5, tenderers=4, award=None, contract=None)),  # R003
)  # fmt: skip


@pytest.fixture
async def flagged(hub: AsyncEngine) -> AsyncIterator[None]:
    async with hub_sessions(hub)() as session, session.begin():
        for code, slug, tender_id, announced, stored in TENDERS:
            local = f"{code}-{tender_id}"
            earlier = {**stored, "tag": ["tender"], "tender": {**stored["tender"], "numberOfTenderers": 9}}
            session.add_all(
                [
                    Change(ocid=local, tags=["tender"], release=earlier),  # superseded by the next
                    Change(ocid=local, tags=stored["tag"], release=stored),
                ]
            )
            session.add(
                CatalogueEntry(
                    ocid=local, tenant_code=code, tenant_slug=slug, tenant_name=slug,
                    province_code=code[:2], tender_id=tender_id, title=stored["tender"]["title"],
                    agency=BUYER["name"], category="construction", method="tender",
                    evaluation="lowest_price", fiscal_year=2026, budget=1_100_000_000,
                    owner_estimate=1_000_000_000, kbli=[], status="contracted", stage="contract",
                    announced_at=announced, search_text=slug,
                )
            )  # fmt: skip
    yield
    async with hub_sessions(hub)() as session, session.begin():
        await session.execute(delete(Change).where(Change.ocid.in_(["9901-1", "9901-2", "9801-1"])))
        await session.execute(delete(CatalogueEntry).where(CatalogueEntry.tenant_code.in_(["9901", "9801"])))


def codes(answer: dict[str, Any]) -> list[tuple[str, str | None]]:
    return sorted((f["code"], f["ocid"]) for f in answer["flags"])


async def flags(client: Client, **params: Any) -> dict[str, Any]:
    answer = await client.get("/api/red-flags", params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_red_flags_of_a_tenant_come_from_its_compiled_releases_with_their_facts(
    client: Client, flagged: None
) -> None:
    answer = await flags(client, tenant="kab-uji")
    assert answer["tenders"] == 2
    assert codes(answer) == [
        ("H01", "ocds-lpsehub-9901-1"),
        ("H03", "ocds-lpsehub-9901-2"),
        ("R003", "ocds-lpsehub-9901-1"),
        ("R018", "ocds-lpsehub-9901-1"),  # the last release's one tenderer, not the first's nine
    ]
    [single] = [f for f in answer["flags"] if f["code"] == "R018"]
    assert single["buyer"] == BUYER["name"]
    assert single["facts"] == {"numberOfTenderers": 1, "procurementMethod": "open"}
    assert single["explanation"]
    assert single["explanation_id"]
    assert answer["thresholds"]["short_submission_days"] == 15
    assert answer["total"] == 4
    assert answer["counts"] == {"R003": 1, "R018": 1, "R028": 0, "R036": 0, "H01": 1, "H02": 0, "H03": 1,
                                "H04": 0, "H05": 0, "H06": 0, "H07": 0}  # fmt: skip


async def test_red_flags_come_in_pages_with_the_counts_on_each(client: Client, flagged: None) -> None:
    first = await flags(client, limit=3)
    second = await flags(client, limit=3, offset=3)
    assert (first["total"], second["total"]) == (5, 5)
    assert len(first["flags"]) == 3
    assert len(second["flags"]) == 2
    assert first["counts"] == second["counts"]
    every = await flags(client)
    assert first["flags"] + second["flags"] == every["flags"]
    for params in ({"limit": "0"}, {"limit": "10001"}, {"offset": "-1"}):
        refused = await client.get("/api/red-flags", params=params)
        assert refused.status_code == 400, params
        assert refused.json()["field"] == next(iter(params))


async def test_red_flags_are_filtered_by_province_indicator_buyer_period_and_threshold(
    client: Client, flagged: None
) -> None:
    assert codes(await flags(client, province="98")) == [("R003", "ocds-lpsehub-9801-1")]
    assert codes(await flags(client, province="99", indicator="H03")) == [("H03", "ocds-lpsehub-9901-2")]
    assert codes(await flags(client, tenant="kab-uji", **{"from": "2026-03-15"})) == [
        ("H03", "ocds-lpsehub-9901-2")
    ]
    assert len((await flags(client, tenant="kab-uji", to="2026-03-01"))["flags"]) == 3
    assert (await flags(client, buyer=BUYER["id"], indicator="R003"))["tenders"] == 3
    assert (await flags(client, buyer="Dinas Lain"))["tenders"] == 0
    assert codes(await flags(client, tenant="kab-uji", indicator="H01", estimate_ratio=0.999)) == []
    assert len((await flags(client, province="98", short_submission_days=3))["flags"]) == 0


async def test_bad_red_flag_filters_are_refused_as_problems_naming_the_parameter(
    client: Client, flagged: None
) -> None:
    for params, name in (
        ({"province": "jatim"}, "province"),
        ({"tenant": "kab-tidak-ada"}, "tenant"),  # unknown: refused as the catalogue's search refuses it
        ({"indicator": "R999"}, "indicator"),
        ({"from": "kemarin"}, "from"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "from"),
        ({"estimate_ratio": "2"}, "estimate_ratio"),
    ):
        refused = await client.get("/api/red-flags", params=params)
        assert refused.status_code == 400, params
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["field"] == name, refused.json()
    assert (await client.get("/api/red-flags", params={"short_submission_days": "lima"})).status_code == 400


def test_the_cli_prints_red_flags_as_a_table_csv_or_json_with_the_same_filters(
    flagged: None, settings: Settings
) -> None:
    assert settings.database_url is not None
    env = {**os.environ, "LPSE_HUB_DATABASE_URL": settings.database_url}
    command = [sys.executable, "-c", "from cli.main import run; run()", "red-flags", "--tenant", "kab-uji"]

    def cli(*more: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*command, *more], env=env, capture_output=True, text=True, check=False)

    as_json = cli("--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    assert sorted(f["code"] for f in json.loads(as_json.stdout)) == ["H01", "H03", "R003", "R018"]
    as_csv = cli("--format", "csv", "--indicator", "H03")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [(r["code"], r["tenders"]) for r in rows] == [("H03", "ocds-lpsehub-9901-2")]
    assert json.loads(rows[0]["facts"])["contractValue"] == 900_000_000
    table = cli("--from", "2026-03-15")
    assert table.returncode == 0, table.stderr
    assert "H03" in table.stdout
    assert "R018" not in table.stdout
    assert "1 red flags" in table.stdout
    refused = cli("--from", "kemarin")
    assert refused.returncode == 2
    assert "--from" in refused.stderr
    assert refused.stderr.strip().count("\n") == 0  # one line, no traceback
