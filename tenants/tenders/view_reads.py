"""What the tender view reads, for many tenders at once: one statement per kind of row, whatever
the number of tenders (``GET /api/tenders`` read six rows' kinds per tender, issue 20). Within a
transaction the awards and contracts are read once (``outcomes``; the documents too,
``document_entries``): a step's check, its publication and the view it answers share what was read.

Each function takes the tenders' ids and answers a map from tender id to its rows, in the order
the view shows them; a tender with no such rows is absent from the map (or maps to an empty list).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.tenders.custody.models import TenderKeyShare
from tenants.tenders.models import Tender
from tenants.tenders.outcome_models import Objection, ObjectionFile
from tenants.tenders.outcomes import may_have_objections


async def key_shares_of_tenders(
    session: AsyncSession, tender_ids: Collection[int]
) -> dict[int, list[TenderKeyShare]]:
    if not tender_ids:
        return {}
    query = (
        select(TenderKeyShare)
        .where(TenderKeyShare.tender_id.in_(tender_ids))
        .order_by(TenderKeyShare.tender_id, TenderKeyShare.slot)
    )
    shares: dict[int, list[TenderKeyShare]] = {}
    for share in (await session.execute(query)).scalars():
        shares.setdefault(share.tender_id, []).append(share)
    return shares


async def retenders_of_tenders(session: AsyncSession, tender_ids: Collection[int]) -> dict[int, int]:
    """The tender each of these was re-tendered as (a failed tender has at most one re-tender)."""
    if not tender_ids:
        return {}
    query = select(Tender.retender_of, Tender.id).where(Tender.retender_of.in_(tender_ids))
    rows = (await session.execute(query)).all()
    return {original: retender for original, retender in rows if original is not None}


async def objections_of_tenders(
    session: AsyncSession, tender_ids: Collection[int]
) -> dict[int, list[tuple[Objection, list[ObjectionFile]]]]:
    """The objections of these tenders with their files, in one statement (files joined)."""
    tender_ids = [i for i in tender_ids if may_have_objections(session, i)]  # as their awards' read found
    if not tender_ids:
        return {}
    query = (
        select(Objection, ObjectionFile)
        .outerjoin(ObjectionFile, ObjectionFile.objection_id == Objection.id)
        .where(Objection.tender_id.in_(tender_ids))
        .order_by(Objection.tender_id, Objection.id, ObjectionFile.id)
    )
    objections: dict[int, list[tuple[Objection, list[ObjectionFile]]]] = {}
    for objection, file in (await session.execute(query)).all():
        of_tender = objections.setdefault(objection.tender_id, [])
        if not of_tender or of_tender[-1][0] is not objection:
            of_tender.append((objection, []))
        if file is not None:
            of_tender[-1][1].append(file)
    return objections
