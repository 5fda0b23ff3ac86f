"""A tender's public state as an OCDS 1.1 release, and as a catalogue row: pure functions.

Each release is a full snapshot of what is public at that moment (never a diff), so merging the
releases of a tender gives its latest state: the compiled record. Values are whole rupiah in IDR.
The ``ocid`` and release ``id`` are not stored here: the hub's prefix is added when published
(``with_ocid``), so the prefix is a setting and not baked into stored data.

Every date is an OCDS ``date-time`` with its offset: a contract's calendar dates (signed, start, end)
are the first second of that day in the tenant's zone (the end date: its last second). An award is
``pending`` in the releases made during its objection period (masa sanggah) and ``active`` in those
made after: the period's end is published when it passes, by the publication sweep
(``tenants.tenders.publication.sweep``), not at the letter of award; ``cancelled`` once withdrawn
after an upheld objection.

Bids (the OCDS bids extension, ``BIDS_EXTENSION``) are public from the opening on, never before: from
then ``tender.numberOfTenderers``, ``tender.tenderers``, ``bids.statistics`` (``bids``) and ``bids.details``
(each bid's tenderer, receipt time, price and status: ``pending`` until the evaluation results are
published, with the award announcement or the failure, then ``valid`` or ``disqualified``, with the
``validBids`` and ``disqualifiedBids`` statistics). Every schedule change made after the announcement is
a ``tender.amendments`` entry with the reason given for it.

A re-tender (*tender ulang*) links the failed or cancelled tender it repeats as a ``relatedProcesses``
entry with the relationship ``unsuccessfulProcess`` and that tender's ocid (scheme ``ocid``), stored as
its local id and made public with the release's own (``with_ocid``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from federation.catalogue.ocds_implementation import PublicImplementation, implementation_parts
from federation.catalogue.ocds_implementation import day_time as _day


class Period(Protocol):
    """A stage's window (``tenants.tenders.stages.Window``); stages are named by their string value."""

    @property
    def starts_at(self) -> datetime: ...

    @property
    def ends_at(self) -> datetime: ...


CATEGORY = {
    "goods": "goods",
    "construction": "works",
    "consultancy": "services",
    "other_services": "services",
}
METHOD = {
    "tender": "open",
    "quick_tender": "open",
    "selection": "open",
    "direct_procurement": "direct",
    "direct_appointment": "direct",
    "e_purchasing": "limited",
}
METHOD_DETAILS = {
    "tender": "Tender",
    "quick_tender": "Tender Cepat",
    "selection": "Seleksi",
    "direct_procurement": "Pengadaan Langsung",
    "direct_appointment": "Penunjukan Langsung",
    "e_purchasing": "E-Purchasing",
}
AWARD_CRITERIA = {
    "lowest_price": "priceOnly",
    "merit_point": "ratedCriteria",
    "quality_cost": "ratedCriteria",
}
TENDER_STATUS = {
    "announced": "active",
    "opened": "active",
    "awarded": "active",
    "award_announced": "complete",
    "award_letter": "complete",
    "contracted": "complete",
    "failed": "unsuccessful",
    "cancelled": "cancelled",
}


@dataclass(frozen=True, slots=True)
class PublicAward:
    round: int
    vendor_id: int
    vendor: str
    price: int
    date: datetime
    withdrawn_at: datetime | None
    objection_ends_at: datetime | None = None  # the end of its masa sanggah: ``pending`` until then


BIDS_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json"
)
"""The OCDS bids extension the releases use (``bids``), as declared in each package's ``extensions``."""
BID_STATUS = {"passed": "valid", "failed": "disqualified"}
"""A bid's published evaluation result as an OCDS ``bidStatus``; any other (not assessed yet): ``pending``."""


@dataclass(frozen=True, slots=True)
class PublicBid:
    """One bid as the opening record shows it, with its evaluation result once the results are published."""

    vendor_id: int
    vendor: str
    received_at: datetime | None
    price: int | None  # None when the sealed bid could not be opened (tampered, missing)
    result: str | None = None  # passed, failed or pending, as published; None before the results


@dataclass(frozen=True, slots=True)
class PublicAmendment:
    """A stage moved after the announcement (``tender.rescheduled`` in the audit chain), or a
    bid-submission deadline extended after an outage (``tender.deadline_extended``)."""

    seq: int  # of its audit entry: the amendment's id
    date: datetime
    stage: str
    reason: str
    old: tuple[datetime, datetime] | None
    new: tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class PublicContract:
    """The contract with its current terms: ``value`` and ``ends_on`` are its latest amendment's."""

    number: str
    value: int
    signed_on: date
    starts_on: date
    ends_on: date
    implementation: PublicImplementation | None = None


