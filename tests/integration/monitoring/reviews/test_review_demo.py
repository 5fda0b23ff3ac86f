"""The demo gives the province's review a story: several regencies, several months, seeded once."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.demo.identity import seed_identity_demo
from cli.demo.province import seed_demo
from cli.demo.reviews import HISTORY, review_hint, seed_review_demo
from hub.core.database import tenant_session
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from monitoring.reviews import ProvinceReview, review_html, review_province
from tenants.tenders.models import Tender
from tests.integration.monitoring.reviews.review_scenario import today


async def test_the_demo_history_fills_the_review_of_the_last_six_months_once(
    clean_identity: AsyncEngine, settings: Settings
) -> None:
    engine, master = clean_identity, MasterKey.parse(settings.master_key or "")
    await seed_demo(engine, concurrency=4)
    await seed_identity_demo(engine, "http://127.0.0.1:8000/callback")
    await seed_review_demo(engine, master)
    await seed_review_demo(engine, master)  # a second start adds nothing

    hint = review_hint("127.0.0.1", 8000, today())
    start = date.fromisoformat(hint.split("--from ")[1].split()[0])
    review = await review_province(engine, "35", start, today())
    assert len(review.tenants) == 39  # the province and its 38 regencies and cities
    busy = {t.slug for t in review.tenants if t.figures is not None and t.figures.completed}
    assert busy == set(HISTORY)  # each regency with a history signed a contract in it
    totals = review.totals
    planned = [p for tenders in HISTORY.values() for p in tenders]
    assert totals.completed == sum(p.value is not None for p in planned)
    assert totals.failed == sum(bool(p.prices) and p.value is None for p in planned)
    assert totals.cancelled == sum(not p.prices for p in planned)
    assert totals.objected == sum(p.objected for p in planned)
    assert totals.savings_share is not None
    assert 0 < totals.savings_share < 1
    assert sum(1 for m in totals.months if m.completed) >= 4  # a trend, not one bar
    surabaya = next(t for t in review.tenants if t.slug == "kota-surabaya")
    async with tenant_session(engine, "t_3578") as session:
        assert await session.scalar(select(func.count()).select_from(Tender)) == len(HISTORY[surabaya.slug])
    assert f"--to {today()}" in hint
    assert "/api/reviews/35?from=" in hint


async def test_the_demo_review_shows_its_auditors_the_red_flags_of_the_period(
    clean_identity: AsyncEngine, settings: Settings
) -> None:
    engine, master = clean_identity, MasterKey.parse(settings.master_key or "")
    await seed_demo(engine, concurrency=4)
    await seed_identity_demo(engine, "http://127.0.0.1:8000/callback")
    await seed_review_demo(engine, master)
    prefix = "ocds-demo"

    def flagged(review: ProvinceReview) -> dict[str, set[str]]:
        assert review.red_flags is not None
        return {name: set(codes) for name, codes in review.red_flags.per_tenant().items()}

    half_year = await review_province(
        engine, "35", today() - timedelta(days=180), today(), ocid_prefix=prefix
    )
    assert flagged(half_year) == {
        "Kabupaten Blitar": {"R003", "R018", "R028"},  # a single short-lived bid; twin losing prices
        "Kabupaten Sidoarjo": {"R003", "R018"},
        "Kabupaten Kediri": {"H01"},  # every bid hugging the HPS
        "Kota Surabaya": {"H02"},  # Maju Jaya won all three of its buyer's contracts
    }
    page = review_html(half_year)
    assert "Tanda bahaya" in page
    assert "Harga penawaran identik" in page
    assert re.search(
        r'<a href="/api/ocds/records/ocds-demo-3505-\d+">Rehabilitasi Gedung Puskesmas Kesamben</a>', page
    )

    # the last 60 days hold the two single bids, announced 47 and 59 days ago, and not the others
    two_months = await review_province(
        engine, "35", today() - timedelta(days=60), today(), ocid_prefix=prefix
    )
    assert flagged(two_months) == {
        "Kabupaten Blitar": {"R003", "R018"},
        "Kabupaten Sidoarjo": {"R003", "R018"},
    }

    before = await review_province(engine, "35", date(2025, 1, 1), date(2025, 1, 31), ocid_prefix=prefix)
    assert before.red_flags is not None
    assert before.red_flags.flags == ()
    assert "Tidak ada tanda bahaya" in review_html(before)
    assert (await review_province(engine, "35", today(), today())).red_flags is None  # no prefix, no flags
