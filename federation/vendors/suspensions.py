"""Suspensions (*sanksi* from one LPSE): a tenant bars a vendor from its own tenders until a date.

A suspension is a row in the suspending tenant's schema, so no other tenant sees it; the
vendor's hub-wide history records it too. Both are written in one tenant session (hub tables are
reachable from it), hence in one transaction. Dates are the tenant's own: "today" is the date on
the tenant's clock (WIB, WITA or WIT).

A suspension of a vendor later merged into another keeps barring the survivor: merging two
records must not be a way out of a sanction.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Select,
    String,
    bindparam,
    func,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from federation.identity.policy import Action
from federation.vendors.actors import require_actor
from federation.vendors.models import Vendor, VendorEventKind, VendorStatus, VendorSuspension
from federation.vendors.registration import get_vendor, merged_family, record_event
from hub.core.database import TENANT_SCHEMA
from hub.core.direct import first_row, flush_pending
from hub.core.errors import Conflict, InvalidInput, TenantNotFound
from tenants.audit import append_audit
from tenants.registry import Tenant, get_tenant


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Whether a vendor may bid in a tenant; false with the ``reason`` when it may not.

    >>> bool(Eligibility()), bool(Eligibility("not verified yet"))
    (True, False)
    """

    reason: str | None = None

    def __bool__(self) -> bool:
        return self.reason is None


def local_today(timezone: str) -> date:
    """Today's date on the clock of a tenant in ``timezone``."""
    return datetime.now(ZoneInfo(timezone)).date()


def tenant_schema_of(session: AsyncSession) -> str | None:
    """The tenant schema a session's tenant tables reach (see ``hub.core.database.tenant_session``)."""
    translate = session.get_bind().get_execution_options().get("schema_translate_map") or {}
    schema = translate.get(TENANT_SCHEMA)
    return str(schema) if schema is not None else None


def _session_code(session: AsyncSession) -> str:
    """The code of the session's tenant, read off the schema it reaches."""
    schema = tenant_schema_of(session)
    if schema is None:
        raise ValueError("this needs a tenant session (hub.core.database.tenant_session)")
    return schema.removeprefix("t_")


async def _session_tenant(session: AsyncSession) -> Tenant:
    schema = tenant_schema_of(session)
    tenant = await session.scalar(select(Tenant).where(Tenant.code == _session_code(session)))
    if tenant is None or tenant.schema != schema:
        raise TenantNotFound(f"no tenant has schema {schema!r}")
    return tenant


async def suspend_vendor(
    session: AsyncSession,
    tenant_slug: str,
    vendor_id: int,
    reason: str,
    ends_on: date,
    by_account_id: int,
    *,
    today: date | None = None,
) -> VendorSuspension:
    """Bar the vendor from the tenders of ``tenant_slug`` up to and including ``ends_on``.

    ``session`` must be a tenant session of that very tenant (``ValueError`` otherwise: a
    suspension written elsewhere would bar the vendor in the wrong LPSE). The actor must hold
    ``Role.TENANT_ADMIN`` or ``Role.VERIFIER`` there. ``ends_on`` must come after ``today``
    (default: today on the tenant's clock) and the reason must be given.
    """
    tenant = await get_tenant(session, tenant_slug)
    if tenant_schema_of(session) != tenant.schema:
        raise ValueError(f"suspending in {tenant_slug!r} needs a tenant session of {tenant.schema}")
    await require_actor(session, by_account_id, tenant.id, Action.VENDOR_SUSPEND)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("a suspension needs a reason", field="reason")
    today = today or local_today(tenant.timezone)
    if ends_on <= today:
        raise InvalidInput(
            f"a suspension must end after today ({today.isoformat()}); got {ends_on.isoformat()}",
            field="ends_on",
        )
    vendor = await get_vendor(session, vendor_id)
    if vendor.status == VendorStatus.MERGED:
        raise Conflict(
            f"vendor {vendor.id} was merged into vendor {vendor.merged_into_id}; suspend that one instead"
        )
    suspension = VendorSuspension(
        vendor_id=vendor.id, reason=reason, ends_on=ends_on, suspended_by=by_account_id
    )
    session.add(suspension)
    await session.flush()
    detail = {
        "tenant_code": tenant.code,
        "reason": reason,
        "ends_on": ends_on.isoformat(),
        "suspension_id": suspension.id,
    }
    record_event(session, vendor.id, VendorEventKind.SUSPENDED, detail, by_account_id)
    await session.flush()
    await append_audit(
        session,
        actor_id=by_account_id,
        action="vendor.suspended",
        subject=f"vendor:{vendor.id}",
        payload={"reason": reason, "ends_on": ends_on.isoformat(), "suspension_id": suspension.id},
    )
    await session.refresh(suspension)
    return suspension


async def suspension_in(session: AsyncSession, vendor_id: int, today: date) -> VendorSuspension | None:
    """The suspension that bars the vendor in the session's tenant on ``today`` (the one ending
    last, if several do), counting those of vendors merged into it; ``None`` if it is free to bid."""
    return (await session.execute(_barring(vendor_id, today))).scalar_one_or_none()


def _barring(
    vendor_id: int | ColumnElement[int], on_day: date | ColumnElement[date], *, nesting: bool = False
) -> Select[VendorSuspension]:
    """The suspension ``suspension_in`` finds, as a query (``on_day`` a date or an SQL expression;
    ``nesting``: ``vendor_id`` a column of an enclosing statement, ``merged_family``)."""
    return (
        select(VendorSuspension)
        .where(
            VendorSuspension.vendor_id.in_(merged_family(vendor_id, nesting=nesting)),
            VendorSuspension.lifted_at.is_(None),
            VendorSuspension.ends_on >= on_day,
        )
        .order_by(VendorSuspension.ends_on.desc(), VendorSuspension.id.desc())
        .limit(1)
    )