@dataclass(frozen=True, slots=True)
class PublicPlan:
    """The plan item (paket RUP, as SiRUP publishes it) a tender's package is procured under."""

    rup_code: str
    name: str
    ceiling: int  # pagu of the item, whole rupiah: the package's budget is part of it
    funding_source: str  # sumber dana (APBD, APBN, ...)
    budget_line: str  # kode rekening of the DPA


@dataclass(frozen=True, slots=True)
class TenderSnapshot:
    """What is public of one tender now, read in the transaction that changed it."""

    tenant_code: str
    tenant_slug: str
    tenant_name: str
    tender_id: int
    status: str
    stage: str
    evaluation: str
    title: str
    agency_id: int
    agency: str
    category: str
    method: str
    fiscal_year: int
    budget: int
    owner_estimate: int
    kbli: list[str]
    location: str
    announced_at: datetime | None
    schedule: Mapping[str, Period]
    opened_at: datetime | None = None
    bidders: list[tuple[int, str]] = field(default_factory=list)  # (vendor id, name), after opening
    bids: list[PublicBid] = field(default_factory=list)  # after opening
    evaluated: bool = False  # the evaluation results are published (award announcement or failure)
    amendments: list[PublicAmendment] = field(default_factory=list)  # schedule changes after announcement
    awards: list[PublicAward] = field(default_factory=list)  # announced ones (direct: decided)
    contract: PublicContract | None = None
    reason: str | None = None  # of a cancellation or a failure
    timezone: str = "Asia/Jakarta"  # the tenant's (WIB, WITA or WIT): where a calendar day starts
    repeats: str | None = None  # local id of the public failed or cancelled tender this one re-tenders
    plan: PublicPlan | None = None  # the plan item (RUP) of its package, if it names one

    @property
    def local_id(self) -> str:
        return f"{self.tenant_code}-{self.tender_id}"

    @property
    def winner(self) -> PublicAward | None:
        current = [a for a in self.awards if a.withdrawn_at is None]
        return current[-1] if current else None


