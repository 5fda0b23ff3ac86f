"""Direct procurement (pengadaan langsung) and the tenant's procurement rules, as the API shows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import msgspec

from hub.web.edge import within_calendar
from tenants.tenders.direct.procurement import Invitation
from tenants.tenders.outcome_models import Negotiation
from tenants.tenders.procurement_rules import ObjectionLimits

RowId = Annotated[int, msgspec.Meta(ge=1, le=2**62)]
"""A package's or vendor's number in a body: bounded, so that a number no row can have is refused as
input (400) rather than reaching the database."""


@dataclass(frozen=True, slots=True)
class DirectInvitation:
    """One verified vendor invited to offer for a package whose method is direct procurement, its
    owner's estimate within the regulation's ceiling (Rp200 million; Rp100 million for consultancy)."""

    package_id: RowId
    vendor_id: RowId
    offer_deadline: datetime
    """With its time zone offset; 1 hour to 30 days from now. The offer opens after it."""

    def __post_init__(self) -> None:
        within_calendar(self.offer_deadline, "offer_deadline")

    def invitation(self) -> Invitation:
        return Invitation(self.package_id, self.vendor_id, self.offer_deadline)


@dataclass(frozen=True, slots=True)
class ProcurementRules:
    """The limits within which this LPSE's tenders set their objection period (masa sanggah), in
    calendar days: 1 <= min <= default <= max <= 60; and whether every new package must name its plan
    item (RUP)."""

    objection_min_days: int
    objection_max_days: int
    objection_default_days: int
    """The period of a tender that names none."""
    plans_required: bool | None = None
    """Every new package names its plan item (``plan_rup_code``). In a change: left out, unchanged."""

    @classmethod
    def of(cls, limits: ObjectionLimits, plans_required: bool) -> ProcurementRules:
        return cls(limits.min_days, limits.max_days, limits.default_days, plans_required)

    def limits(self) -> ObjectionLimits:
        return ObjectionLimits(self.objection_min_days, self.objection_max_days, self.objection_default_days)


@dataclass(frozen=True, slots=True)
class NegotiatedPrice:
    price: int
    """Whole rupiah, not above the offer nor the owner's estimate (HPS)."""
    notes: str
    """What was negotiated, 5 to 8,000 characters."""


class NegotiationView(msgspec.Struct, frozen=True):
    """A negotiated price as recorded; the award takes the latest one."""

    id: int
    price: int
    notes: str

    @classmethod
    def of(cls, negotiation: Negotiation) -> NegotiationView:
        return cls(id=negotiation.id, price=negotiation.price, notes=negotiation.notes)