@functools.cache
def _standing_query(on_a_given_day: bool) -> Select[tuple[str, int | None, date | None, str | None]]:
    """``can_bid_in``'s one query, built once per process: the vendor's status, and the suspension
    that bars it in the tenant ``:code`` on ``:on_day`` (or, without it, the tenant's today).

    Built once because it runs on every bid of a deadline rush: constructing this statement (an
    aliased entity, a recursive CTE in a LATERAL join) and computing its cache key cost the hub
    more CPU than running it (issue 15, docs/BENCHMARKS.md). A statement object is immutable:
    sharing it across requests and event loops is safe."""
    on_day: ColumnElement[date] = (
        bindparam("on_day", type_=Date)
        if on_a_given_day
        else func.date(func.timezone(Tenant.timezone, func.now()))
    )
    return _standing_of(bindparam("vendor_id", type_=BigInteger), on_day, nesting=False)


def _standing_of(
    vendor_id: ColumnElement[int], on_day: ColumnElement[date], *, nesting: bool
) -> Select[tuple[str, int | None, date | None, str | None]]:
    barring = (
        _barring(vendor_id, on_day, nesting=nesting)
        .with_only_columns(VendorSuspension.ends_on, VendorSuspension.reason)
        .lateral("barring")
    )
    vendor = aliased(Vendor)  # not the vendors table that merged_family reads: no correlation
    return (
        select(vendor.status, vendor.merged_into_id, barring.c.ends_on, barring.c.reason)
        .select_from(vendor)
        .join(Tenant, Tenant.code == bindparam("code", type_=String))
        .outerjoin(barring, true())
        .where(vendor.id == vendor_id)
    )


async def can_bid_in(session: AsyncSession, vendor_id: int, *, today: date | None = None) -> Eligibility:
    """Whether the vendor may bid in the session's tenant on ``today`` (default: the tenant's today,
    on the database's clock): it must be verified (by any tenant), not merged away, and not suspended
    in this tenant.

    One query (the vendor, the tenant's today and the suspension that bars it, if any): it runs on
    every bid of a deadline rush, where three round trips cost a tenth of the bids per second, and
    in a tender's registrations, award, letter of award and contract; sent on the session's
    connection without the ORM's work per statement (``hub.core.direct.first_row``, issue 20).
    """
    parameters = {"vendor_id": vendor_id, "code": _session_code(session), "on_day": today}
    await flush_pending(session)  # a suspension added in this transaction counts
    row = await first_row(session, _standing_query(today is not None), parameters)
    if row is None:  # which one is missing, in the words the callers expect
        await get_vendor(session, vendor_id)
        await _session_tenant(session)
        raise AssertionError("unreachable: the vendor and the tenant both exist")
    return eligibility_of(vendor_id, row.status, row.merged_into_id, row.ends_on, row.reason)


def standing_in_tenant() -> Select[tuple[str, int | None, date | None, str | None]]:
    """``can_bid_in``'s query (on the tenant's today): the status of the vendor ``:vendor_id`` and
    the suspension that bars it in the tenant ``:code``, no row if either is missing. For a caller
    that folds it into a statement of its own (the bid path, ``tenants.tenders.bidding.bidder``)
    and judges the row with ``eligibility_of``, as ``can_bid_in`` does."""
    return _standing_query(False)


def standing_of_each(
    vendor_id: ColumnElement[int],
) -> Select[tuple[str, int | None, date | None, str | None]]:
    """``standing_in_tenant`` of the vendor ``vendor_id`` names (a column of the statement that
    reads it, in a ``LATERAL`` join: a batch of bids reads each one's vendor so, ``tenants.tenders
    .bidding.bidders``), on the tenant's today. Build it once: it is as costly as the other."""
    return _standing_of(vendor_id, func.date(func.timezone(Tenant.timezone, func.now())), nesting=True)


def eligibility_of(
    vendor_id: int, status: str, merged_into_id: int | None, ends_on: date | None, reason: str | None
) -> Eligibility:
    """The verdict on a row of ``standing_in_tenant``: the one rule, wherever the row was read."""
    if status == VendorStatus.MERGED:
        return Eligibility(f"vendor {vendor_id} was merged into vendor {merged_into_id}")
    if status != VendorStatus.VERIFIED:
        return Eligibility(f"vendor {vendor_id} is not verified yet")
    if ends_on is not None:
        return Eligibility(f"vendor {vendor_id} is suspended here until {ends_on.isoformat()}: {reason}")
    return Eligibility()


class VendorIneligible(Conflict):
    """The vendor may not bid in this tenant now (suspended here, not verified, merged away).

    A ``Conflict``, not ``Forbidden``: the caller's credentials and role are fine (often the caller
    is an official awarding the vendor); it is the vendor's standing, a state that changes when a
    suspension ends or is lifted, that forbids the step."""

    title = "Vendor not eligible"


async def require_eligible(session: AsyncSession, vendor_id: int, *, doing: str) -> None:
    """Refuse ``doing`` ("submit a bid", "be awarded"...) unless the vendor may bid in the
    session's tenant today: the one rule for every step a vendor takes or is given."""
    eligibility = await can_bid_in(session, vendor_id)
    if not eligibility:
        raise VendorIneligible(f"vendor {vendor_id} cannot {doing}: {eligibility.reason}")
