"""``hub.red_flag_facts`` follows the feed by itself (migration h0018): each local tender's row holds
what its last release says of the indicators' fields, written in the transaction that appends the
release; a peer's releases are not this hub's to flag; a release deleted by the owner takes the
facts back to the one before."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.models import Change, RedFlagFacts
from hub.core.database import hub_sessions

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
