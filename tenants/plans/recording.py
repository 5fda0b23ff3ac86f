"""Recording plan items (paket RUP) as SiRUP publishes them: a batch taken whole or not at all.

A batch (an import file, the API's list) is judged whole before anything is written: every fault of
every row is reported (``InvalidRows``, up to ``MAX_REPORTED``) and nothing is recorded. An item sent
again with the same RUP code and the same content changes nothing; with other content it is a
revision (SiRUP revises items), recorded with what changed, before and after. A revision may not
bring the ceiling below what the item's packages take already, nor move an item with packages to
another agency or fiscal year: those packages were judged against it. The items revised are locked
(``FOR UPDATE``, in id order) so that a package taking from a ceiling and a revision lowering it
cannot pass each other.

Every item recorded or revised is one entry of the tenant's audit chain (``plan_item.recorded``,
``plan_item.revised``), in the transaction of the change: a watchdog follows one item's ceiling
through its entries by the subject ``plan_item:<RUP code>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Acting
from federation.identity.policy import Action
from hub.core.errors import Conflict, InvalidInput, InvalidRows, RowError
from tenants.agencies import Agency
from tenants.plans.ceilings import taken_of
from tenants.plans.fields import PlanItemInput, parse_item
from tenants.plans.models import PlanItem

MAX_ITEMS = 5000
"""Items in one batch, at most: a regency's whole plan for a year is a few thousand."""
MAX_REPORTED = 100
"""Faults reported of a refused batch, at most: enough to mend a file by, not a flood."""


@dataclass(frozen=True, slots=True)
class PlanOutcome:
    """What a batch did, by RUP code: items new to the plan, items revised, items sent unchanged."""

    recorded: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, list[str]]:
        return {"recorded": self.recorded, "revised": self.revised, "unchanged": self.unchanged}


async def record_plan_items(
    session: AsyncSession, acting: Acting, rows: Sequence[Mapping[str, Any]], *, via: str = "api"
) -> PlanOutcome:
    """Record ``rows`` (each a mapping of ``tenants.plans.fields.FIELDS``) in the plan, all or none.

    ``via`` says in each audit entry how the items came (``api``, ``import``). ``InvalidRows`` lists
    the faults by row index (0 for the first); nothing is written then.
    """
    await acting.require(session, Action.PLAN_RECORD)
    if not rows:
        raise InvalidInput("no plan items were sent", field="items")
    if len(rows) > MAX_ITEMS:
        raise InvalidInput(f"at most {MAX_ITEMS} plan items at once", field="items")
    items, faults = _parsed(rows)
    existing = await _existing(session, [item.rup_code for item in items.values()])
    taken = await taken_of(session, [row.id for row in existing.values()])
    faults += await _unknown_agencies(session, items)
    faults += _revisions_refused(items, existing, taken)
    if faults:
        faults.sort(key=lambda fault: fault.index)
        raise InvalidRows(
            f"{len({f.index for f in faults})} of {len(rows)} plan items have faults; nothing was recorded",
            rows=faults[:MAX_REPORTED],
        )
    return await _write(session, acting, list(items.values()), existing, via)


def _parsed(rows: Sequence[Mapping[str, Any]]) -> tuple[dict[int, PlanItemInput], list[RowError]]:
    items: dict[int, PlanItemInput] = {}
    faults: list[RowError] = []
    first_of: dict[str, int] = {}
    for index, raw in enumerate(rows):
        if not isinstance(raw, Mapping):
            faults.append(RowError(index, "item", "each plan item is an object of fields"))
            continue
        parsed = parse_item(index, raw)
        if isinstance(parsed, list):
            faults += parsed
        elif parsed.rup_code in first_of:
            faults.append(
                RowError(
                    index,
                    "rup_code",
                    f"RUP code {parsed.rup_code} is sent twice (first at {first_of[parsed.rup_code]})",
                )
            )
        else:
            first_of[parsed.rup_code] = index
            items[index] = parsed
    return items, faults


async def _existing(session: AsyncSession, codes: list[str]) -> dict[str, PlanItem]:
    """The items of ``codes`` already in the plan, locked against packages and other revisions."""
    if not codes:
        return {}
    query = select(PlanItem).where(PlanItem.rup_code.in_(codes)).order_by(PlanItem.id).with_for_update()
    return {row.rup_code: row for row in (await session.scalars(query)).all()}


async def _unknown_agencies(session: AsyncSession, items: dict[int, PlanItemInput]) -> list[RowError]:
    wanted = {item.agency_id for item in items.values()}
    known = (
        set((await session.scalars(select(Agency.id).where(Agency.id.in_(wanted)))).all())
        if wanted
        else set()
    )
    return [
        RowError(index, "agency_id", f"no agency {item.agency_id} in this tenant")
        for index, item in items.items()
        if item.agency_id not in known
    ]


def _revisions_refused(
    items: dict[int, PlanItemInput], existing: dict[str, PlanItem], taken: dict[int, int]
) -> list[RowError]:
    faults: list[RowError] = []
    for index, item in items.items():
        row = existing.get(item.rup_code)
        used = taken.get(row.id, 0) if row is not None else 0
        if row is None or not used:
            continue
        if item.ceiling < used:
            faults.append(
                RowError(
                    index, "ceiling", f"its packages take {used} rupiah already: the ceiling cannot go below"
                )
            )
        for name in ("agency_id", "fiscal_year"):
            if getattr(item, name) != getattr(row, name):
                faults.append(RowError(index, name, f"it has packages already: its {name} cannot change"))
    return faults


def content_of(row: PlanItem) -> dict[str, Any]:
    """A stored item's fields as ``PlanItemInput.content`` gives a sent one's."""
    return PlanItemInput(
        row.rup_code,
        row.agency_id,
        row.fiscal_year,
        row.name,
        row.ceiling,
        row.funding_source,
        row.budget_line,
        row.category,
        row.method,
        row.selection_from,
        row.selection_to,
        row.location,
    ).content()


async def _write(
    session: AsyncSession, acting: Acting, items: list[PlanItemInput], existing: dict[str, PlanItem], via: str
) -> PlanOutcome:
    outcome = PlanOutcome()
    for item in items:
        row, sent = existing.get(item.rup_code), item.content()
        subject = f"plan_item:{item.rup_code}"
        if row is None:
            session.add(PlanItem(**asdict(item), **_recorder(acting)))
            await _flush(session, item.rup_code)
            await acting.record(session, "plan_item.recorded", subject, via=via, **sent)
            outcome.recorded.append(item.rup_code)
            continue
        before = content_of(row)
        changed = sorted(name for name in sent if sent[name] != before[name])
        if not changed:
            outcome.unchanged.append(item.rup_code)
            continue
        for name, value in (asdict(item) | _recorder(acting)).items():
            setattr(row, name, value)  # the row names who revised it last; the chain, everyone
        await _flush(session, item.rup_code)
        await acting.record(
            session,
            "plan_item.revised",
            subject,
            via=via,
            before={name: before[name] for name in changed},
            after={name: sent[name] for name in changed},
        )
        outcome.revised.append(item.rup_code)
    return outcome


def _recorder(acting: Acting) -> dict[str, Any]:
    return {"recorded_by": acting.recorded_by, "recorded_by_client": acting.recorded_by_client}


async def _flush(session: AsyncSession, rup_code: str) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:  # another batch recorded the same code at the same moment
        raise Conflict(
            f"plan item {rup_code} was recorded at the same moment by another request; send again"
        ) from exc
