"""The review's figures against a scenario computed by hand.

Two regencies of Jawa Timur (Malang, Blitar) and a city of Jawa Tengah (Semarang, which must not
appear). Tenders go over HTTP to known outcomes and are then moved back to chosen days. The period
runs from ``m1``, the first day of last month, to today; ``m0`` is the first day of this month.
Every tenant here is on WIB. A package's budget (pagu) is its HPS plus 10%.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.errors import InvalidInput
from monitoring.probes import probe_all
from monitoring.reviews import Figures, Month, Uptime, review_province
from monitoring.reviews.trace import Trace
from tests.conftest import make_tenant
from tests.e2e.procurement import Bidder, Client, person, regency, vendor
from tests.integration.monitoring.reviews.review_scenario import Moves, today


@dataclass(frozen=True)
class Province:
    malang: Moves
    blitar: Moves
    semarang: Moves  # Jawa Tengah: never in Jawa Timur's review
    andalas: Bidder
    bromo: Bidder
    cendana: Bidder
    duta: Bidder


@pytest.fixture
async def province(quiet_client: Client, clean_identity: AsyncEngine) -> Province:
    engine = clean_identity
    regencies = [
        Moves(quiet_client, engine, await regency(quiet_client, engine, slug, code))
        for slug, code in (("kab-malang", "3507"), ("kab-blitar", "3505"), ("kota-semarang", "3374"))
    ]
    verifier = await person(engine, "verifier", "kab-blitar")
    names = ("andalas", "bromo", "cendana", "duta")
    made = [await vendor(quiet_client, engine, name, "3507", verifier, "kab-blitar") for name in names]
    return Province(*regencies, *made)


async def test_every_figure_of_the_review_is_the_one_computed_by_hand(
    province: Province, clean_identity: AsyncEngine
) -> None:
    p, now = province, today()
    m0 = now.replace(day=1)
    m1 = (m0 - timedelta(days=1)).replace(day=1)  # last month is 28 to 31 days: m0 - 7 is in it
    await _malang_history(p, m1)
    await _blitar_history(p, m0)
    await p.semarang.announced("Normalisasi Kali Semarang", 800_000_000)  # Jawa Tengah: stays out
    await _probe_twice_with_blitar_tampered_between(clean_identity)

    review = await review_province(clean_identity, "35", m1, now)

    assert (review.code, review.name) == ("35", "Jawa Timur")
    assert [t.slug for t in review.tenants] == ["kab-blitar", "kab-malang"]  # by code; no Semarang
    blitar, malang = (t.figures for t in review.tenants)
    # Malang: announced A, C, D = 3, budget 1,100 + 330 + 220 m; completed A, B; contracted budget
    # 1,100 + 550 m, value 950 + 470 m; opened A, B, C with 3 + 2 + 1 bids; awards announced A
    # (m1+14-5) and B (m1+8-5), A objected to; months: m1 announced A, C and completed A, B, m0
    # announced D; probed twice, up twice.
    assert malang == Figures(
        announced=3,
        budget=1_650_000_000,
        completed=2,
        contracted_budget=1_650_000_000,
        contract_value=1_420_000_000,
        failed=1,
        cancelled=1,
        opened=3,
        bids=6,
        award_announced=2,
        objected=1,
        days_to_contract=(10, 12),
        months=(Month(m1, 2, 2), Month(m0, 1, 0)),
        uptime=Uptime(2, 2),
        trace=Trace(running=2, running_value=1_420_000_000),  # no plan, payment or progress yet
    )
    assert malang.savings == 230_000_000  # 1,650 - 1,420 m
    assert malang.savings_share == Fraction(230, 1650)
    assert malang.median_days_to_contract == 11  # (10 + 12) / 2
    assert malang.mean_bidders == 2  # 6 bids / 3 tenders
    assert malang.objection_share == Fraction(1, 2)
    # Blitar: announced G (m0-7), H (today), budget 2,200 + 110 m; G completed on m0 for 1.9 bn,
    # opened with 4 bids; probed twice, up once (the audit log tampered with before the second).
    assert blitar == Figures(
        announced=2,
        budget=2_310_000_000,
        completed=1,
        contracted_budget=2_200_000_000,
        contract_value=1_900_000_000,
        opened=1,
        bids=4,
        award_announced=1,
        objected=0,
        days_to_contract=(7,),
        months=(Month(m1, 1, 0), Month(m0, 1, 1)),
        uptime=Uptime(2, 1),
        trace=Trace(running=1, running_value=1_900_000_000),
    )
    assert blitar.objection_share == 0
    assert blitar.uptime is not None
    assert blitar.uptime.share == Fraction(1, 2)
    # The province: both summed, Semarang's tender (announced today, budget 880 m) left out.
    totals = review.totals
    assert (totals.announced, totals.budget, totals.completed) == (5, 3_960_000_000, 3)
    assert (totals.contracted_budget, totals.contract_value, totals.savings) == (
        3_850_000_000,
        3_320_000_000,
        530_000_000,
    )
    assert totals.savings_share == Fraction(530, 3850)
    assert (totals.failed, totals.cancelled) == (1, 1)
    assert totals.median_days_to_contract == 10  # of 7, 10, 12
    assert totals.mean_bidders == Fraction(10, 4)  # (6 + 4) bids / (3 + 1) tenders
    assert totals.objection_share == Fraction(1, 3)
    assert totals.months == (Month(m1, 3, 2), Month(m0, 2, 1))
    assert totals.uptime == Uptime(4, 3)


async def _malang_history(p: Province, m1: date) -> None:
    a, b, c = p.andalas, p.bromo, p.cendana
    # A: announced m1+2, 3 bids, objected to, contracted m1+14 (12 days); budget 1.1 bn.
    await p.malang.contracted(
        "Rehabilitasi Jalan Kepanjen",
        1_000_000_000,
        {a: 950_000_000, b: 970_000_000, c: 990_000_000},
        950_000_000,
        days_to_contract=12,
        signed_on=m1 + timedelta(days=14),
        objector=b,
    )
    # B: announced m1-2 (before the period), 2 bids, contracted m1+8 (10 days); budget 550 m.
    await p.malang.contracted(
        "Pembangunan Jembatan Dampit",
        500_000_000,
        {a: 480_000_000, b: 490_000_000},
        470_000_000,
        days_to_contract=10,
        signed_on=m1 + timedelta(days=8),
    )
    # C: announced, 1 bid opened and failed, all on m1+5; budget 330 m.
    await p.malang.failed(
        "Pembangunan Pasar Sumberpucung", 300_000_000, {c: 310_000_000}, on=m1 + timedelta(5)
    )
    # D: announced and cancelled today; budget 220 m.
    await p.malang.cancelled("Pengadaan Meubelair Sekolah", 200_000_000)
    # E: announced on m1-10, before the period: not counted.
    early = await p.malang.announced("Pengadaan Ambulans Puskesmas", 400_000_000)
    await p.malang.move_to(early, m1 - timedelta(days=10))
    # F: a draft cancelled today: never public, not a cancellation of the review.
    await p.malang.draft_cancelled("Pengadaan Komputer Bappeda", 150_000_000)


async def _blitar_history(p: Province, m0: date) -> None:
    a, b, c, d = p.andalas, p.bromo, p.cendana, p.duta
    # G: announced m0-7 (last month), 4 bids, contracted m0 (7 days); budget 2.2 bn.
    await p.blitar.contracted(
        "Pengadaan Alat Kesehatan RSUD",
        2_000_000_000,
        {a: 1_900_000_000, b: 1_920_000_000, c: 1_950_000_000, d: 1_980_000_000},
        1_900_000_000,
        days_to_contract=7,
        signed_on=m0,
    )
    # H: announced today, still running; budget 110 m.
    await p.blitar.announced("Rehabilitasi Gedung Puskesmas", 100_000_000)


async def _probe_twice_with_blitar_tampered_between(engine: AsyncEngine) -> None:
    first = await probe_all(engine, 4)
    assert [r.up for r in first.results] == [True, True, True]
    async with engine.begin() as connection:  # damage: the table's owner rewrites Blitar's first entry
        await connection.execute(text("ALTER TABLE t_3505.audit_log DISABLE TRIGGER audit_log_append_only"))
        await connection.execute(text("UPDATE t_3505.audit_log SET payload = '{}' WHERE seq = 1"))
        await connection.execute(text("ALTER TABLE t_3505.audit_log ENABLE TRIGGER audit_log_append_only"))
    second = await probe_all(engine, 4)
    assert [r.tenant_slug for r in second.down] == ["kab-blitar"]


async def test_a_later_period_leaves_out_what_happened_before_it(
    province: Province, clean_identity: AsyncEngine
) -> None:
    now = today()
    await province.malang.failed("Pembangunan Pasar Sumberpucung", 300_000_000, {province.cendana: 1}, on=now)
    review = await review_province(clean_identity, "35", now + timedelta(days=1), now + timedelta(days=1))
    malang = review.tenants[1].figures
    assert malang is not None
    assert (malang.announced, malang.failed, malang.opened, malang.uptime) == (0, 0, 0, None)
    assert malang.mean_bidders is None  # nothing to divide by: unknown, not zero


async def test_a_regency_whose_schema_is_gone_is_reported_and_left_out_of_the_totals(
    hub: AsyncEngine,
) -> None:
    await make_tenant(hub, "kab-malang", "3507")
    await make_tenant(hub, "kab-blitar", "3505")
    async with hub.begin() as connection:  # damage: the schema dropped behind the registry's back
        await connection.execute(text("DROP SCHEMA t_3505 CASCADE"))
    now = today()
    review = await review_province(hub, "35", now, now)
    blitar, malang = review.tenants
    assert blitar.figures is None
    assert blitar.error is not None
    assert "t_3505" in blitar.error
    assert malang.figures == review.totals
    assert malang.error is None


@pytest.mark.parametrize(
    ("code", "start", "end", "field"),
    [
        ("3507", "2026-01-01", "2026-01-31", "province"),  # a regency, not a province
        ("99", "2026-01-01", "2026-01-31", "province"),
        ("33", "2026-01-01", "2026-01-31", "province"),  # a province with no LPSE on this hub
        ("35", "2026-02-01", "2026-01-31", "to"),
    ],
)
async def test_a_bad_province_or_period_is_refused(
    hub: AsyncEngine, code: str, start: str, end: str, field: str
) -> None:
    await make_tenant(hub, "kab-malang", "3507")
    with pytest.raises(InvalidInput) as refused:
        await review_province(hub, code, date.fromisoformat(start), date.fromisoformat(end))
    assert refused.value.field == field
