"""What the tender view reads, for many tenders at once: one statement per kind of row, whatever
the number of tenders (``GET /api/tenders`` read six rows' kinds per tender, issue 20). Within a
transaction the awards and contracts are read once (the documents too, ``document_entries``): a
step's check, its publication and the view it answers share what was read.

Each function takes the tenders' ids and answers a map from tender id to its rows, in the order
the view shows them; a tender with no such rows is absent from the map (or maps to an empty list).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Select, event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from tenants.tenders.custody.models import TenderKeyShare
from tenants.tenders.models import Tender
from tenants.tenders.outcome_models import Award, Contract, Objection, ObjectionFile


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


async def awards_of_tenders(session: AsyncSession, tender_ids: Collection[int]) -> dict[int, list[Award]]:
    """Each tender's awards by round (a tender without one is absent)."""
    known = await _outcomes(session, tender_ids)
    return {i: list(known[i][0]) for i in tender_ids if known[i][0]}


async def contracts_of_tenders(session: AsyncSession, tender_ids: Collection[int]) -> dict[int, Contract]:
    known = await _outcomes(session, tender_ids)
    return {i: contract for i in tender_ids if (contract := known[i][1]) is not None}


async def _outcomes(
    session: AsyncSession, tender_ids: Collection[int]
) -> dict[int, tuple[list[Award], Contract | None]]:
    """The awards and the contract of each tender, read once per transaction in one statement.

    A step's check (its award), its publication and the view it answers each ask for them (issue 20:
    the award and contract steps read the awards three times, the contracts twice), so the
    transaction keeps what it read (``session.info``) until it ends or an award or a contract is
    added or deleted (``_forget_on_outcome_writes``); a change of a loaded award is one of the
    objects kept. A contract follows an award: a tender without an award has none. A session serves
    one tenant's schema, so a tender id names one tender in what it keeps.
    """
    known: dict[int, tuple[list[Award], Contract | None]] = session.info.setdefault(_READ, {})
    if _outcome_written(session.sync_session):
        known.clear()
    missing = [i for i in dict.fromkeys(tender_ids) if i not in known]
    if missing:
        read: dict[int, tuple[list[Award], Contract | None]] = {i: ([], None) for i in missing}
        for award, contract in await session.execute(_outcomes_query(missing)):
            awards, _ = read[award.tender_id]
            awards.append(award)
            read[award.tender_id] = (awards, contract)
        known.update(read)
    return known


def remember_no_outcome(session: AsyncSession, tender_id: int) -> None:
    """Keep that a tender created in this transaction has no award and no contract yet."""
    session.info.setdefault(_READ, {})[tender_id] = ([], None)


def _outcomes_query(tender_ids: Collection[int]) -> Select[Award, Contract]:
    return (
        select(Award, Contract)
        .outerjoin(Contract, Contract.tender_id == Award.tender_id)
        .where(Award.tender_id.in_(tender_ids))
        .order_by(Award.tender_id, Award.round)
    )


_READ = "tenants.tenders.view_reads.outcomes"
"""The key of ``session.info`` for the awards and contracts this transaction has read."""


@event.listens_for(Session, "after_flush")
def _forget_on_writes(session: Session, _context: object) -> None:
    if _READ in session.info and _outcome_written(session):
        session.info[_READ].clear()


@event.listens_for(Session, "after_transaction_end")
def _forget_on_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction, or a savepoint (it may have been rolled back); not a flush's own.
    if transaction.parent is None or transaction.nested:
        session.info.pop(_READ, None)


def _outcome_written(session: Session) -> bool:
    """Whether the session adds or deletes an award or a contract not yet flushed (or in the flush)."""
    return any(isinstance(row, Award | Contract) for row in (*session.new, *session.deleted))


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
