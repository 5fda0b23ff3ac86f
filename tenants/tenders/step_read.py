"""A step's read of its tender: the row, its package and agency, the clock, its schedule and its
documents' records, in one statement (issue 20).

Every step after the tender's creation reads its tender first; its stage check then asks for the
database clock and the schedule, its publication for the package and the agency, and the view it
answers for the schedule and the documents again. Read together, each is kept for the rest of the
transaction where its own reader looks first: the clock (``hub.core.clock.remember_database_now``),
the schedule (``tenants.tenders.schedules.remember_schedule``), the package and agency in the
session (held by ``tenants.tenders.held``), the documents (``document_entries.remember_documents``),
and whether it was ever rescheduled (``reschedules``: the publication reads the audit chain for its
amendments only then), and for a tender not yet opened, that it has no award (``outcomes``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Row, Select, String, bindparam, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.models import Account
from hub.core.clock import remember_database_now
from tenants.agencies import Agency
from tenants.audit import tenant_code
from tenants.audit.models import AuditEntry
from tenants.tenders.bid_key_models import TenantKey
from tenants.tenders.document_entries import DocumentEntry, remember_documents
from tenants.tenders.models import Document, Package, Tender, TenderStage
from tenants.tenders.outcome_models import ProcurementRules
from tenants.tenders.outcomes import remember_no_outcome
from tenants.tenders.reschedules import SCHEDULE_CHANGES, remember_reschedules
from tenants.tenders.schedules import remember_schedule
from tenants.vocabulary import TenderStatus


async def read_tender(session: AsyncSession, tender_id: int, *, for_update: bool) -> Tender | None:
    """The tender (``for_update``: locked, and refreshed with its package and agency if loaded),
    with what its step asks for next kept for the transaction; ``None`` if there is none."""
    if for_update:
        parameters = {"tender_id": tender_id, "tenant_code": tenant_code(session)}
        row = (await session.execute(_LOCKED_READ, parameters)).first()
    else:
        row = (await session.execute(_READ, {"tender_id": tender_id})).first()
    return None if row is None else _kept(session, row)


async def read_tender_for_account(
    session: AsyncSession, tender_id: int, account_id: int
) -> tuple[Tender | None, int | None]:
    """``read_tender`` unlocked, with the vendor the account acts for (``None``: not a vendor's) in
    the same statement; ``(None, None)`` if there is no such tender."""
    parameters = {"tender_id": tender_id, "account_id": account_id}
    row = (await session.execute(_READ_FOR_ACCOUNT, parameters)).first()
    return (None, None) if row is None else (_kept(session, row), row.vendor_id)


def _kept(session: AsyncSession, row: Row[Any]) -> Tender:
    tender, _package, _agency, _rules, now, stages, starts, ends, documents, rescheduled = tuple(row)[:10]
    remember_database_now(session, now)
    remember_reschedules(session, tender.id, rescheduled)
    if tender.status in BEFORE_OPENING:  # an award follows the opening: none to read
        remember_no_outcome(session, tender.id)
    remember_schedule(session, tender.id, list(zip(stages or [], starts or [], ends or [], strict=True)))
    remember_documents(session, tender.id, [_document(d) for d in documents or []])
    return tender  # type: ignore[no-any-return]


def _document(d: dict[str, Any]) -> DocumentEntry:
    return DocumentEntry(d["id"], d["name"], d["content_type"], d["size"], d["sha256"])


BEFORE_OPENING = frozenset({TenderStatus.DRAFT.value, TenderStatus.ANNOUNCED.value})
"""A tender's statuses before its opening: it has no award, contract or objection yet."""
RULES_ROW = 1
"""The tenant's one row of procurement rules (its migration makes it)."""


def _tender_read() -> Select[Any]:
    def stages_of(column: Any) -> Any:
        aggregated = func.array_agg(aggregate_order_by(column, TenderStage.stage))
        return select(aggregated).where(TenderStage.tender_id == Tender.id).scalar_subquery()

    document = func.json_build_object(
        "id",
        Document.id,
        "name",
        Document.name,
        "content_type",
        Document.content_type,
        "size",
        Document.size,
        "sha256",
        Document.sha256,
    )
    documents = (
        select(func.json_agg(aggregate_order_by(document, Document.id), type_=JSON))
        .where(Document.tender_id == Tender.id)
        .scalar_subquery()
    )
    rescheduled = (
        select(AuditEntry.seq)
        .where(
            AuditEntry.subject == func.concat("tender:", Tender.id), AuditEntry.action.in_(SCHEDULE_CHANGES)
        )
        .exists()
    )
    return (
        select(
            Tender,
            Package,
            Agency,
            ProcurementRules,
            func.now(),
            stages_of(TenderStage.stage),
            stages_of(TenderStage.starts_at),
            stages_of(TenderStage.ends_at),
            documents,
            rescheduled,
        )
        .join(Package, Package.id == Tender.package_id)
        .outerjoin(Agency, Agency.id == Package.agency_id)
        .outerjoin(ProcurementRules, ProcurementRules.id == RULES_ROW)
        .where(Tender.id == bindparam("tender_id", type_=BigInteger))
    )


_READ = _tender_read()
_READ_FOR_ACCOUNT = _READ.add_columns(
    select(Account.vendor_id)
    .where(Account.id == bindparam("account_id", type_=BigInteger))
    .scalar_subquery()
    .label("vendor_id")
)
_LOCKED_READ = (
    _READ.add_columns(TenantKey)
    .outerjoin(TenantKey, TenantKey.tenant_code == bindparam("tenant_code", type_=String))
    .with_for_update(of=Tender)
    .execution_options(populate_existing=True)
)
"""Built once: every step of every tender reads its tender so."""
