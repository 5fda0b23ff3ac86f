"""A tender's outcome rows, read once per transaction: its awards, their contract, the awarded
vendors' names and the number of its objections (issue 20).

A step's check (its award), its publication and the view it answers each ask for them; read in one
statement, they are kept for the transaction (``session.info``). A tender the step's read found
before its opening has none (``remember_no_outcome``: an award follows the opening), so none is
read for it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import Select, event, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from federation.vendors import Vendor
from tenants.tenders.outcome_models import Award, Contract, Objection
from tenants.tenders.transaction_memo import forget_at_transaction_end


async def awards_of_tenders(session: AsyncSession, tender_ids: Collection[int]) -> dict[int, list[Award]]:
    """Each tender's awards by round (a tender without one is absent)."""
    known = await _outcomes(session, tender_ids)
    return {i: list(known[i].awards) for i in tender_ids if known[i].awards}


async def contracts_of_tenders(session: AsyncSession, tender_ids: Collection[int]) -> dict[int, Contract]:
    known = await _outcomes(session, tender_ids)
    return {i: contract for i in tender_ids if (contract := known[i].contract) is not None}


async def awarded_names(session: AsyncSession, tender_ids: Collection[int]) -> dict[int, str]:
    """The names of the vendors these tenders' awards went to, by vendor id."""
    known = await _outcomes(session, tender_ids)
    return {vendor: name for i in tender_ids for vendor, name in known[i].names.items()}


def may_have_objections(session: AsyncSession, tender_id: int) -> bool:
    """Whether the tender may have objections: not when this transaction read its awards and it had
    none (an objection is to an announced award; the read counts them, and a new one forgets it)."""
    known: dict[int, _Outcome] = session.info.get(_READ, {})
    outcome = None if _outcome_written(session.sync_session) else known.get(tender_id)
    return outcome is None or outcome.objections > 0


@dataclass(slots=True)
class _Outcome:
    """What a tender's awards are, with what the step and its view ask of them next."""

    awards: list[Award] = field(default_factory=list)
    contract: Contract | None = None
    names: dict[int, str] = field(default_factory=dict)  # the awarded vendors' names
    objections: int = 0


async def _outcomes(session: AsyncSession, tender_ids: Collection[int]) -> dict[int, _Outcome]:
    """The awards and the contract of each tender, the awarded vendors' names and the number of its
    objections, read once per transaction in one statement.

    A step's check (its award), its publication and the view it answers each ask for them (issue 20:
    the award and contract steps read the awards three times, the contracts twice, the names and
    objections once more), so the transaction keeps what it read (``session.info``) until it ends or
    an award or an objection of the tender is added or deleted (``_forget_on_writes``; a contract
    added is kept as the tender's); a change of a loaded award is one of the objects kept. A
    contract and an objection follow an award: a tender without an award has neither. A session
    serves one tenant's schema, so a tender id names one tender in what it keeps.
    """
    known: dict[int, _Outcome] = session.info.setdefault(_READ, {})
    if _outcome_written(session.sync_session):
        await session.flush()  # what a read would flush first: ``_forget_on_writes`` sees it
    missing = [i for i in dict.fromkeys(tender_ids) if i not in known]
    if missing:
        read = {i: _Outcome() for i in missing}
        for award, contract, name, objections in await session.execute(_outcomes_query(missing)):
            outcome = read[award.tender_id]
            outcome.awards.append(award)
            outcome.contract, outcome.objections = contract, objections
            if name is not None:
                outcome.names[award.vendor_id] = name
        known.update(read)
    return known


def remember_no_outcome(session: AsyncSession, tender_id: int) -> None:
    """Keep that a tender created in this transaction has no award and no contract yet."""
    session.info.setdefault(_READ, {})[tender_id] = _Outcome()


def _outcomes_query(tender_ids: Collection[int]) -> Select[Award, Contract, str, int]:
    objections = select(func.count()).where(Objection.tender_id == Award.tender_id).scalar_subquery()
    return (
        select(Award, Contract, Vendor.name, objections)
        .outerjoin(Contract, Contract.tender_id == Award.tender_id)
        .outerjoin(Vendor, Vendor.id == Award.vendor_id)
        .where(Award.tender_id.in_(tender_ids))
        .order_by(Award.tender_id, Award.round)
    )


_READ = "tenants.tenders.view_reads.outcomes"
"""The key of ``session.info`` for the awards and contracts this transaction has read."""


@event.listens_for(Session, "after_flush")
def _forget_on_writes(session: Session, _context: object) -> None:
    """A tender's new contract is kept as its contract; its other outcome rows added or deleted make
    the next read read it again."""
    known: dict[int, _Outcome] | None = session.info.get(_READ)
    if not known:
        return
    for row in session.new:
        if isinstance(row, Contract) and row.tender_id in known:
            known[row.tender_id].contract = row
        elif isinstance(row, Award | Objection):
            known.pop(row.tender_id, None)
    for row in session.deleted:
        if isinstance(row, Award | Contract | Objection):
            known.pop(row.tender_id, None)


forget_at_transaction_end(_READ)


def _outcome_written(session: Session) -> bool:
    """Whether the session adds or deletes an award, a contract or an objection not yet flushed
    (or in the flush)."""
    return any(isinstance(row, Award | Contract | Objection) for row in (*session.new, *session.deleted))