def fold(text: str) -> str:
    """Lower case without accents, for the ``simple`` text search: "Pembangunan Jalan Désa" matches "desa"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _money(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "IDR"}


def _period(window: Period | None) -> dict[str, str] | None:
    if window is None:
        return None
    return {"startDate": window.starts_at.isoformat(), "endDate": window.ends_at.isoformat()}


def _award_status(award: PublicAward, when: datetime) -> str:
    """``pending`` while objections may still be lodged (masa sanggah), ``active`` after it ends."""
    if award.withdrawn_at is not None:
        return "cancelled"
    if award.objection_ends_at is not None and when < award.objection_ends_at:
        return "pending"
    return "active"


def _org(party_id: str, name: str) -> dict[str, str]:
    return {"id": party_id, "name": name}


def _window(window: tuple[datetime, datetime], zone: str) -> str:
    start, end = (moment.astimezone(ZoneInfo(zone)).isoformat() for moment in window)
    return f"{start}/{end}"


def _amendment(a: PublicAmendment, zone: str) -> dict[str, str]:
    """A schedule change: what moved (ISO 8601 intervals in the tenant's zone), when, and why."""
    old = _window(a.old, zone) if a.old else "-"
    return {
        "id": str(a.seq),
        "date": a.date.isoformat(),
        "rationale": a.reason,
        "description": f"{a.stage}: {old} -> {_window(a.new, zone)}",
    }


def _bids(s: TenderSnapshot) -> dict[str, Any]:
    """The bids extension's ``bids``: statistics and each bid (``bidStatus``), from the opening on."""
    details = []
    for bid in s.bids:
        detail: dict[str, Any] = {
            "id": f"{s.tender_id}-{bid.vendor_id}",
            "status": BID_STATUS.get(bid.result or "", "pending"),
            "tenderers": [_org(f"ID-VENDOR-{bid.vendor_id}", bid.vendor)],
        }
        if bid.received_at is not None:
            detail["date"] = bid.received_at.isoformat()
        if bid.price is not None:
            detail["value"] = _money(bid.price)
        details.append(detail)
    statistics = [{"id": "bids", "measure": "bids", "value": len(details)}]
    if s.evaluated:
        for measure, status in (("validBids", "valid"), ("disqualifiedBids", "disqualified")):
            count = sum(d["status"] == status for d in details)
            statistics.append({"id": measure, "measure": measure, "value": count})
    return {"statistics": statistics, "details": details}


def _repeated(s: TenderSnapshot) -> dict[str, Any]:
    """The link to the unsuccessful tender this one repeats (a re-tender is of the same package, so of
    the same title), by its local id: ``with_ocid`` makes it public."""
    return {
        "id": "1",
        "relationship": ["unsuccessfulProcess"],
        "title": s.title,
        "scheme": "ocid",
        "identifier": s.repeats,
    }


def release(snapshot: TenderSnapshot, tags: list[str], when: datetime) -> dict[str, Any]:
    """The OCDS release of ``snapshot`` (without ``ocid`` and ``id``: see ``with_ocid``)."""
    s = snapshot
    buyer_id, lpse_id = f"ID-SATKER-{s.tenant_code}-{s.agency_id}", f"ID-LPSE-{s.tenant_code}"
    parties: dict[str, dict[str, Any]] = {
        buyer_id: {**_org(buyer_id, s.agency), "roles": ["buyer"]},
        lpse_id: {**_org(lpse_id, f"LPSE {s.tenant_name}"), "roles": ["procuringEntity"]},
    }
    for vendor_id, name in s.bidders:
        parties[f"ID-VENDOR-{vendor_id}"] = {**_org(f"ID-VENDOR-{vendor_id}", name), "roles": ["tenderer"]}
    for award in s.awards:
        party = parties.setdefault(
            f"ID-VENDOR-{award.vendor_id}",
            {**_org(f"ID-VENDOR-{award.vendor_id}", award.vendor), "roles": []},
        )
        if award.withdrawn_at is None and "supplier" not in party["roles"]:
            party["roles"].append("supplier")
    tender: dict[str, Any] = {
        "id": str(s.tender_id),
        "title": s.title,
        "status": TENDER_STATUS.get(s.status, "active"),
        "value": _money(s.owner_estimate),
        "procurementMethod": METHOD[s.method],
        "procurementMethodDetails": METHOD_DETAILS[s.method],
        "mainProcurementCategory": CATEGORY[s.category],
        "awardCriteria": AWARD_CRITERIA[s.evaluation],
        "procuringEntity": _org(lpse_id, f"LPSE {s.tenant_name}"),
        "datePublished": s.announced_at.isoformat() if s.announced_at else when.isoformat(),
    }
    for key, stage in (("tenderPeriod", "bid_submission"), ("enquiryPeriod", "clarification")):
        period = _period(s.schedule.get(stage))
        if period:
            tender[key] = period
    if s.kbli:
        tender["items"] = [
            {"id": str(n), "description": s.title, "classification": {"scheme": "KBLI", "id": code}}
            for n, code in enumerate(s.kbli, start=1)
        ]
    if s.opened_at is not None:
        tender["numberOfTenderers"] = len(s.bidders)
        tender["tenderers"] = [_org(f"ID-VENDOR-{v}", name) for v, name in s.bidders]
    if s.amendments:
        tender["amendments"] = [_amendment(a, s.timezone) for a in s.amendments]
    if s.reason and s.status in ("failed", "cancelled"):
        tender["statusDetails"] = s.reason
    result: dict[str, Any] = {
        "date": when.isoformat(),
        "tag": tags,
        "initiationType": "tender",
        "language": "id",
        "parties": list(parties.values()),
        "buyer": _org(buyer_id, s.agency),
        "planning": _planning(s),
        "tender": tender,
    }
    if s.repeats is not None:
        result["relatedProcesses"] = [_repeated(s)]
    if s.opened_at is not None:
        result["bids"] = _bids(s)
    if s.awards:
        bidding = {bid.vendor_id for bid in s.bids}
        result["awards"] = [
            {
                "id": f"{s.tender_id}-{a.round}",
                "status": _award_status(a, when),
                "date": a.date.isoformat(),
                "value": _money(a.price),
                "suppliers": [_org(f"ID-VENDOR-{a.vendor_id}", a.vendor)],
                **({"relatedBid": f"{s.tender_id}-{a.vendor_id}"} if a.vendor_id in bidding else {}),
            }
            for a in s.awards
        ]
    winner = s.winner
    if s.contract is not None and winner is not None:
        c = s.contract
        contract: dict[str, Any] = {
            "id": f"{s.tender_id}-contract",
            "awardID": f"{s.tender_id}-{winner.round}",
            "title": f"{c.number}: {s.title}",
            "status": "active",
            "value": _money(c.value),
            "dateSigned": _day(c.signed_on, s.timezone),
            "period": {
                "startDate": _day(c.starts_on, s.timezone),
                "endDate": _day(c.ends_on, s.timezone, end=True),
            },
        }
        if c.implementation is not None:
            payee = f"ID-VENDOR-{winner.vendor_id}"
            contract |= implementation_parts(
                s.tender_id, c.implementation, s.timezone, result["buyer"], _org(payee, winner.vendor)
            )
            if "transactions" in contract.get("implementation", {}):
                for party_id, role in ((buyer_id, "payer"), (payee, "payee")):
                    parties[party_id]["roles"].append(role)
        result["contracts"] = [contract]
    return result


def _planning(s: TenderSnapshot) -> dict[str, Any]:
    """``planning``: the package's budget (pagu) alone; under a plan item (RUP), the item's budget
    line as ``budget.id`` (OCDS: the budget line item that funds the process), its ceiling as the
    amount, its source of funds in the description, and the item itself as the project: its name and,
    as ``projectID``, its RUP code, the identifier SiRUP publishes it under. The ocid stays the
    tender's: the plan is part of its record from the first release to the contract."""
    if s.plan is None:
        return {"budget": {"amount": _money(s.budget), "description": f"Pagu TA {s.fiscal_year}"}}
    p = s.plan
    return {
        "budget": {
            "id": p.budget_line,
            "description": (
                f"Sumber dana {p.funding_source} TA {s.fiscal_year}, kode rekening {p.budget_line}; "
                f"pagu paket Rp{s.budget:,} dari pagu RUP Rp{p.ceiling:,}".replace(",", ".")
            ),
            "amount": _money(p.ceiling),
            "project": p.name,
            "projectID": p.rup_code,
        },
    }


def with_ocid(stored: dict[str, Any], ocid: str, position: int) -> dict[str, Any]:
    """A stored release as published: its ``ocid``, a release id unique within it, and the tenders it
    links to (``relatedProcesses`` of the ``ocid`` scheme) by their public ocids too."""
    published = {"ocid": ocid, "id": f"{ocid}-{position}", **stored}
    if "relatedProcesses" in stored:
        tender_id = str(stored["tender"]["id"])
        published["relatedProcesses"] = [_public_link(p, ocid, tender_id) for p in stored["relatedProcesses"]]
    return published


def _public_link(process: dict[str, Any], ocid: str, tender_id: str) -> dict[str, Any]:
    """A link to a tender of the same tenant, stored by its local id (``3507-12``), with the public ocid.

    A local id is ``<tenant code>-<tender id>`` and the public ocid is the hub's prefix before it, so the
    prefix is what this release's ocid holds before its own ``<code>-<tender id>``: no setting is needed
    here, and a link already public (or to anything else) is left as it is.
    """
    identifier = process.get("identifier")
    if process.get("scheme") != "ocid" or not isinstance(identifier, str):
        return process
    own = f"-{identifier.rpartition('-')[0]}-{tender_id}"
    if not ocid.endswith(own):
        return process
    return {**process, "identifier": f"{ocid.removesuffix(own)}-{identifier}"}


def entry_values(s: TenderSnapshot) -> dict[str, Any]:
    """The catalogue row of a local tender."""
    submission = s.schedule.get("bid_submission")
    winner = s.winner
    return {
        "tenant_code": s.tenant_code,
        "tenant_slug": s.tenant_slug,
        "tenant_name": s.tenant_name,
        "province_code": s.tenant_code[:2],
        "tender_id": s.tender_id,
        "title": s.title,
        "agency": s.agency,
        "category": s.category,
        "method": s.method,
        "evaluation": s.evaluation,
        "fiscal_year": s.fiscal_year,
        "budget": s.budget,
        "owner_estimate": s.owner_estimate,
        "kbli": s.kbli,
        "status": s.status,
        "stage": s.stage,
        "announced_at": s.announced_at,
        "submission_starts_at": submission.starts_at if submission else None,
        "submission_ends_at": submission.ends_at if submission else None,
        "opened_at": s.opened_at,
        "awarded_at": winner.date if winner else None,
        "bidders": len(s.bidders) if s.opened_at else None,
        "winner": winner.vendor if winner else None,
        "award_value": winner.price if winner else None,
        "contract_value": s.contract.value if s.contract else None,
        "contract_signed_on": s.contract.signed_on if s.contract else None,
        "search_text": fold(" ".join([s.title, s.agency, s.tenant_name, s.location, *s.kbli])),
    }
