"""The procurement plan (RUP) as the API takes and shows it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec

from tenants.plans import PlanItemView, PlanOutcome
from tenants.vocabulary import Category, FundingSource, Method


class NewPlanItem(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One plan item (paket RUP) as SiRUP publishes it. Each field's rules are the service's
    (``tenants.plans.fields``): every fault of every item is answered at once (422, by index)."""

    rup_code: str | int
    """SiRUP's code of the item (kode RUP): 1 to 20 digits. The same code sent again revises it."""
    agency_id: int | str
    """The agency (satker) of this tenant that plans it."""
    fiscal_year: int | str
    name: str
    ceiling: int | str
    """The budget ceiling (pagu), a positive whole number of rupiah."""
    funding_source: str
    """The source of funds (sumber dana): APBD, APBDP, APBN, APBNP, BLU, BLUD, PHLN, BUMN, BUMD, LAINNYA."""
    budget_line: str
    """The DPA account code (kode rekening) it is paid from: dotted digits, e.g. 5.2.02.01.01.0024."""
    category: str
    """goods, construction, consultancy or other_services."""
    method: str
    """tender, quick_tender, selection, direct_procurement, direct_appointment or e_purchasing."""
    selection_from: str
    """The planned selection's first day (YYYY-MM-DD), or its month (YYYY-MM) as SiRUP gives it."""
    selection_to: str | None = None
    """Its last day, or month; left out after a month: that month's last day."""
    location: str = ""

    def fields(self) -> dict[str, Any]:
        return msgspec.structs.asdict(self)


NewPlanItems = Annotated[list[NewPlanItem], msgspec.Meta(min_length=1, max_length=5000)]


class PlanItemOut(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A plan item, with what its packages take of its ceiling and what is left of it."""

    id: int
    rup_code: str
    agency_id: int
    fiscal_year: int
    name: str
    ceiling: int
    funding_source: FundingSource
    budget_line: str
    category: Category
    method: Method
    selection_from: date
    selection_to: date
    location: str
    taken: int
    """The budgets (pagu) of its packages together, whole rupiah."""
    left: int
    """Ceiling minus ``taken``: the most a new package under it may have."""
    packages: int

    @classmethod
    def of(cls, view: PlanItemView) -> PlanItemOut:
        item = view.item
        return cls(
            id=item.id,
            rup_code=item.rup_code,
            agency_id=item.agency_id,
            fiscal_year=item.fiscal_year,
            name=item.name,
            ceiling=item.ceiling,
            funding_source=FundingSource(item.funding_source),
            budget_line=item.budget_line,
            category=Category(item.category),
            method=Method(item.method),
            selection_from=item.selection_from,
            selection_to=item.selection_to,
            location=item.location,
            taken=view.taken,
            left=view.left,
            packages=view.packages,
        )


class PlanOutcomeOut(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What a batch did, by RUP code: new items, revised items, items sent again unchanged."""

    recorded: list[str]
    revised: list[str]
    unchanged: list[str]

    @classmethod
    def of(cls, outcome: PlanOutcome) -> PlanOutcomeOut:
        return cls(outcome.recorded, outcome.revised, outcome.unchanged)
