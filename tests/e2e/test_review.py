"""The coordination review (*rakor*) as operators and the governor's office take it: the CLI in every
format, its refusals, and ``GET /api/reviews/{province}`` for hub admins and province auditors only."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

from cli.main import app
from hub.core.settings import Settings
from tests.e2e.procurement import Client, Headers, bearer, person, regency, vendor
from tests.integration.monitoring.reviews.review_scenario import Moves, today

PERIOD = {"from": (today() - timedelta(days=30)).isoformat(), "to": today().isoformat()}


@dataclass(frozen=True)
class Reviewed:
    """Malang with a tender contracted today (budget 1.1 bn, 950 m), Blitar with one announced."""

    admin: Headers  # hub_admin
    auditor: Headers  # province_auditor
    official: Headers  # tenant_admin of Malang: a role in one regency only


@pytest.fixture
async def reviewed(client: Client, clean_identity: AsyncEngine) -> Reviewed:
    engine = clean_identity
    malang = Moves(client, engine, await regency(client, engine, "kab-malang", "3507"))
    blitar = Moves(client, engine, await regency(client, engine, "kab-blitar", "3505"))
    verifier = await person(engine, "verifier", "kab-blitar")
    a, b = [await vendor(client, engine, n, "3507", verifier, "kab-blitar") for n in ("andalas", "bromo")]
    prices = {a: 950_000_000, b: 990_000_000}
    await malang.contracted(
        "Rehabilitasi Jalan Kepanjen",
        1_000_000_000,
        prices,
        950_000_000,
        days_to_contract=3,
        signed_on=today(),
    )
    await blitar.announced("Rehabilitasi Gedung Puskesmas", 100_000_000)
    admin, auditor = [
        bearer(client, await person(engine, role, None)) for role in ("hub_admin", "province_auditor")
    ]
    return Reviewed(admin, auditor, malang.where.admin)


def lpse(settings: Settings, *args: str) -> Result:
    env = {"LPSE_HUB_DATABASE_URL": settings.database_url or "", "LPSE_HUB_MIGRATION_CONCURRENCY": "4"}
    return CliRunner().invoke(app, list(args), env=env)


async def review(settings: Settings, *args: str) -> Result:
    """``lpse-hub review --province 35`` over the period, in a thread: the CLI runs its own event loop."""
    period = ("--from", PERIOD["from"], "--to", PERIOD["to"])
    return await asyncio.to_thread(lpse, settings, "review", "--province", "35", *period, *args)


async def test_the_review_comes_as_a_table_csv_stable_json_and_one_offline_page(
    reviewed: Reviewed, settings: Settings, tmp_path: Path
) -> None:
    table = await review(settings)
    assert table.exit_code == 0, table.stderr
    assert "Kabupaten Malang" in table.stdout
    assert "Rp 950.000.000" in table.stdout  # Indonesian grouping

    rows = list(csv.DictReader(io.StringIO((await review(settings, "--format", "csv")).stdout)))
    assert [r["tenant"] for r in rows] == ["kab-blitar", "kab-malang", "total"]
    assert (rows[1]["completed"], rows[1]["contract_value"], rows[1]["savings"]) == (
        "1",
        "950000000",
        "150000000",
    )
    assert rows[2]["announced"] == "2"
    assert rows[0]["savings_share"] == ""  # Blitar signed nothing: unknown, not zero

    first, second = await review(settings, "--format", "json"), await review(settings, "--format", "json")
    assert first.exit_code == 0, first.stderr
    assert first.stdout == second.stdout
    found = json.loads(first.stdout)
    assert (
        first.stdout == json.dumps(found, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    )  # keys sorted
    assert found["period"] == PERIOD
    assert [t["slug"] for t in found["tenants"]] == ["kab-blitar", "kab-malang"]
    assert found["totals"]["savings_share"] == 0.1364  # 150 m / 1,100 m, rounded to four digits
    assert found["totals"]["mean_bidders"] == 2

    page = tmp_path / "rakor.html"
    written = await review(settings, "--format", "html", "--out", str(page))
    assert written.exit_code == 0, written.stderr
    assert written.stdout == ""
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    assert html.count("<svg") == 3  # two rankings and the monthly trend
    assert re.findall(r"""(?:src|href)\s*=\s*["']?\s*https?:""", html, re.IGNORECASE) == []
    assert re.findall(r"https?://", html) == []  # not even in a text: nothing points to the network
    assert "<script" not in html
    assert "Kabupaten Blitar" in html
    assert "Rp 950.000.000" in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--province", "3507", "--from", "2026-01-01", "--to", "2026-01-31"), "not a province"),
        (("--province", "12", "--from", "2026-01-01", "--to", "2026-01-31"), "no LPSE of Sumatera Utara"),
        (("--province", "35", "--from", "2026-13-01", "--to", "2026-01-31"), "from must be a date"),
        (("--province", "35", "--from", "1 Jan 2026", "--to", "2026-01-31"), "from must be a date"),
        (("--province", "35", "--from", "2026-02-01", "--to", "2026-01-31"), "is after to"),
        (
            ("--province", "35", "--from", "2026-01-01", "--to", "2026-01-31", "--format", "pdf"),
            "unknown format",
        ),
    ],
)
async def test_the_review_command_refuses_bad_input_in_one_line_with_exit_2(
    reviewed: Reviewed, settings: Settings, args: tuple[str, ...], message: str
) -> None:
    refused = await asyncio.to_thread(lpse, settings, "review", *args)
    assert refused.exit_code == 2
    assert refused.stdout == ""
    assert len(refused.stderr.splitlines()) == 1
    assert message in refused.stderr


async def test_the_review_route_answers_hub_admins_and_province_auditors_only(
    client: Client, reviewed: Reviewed
) -> None:
    url = "/api/reviews/35"
    for reviewer in (reviewed.admin, reviewed.auditor):
        answered = await client.get(url, params=PERIOD, headers=reviewer)
        assert answered.status_code == 200, answered.text
        assert [t["slug"] for t in answered.json()["tenants"]] == ["kab-blitar", "kab-malang"]
        assert answered.json()["totals"]["contract_value"] == 950_000_000
    spreadsheet = await client.get(url, params={**PERIOD, "format": "csv"}, headers=reviewed.admin)
    assert spreadsheet.headers["content-type"].startswith("text/csv")
    assert spreadsheet.text.splitlines()[-1].startswith("total,35,Jawa Timur")
    page = await client.get(url, params={**PERIOD, "format": "html"}, headers=reviewed.auditor)
    assert page.headers["content-type"].startswith("text/html")
    assert "<svg" in page.text
    records = re.findall(r'<a href="(/api/ocds/records/[^"]+)">', page.text)  # the flagged tenders
    assert records  # the scenario's tenders take bids for days, not weeks (R003)
    for record in records:
        assert (await client.get(record)).json()["records"][0]["ocid"] in record

    assert (await client.get(url, params=PERIOD)).status_code == 401
    assert (await client.get(url, params=PERIOD, headers=reviewed.official)).status_code == 403
    for params, field in (
        ({**PERIOD, "from": "2026-02-30"}, "from"),
        ({"to": PERIOD["to"]}, "from"),
        ({"from": PERIOD["to"], "to": PERIOD["from"]}, "to"),
        ({**PERIOD, "format": "xlsx"}, "format"),
    ):
        refused = await client.get(url, params=params, headers=reviewed.admin)
        assert refused.status_code == 400, params
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["field"] == field
    unknown = await client.get("/api/reviews/99", params=PERIOD, headers=reviewed.admin)
    assert (unknown.status_code, unknown.json()["field"]) == (400, "province")
