"""``hub.red_flag_facts`` follows the feed by itself (migration h0018): each local tender's row holds
what its last release says of the indicators' fields, written in the transaction that appends the
release; a peer's releases are not this hub's to flag; a release deleted by the owner takes the
facts back to the one before."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.flagged import RedFlagQuery, flags_of
from federation.catalogue.models import CatalogueEntry, Change, RedFlagFacts
from federation.catalogue.red_flags import red_flags
from hub.core.database import hub_sessions
from tests.unit.federation.catalogue.test_red_flag_implementation import implemented, progress
from tests.unit.federation.catalogue.test_red_flag_indicators import bid, compiled, retender

pytestmark = pytest.mark.horizon  # it writes to the feed that other workers' tests read

OCID = "9902-77"


def stored(tenderers: int, *, retender_of: str | None = None) -> dict[str, Any]:
    release: dict[str, Any] = {
        "date": "2026-05-01T10:00:00+07:00",
        "tag": ["tender"],
        "buyer": {"id": "ID-SATKER-9902-1", "name": "Dinas Uji"},
        "parties": [{"id": "ID-SATKER-9902-1", "name": "Dinas Uji", "roles": ["buyer"]}],
        "tender": {
            "id": "77",
            "title": "Jalan Uji",
            "description": "panjang " * 50,
            "items": [{"id": "1", "description": "aspal"}],
            "documents": [{"id": "d1", "url": "https://x/d1"}],
            "procurementMethod": "open",
            "numberOfTenderers": tenderers,
        },
        "awards": [
            {"id": "a1", "status": "active", "documents": [{"id": "d2"}], "suppliers": [{"id": "V1"}]}
        ],
    }
    if retender_of is not None:
        release["relatedProcesses"] = [
            {"id": "1", "relationship": ["unsuccessfulProcess"], "scheme": "ocid", "identifier": retender_of}
        ]
    return release


async def facts_of(engine: AsyncEngine, ocid: str) -> RedFlagFacts | None:
    async with hub_sessions(engine)() as session:
        return await session.scalar(select(RedFlagFacts).where(RedFlagFacts.ocid == ocid))


@pytest.fixture
async def cleared(hub: AsyncEngine) -> AsyncEngine:
    async with hub_sessions(hub)() as session, session.begin():
        await session.execute(delete(Change).where(Change.ocid.in_([OCID, "9902-78"])))
    return hub


async def test_the_facts_are_the_last_releases_parts_the_indicators_read(cleared: AsyncEngine) -> None:
    async with hub_sessions(cleared)() as session, session.begin():
        session.add(Change(ocid=OCID, tags=["tender"], release=stored(5)))
    async with hub_sessions(cleared)() as session, session.begin():
        session.add(Change(ocid=OCID, tags=["tenderUpdate"], release=stored(1, retender_of="9902-70")))
        session.add(Change(origin="peer-jabar", ocid=OCID, tags=["tender"], release=stored(9)))
    kept = await facts_of(cleared, OCID)
    assert kept is not None
    assert kept.facts["tender"]["numberOfTenderers"] == 1  # the last local release, not the peer's
    assert kept.buyer_id == "ID-SATKER-9902-1"
    assert kept.repeats == "9902-70"
    # The heavy parts no indicator reads are left out; what they read stays.
    assert {"items", "documents", "description"}.isdisjoint(kept.facts["tender"])
    assert "parties" not in kept.facts
    assert "documents" not in kept.facts["awards"][0]
    assert kept.facts["awards"][0]["suppliers"] == [{"id": "V1"}]
    assert kept.facts["relatedProcesses"][0]["identifier"] == "9902-70"


async def test_a_deleted_release_takes_the_facts_back_to_the_one_before(cleared: AsyncEngine) -> None:
    async with hub_sessions(cleared)() as session, session.begin():
        first = Change(ocid=OCID, tags=["tender"], release=stored(5))
        second = Change(ocid=OCID, tags=["tenderUpdate"], release=stored(1))
        session.add(first)
        await session.flush()
        session.add(second)
    async with hub_sessions(cleared)() as session, session.begin():
        await session.execute(delete(Change).where(Change.position == second.position))
    kept = await facts_of(cleared, OCID)
    assert kept is not None
    assert (kept.position, kept.facts["tender"]["numberOfTenderers"]) == (first.position, 5)
    async with hub_sessions(cleared)() as session, session.begin():
        await session.execute(delete(Change).where(Change.ocid == OCID))
    assert await facts_of(cleared, OCID) is None


async def test_the_flags_of_the_facts_are_the_flags_of_the_whole_release(hub: AsyncEngine) -> None:
    """Every indicator, raised and not, on hand-built releases: the facts keep what each one reads."""
    failed = compiled(1, tenderers=3)
    releases = [
        compiled(2, days=5, tenderers=1, award=999, estimate=1000, contract=1200),  # R003 R018 H01 H03
        compiled(3, tenderers=2, bids=[bid(1, 500), bid(2, 500, vendor=9)]),  # R028
        compiled(4, award=700, supplier=2, bids=[bid(1, 600, "disqualified"), bid(2, 700)]),  # R036
        compiled(5, amendments=[{"id": "a1", "date": "2026-03-20T09:00:00+07:00", "rationale": "Adendum"}]),
        *(compiled(n, award=100, supplier=7) for n in (6, 7, 8)),  # H02 for the buyer
        failed,
        retender(9, failed["ocid"], supplier=2),  # H05
        compiled(10),  # nothing
        implemented(11, payments=(600_000, 500_000)),  # H06 (and H07: no progress report)
        implemented(
            12,
            payments=(300_000,),
            reports=[progress(1, "40", "2026-05-01"), progress(2, "70", "2026-06-01")],
        ),
        implemented(13, payments=(1_000_000,), reports=[progress(1, "100", "2026-06-29")]),  # nothing
        implemented(14, ends="2026-08-31T23:59:59+07:00"),  # nothing: still running
        implemented(15, status="cancelled"),  # nothing
    ]
    as_of = date(2026, 7, 15)
    async with hub.connect() as connection:
        facts = [
            (
                await connection.execute(
                    text("SELECT hub.red_flag_facts_of(CAST(:r AS jsonb))"), {"r": json.dumps(r)}
                )
            ).scalar_one()
            for r in releases
        ]
    slim = [{"ocid": r["ocid"], **f} for r, f in zip(releases, facts, strict=True)]
    whole = red_flags(releases, as_of=as_of)
    assert {f.code for f in whole} == {
        *("R003", "R018", "H01", "H03", "R028", "R036", "H04", "H02", "H05", "H06", "H07")
    }
    assert [f.ocid for f in whole if f.code in ("H06", "H07")] == [
        "ocds-lpsehub-3507-11",
        "ocds-lpsehub-3507-11",
        "ocds-lpsehub-3507-12",
    ]
    assert red_flags(slim, as_of=as_of) == whole
    assert all(len(json.dumps(f)) < len(json.dumps(r)) for f, r in zip(facts, releases, strict=True))


async def test_a_retender_won_by_a_bidder_of_the_failed_tender_is_flagged_from_the_feed(
    cleared: AsyncEngine,
) -> None:
    """H05 through ``flags_of``: the link is stored by local id, published as a public ocid."""
    failed = {**stored(3), "tender": {**stored(3)["tender"], "id": "78", "status": "unsuccessful"}}
    failed["tender"]["tenderers"] = [{"id": "V1", "name": "CV Satu"}, {"id": "V2", "name": "CV Dua"}]
    failed.pop("awards")
    again = stored(2, retender_of="9902-78")
    again["awards"][0]["suppliers"] = [{"id": "V2", "name": "CV Dua"}]
    async with hub_sessions(cleared)() as session, session.begin():
        session.add(Change(ocid="9902-78", tags=["tender"], release=failed))
        session.add(Change(ocid=OCID, tags=["award"], release=again))
        for ocid, title in (("9902-78", "Jalan Uji"), (OCID, "Jalan Uji (ulang)")):
            session.add(
                CatalogueEntry(
                    ocid=ocid, tenant_code="9902", tenant_slug="kab-uji-dua", tenant_name="Kab Uji Dua",
                    province_code="99", tender_id=int(ocid.split("-")[1]), title=title, agency="Dinas Uji",
                    category="construction", method="tender", evaluation="lowest_price", fiscal_year=2026,
                    budget=1, owner_estimate=1, kbli=[], status="awarded", stage="award",
                    announced_at=datetime(2026, 3, 1, tzinfo=UTC), search_text="uji",
                )
            )  # fmt: skip
    try:
        async with hub_sessions(cleared)() as session:
            flags = await flags_of(session, "ocds-lpsehub", RedFlagQuery(province="99", indicator="H05"))
        [flag] = flags
        assert (flag.ocid, flag.facts["repeats"]) == ("ocds-lpsehub-9902-77", "ocds-lpsehub-9902-78")
        assert flag.facts["supplierId"] == "V2"
        assert flag.facts["inRepeated"] == "a tenderer"
    finally:
        async with hub_sessions(cleared)() as session, session.begin():
            await session.execute(delete(CatalogueEntry).where(CatalogueEntry.tenant_code == "9902"))
