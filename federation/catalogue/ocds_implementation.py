"""A contract's implementation in its OCDS release: pure functions, as ``federation.catalogue.ocds``.

- ``contracts[].implementation.transactions``: one per payment (*termin*), paid by the buyer (the
  agency) to the supplier, both as references to ``parties`` (which gain the ``payer`` and ``payee``
  roles);
- ``contracts[].implementation.milestones``: the contract's milestones (type ``delivery``, status
  ``scheduled`` until met, then ``met`` with ``dateMet``), and each physical progress report. OCDS 1.1
  has no field for a percentage of work done; a progress report is the milestoneType codelist's
  ``reporting`` milestone ("when a particular progress report is to be received or published"), met
  on the day it was reported, its percentage in the title, with the code ``physicalProgress`` and the
  note (and the reason of a report below the one before) as its description. That keeps every report
  as history in the compiled record (milestones merge by id) and validates against the core schema
  with no extension;
- ``contracts[].amendments``: each amendment (*adendum*) with its date, rationale and a description
  of the value and end before and after; the contract's ``value`` and ``period.endDate`` are the
  latest amendment's (the caller passes the current terms).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo


def day_time(day: date, zone: str, end: bool = False) -> str:
    """A calendar date as the OCDS date-time it means: its first (or last) second in the tenant's zone."""
    moment = time(23, 59, 59) if end else time.min
    return datetime.combine(day, moment, ZoneInfo(zone)).isoformat()


@dataclass(frozen=True, slots=True)
class PublicPayment:
    term: int
    paid_on: date
    amount: int


@dataclass(frozen=True, slots=True)
class PublicMilestone:
    id: int
    title: str
    due_on: date
    met_on: date | None


@dataclass(frozen=True, slots=True)
class PublicProgress:
    id: int
    reported_on: date
    percent: Decimal
    note: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class PublicContractAmendment:
    number: int
    signed_on: date
    value_before: int
    value_after: int
    ends_before: date
    ends_after: date
    reason: str


@dataclass(frozen=True, slots=True)
class PublicImplementation:
    """What was recorded of a contract since it was signed, each in the order recorded."""

    progress: list[PublicProgress] = field(default_factory=list)
    payments: list[PublicPayment] = field(default_factory=list)
    milestones: list[PublicMilestone] = field(default_factory=list)
    amendments: list[PublicContractAmendment] = field(default_factory=list)


def _money(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "IDR"}


def _progress(p: PublicProgress, zone: str) -> dict[str, Any]:
    description = p.note + (f" (alasan: {p.reason})" if p.reason else "")
    reported = day_time(p.reported_on, zone)
    milestone = {
        "id": f"progress-{p.id}",
        "title": f"Progres fisik {p.percent}%",
        "type": "reporting",
        "code": "physicalProgress",
        "status": "met",
        "dateMet": reported,
        "dateModified": reported,
    }
    return milestone | ({"description": description.strip()} if description.strip() else {})


def _milestone(m: PublicMilestone, zone: str) -> dict[str, Any]:
    milestone = {
        "id": f"milestone-{m.id}",
        "title": m.title,
        "type": "delivery",
        "dueDate": day_time(m.due_on, zone, end=True),
        "status": "met" if m.met_on is not None else "scheduled",
    }
    if m.met_on is not None:
        milestone["dateMet"] = day_time(m.met_on, zone)
    return milestone


def _amendment(a: PublicContractAmendment, zone: str) -> dict[str, str]:
    changes = []
    if a.value_after != a.value_before:
        changes.append(f"value: {a.value_before} -> {a.value_after} IDR")
    if a.ends_after != a.ends_before:
        changes.append(f"endDate: {a.ends_before.isoformat()} -> {a.ends_after.isoformat()}")
    return {
        "id": str(a.number),
        "date": day_time(a.signed_on, zone),
        "rationale": a.reason,
        "description": f"Adendum {a.number}: " + "; ".join(changes),
    }


def implementation_parts(
    tender_id: int, impl: PublicImplementation, zone: str, payer: dict[str, str], payee: dict[str, str]
) -> dict[str, Any]:
    """The contract's ``implementation`` and ``amendments`` (those it has); ``payer`` and ``payee``:
    the buyer's and the supplier's organization references."""
    parts: dict[str, Any] = {}
    implementation: dict[str, Any] = {}
    if impl.payments:
        implementation["transactions"] = [
            {
                "id": f"{tender_id}-payment-{p.term}",
                "date": day_time(p.paid_on, zone),
                "value": _money(p.amount),
                "payer": payer,
                "payee": payee,
            }
            for p in impl.payments
        ]
    milestones = [_milestone(m, zone) for m in impl.milestones]
    milestones += [_progress(p, zone) for p in impl.progress]
    if milestones:
        implementation["milestones"] = milestones
    if implementation:
        parts["implementation"] = implementation
    if impl.amendments:
        parts["amendments"] = [_amendment(a, zone) for a in impl.amendments]
    return parts


__all__ = [
    "PublicContractAmendment",
    "PublicImplementation",
    "PublicMilestone",
    "PublicPayment",
    "PublicProgress",
    "day_time",
    "implementation_parts",
]
