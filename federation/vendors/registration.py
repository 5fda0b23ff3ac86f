"""Registering vendors and reading them back, with their users and their history.

Every function takes a session inside a transaction the caller owns and commits (a hub session,
or a tenant session: hub tables are reachable from both). A vendor merged into another keeps its
row and its events; reading a survivor's history follows the ``merged_into_id`` links back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.accounts import create_account, find_account, normalise_email
from federation.identity.models import Account
from federation.identity.passwords import check_strength
from federation.vendors.models import Vendor, VendorEvent, VendorEventKind, VendorStatus, VendorVerification
from federation.vendors.validation import (
    check_home_regency,
    clean_address,
    clean_name,
    format_npwp,
    normalise_kbli,
    normalise_nib,
    normalise_npwp,
)
from hub.core.errors import Conflict, InvalidInput, NotFound


async def register_vendor(
    session: AsyncSession,
    name: str,
    npwp: str,
    nib: str | None,
    address: str,
    home_regency_code: str,
    kbli: Iterable[str],
    user_email: str,
    user_name: str,
    user_password: str,
) -> Vendor:
    """Register a company once for the whole hub, with the account of its first user.

    Everything that can be checked is checked before anything is written; a company whose NPWP
    is registered already (even as a merged duplicate) is refused with ``Conflict``.
    """
    vendor = Vendor(
        name=clean_name(name),
        npwp=normalise_npwp(npwp),
        nib=normalise_nib(nib),
        address=clean_address(address),
        home_regency_code=check_home_regency(home_regency_code),
        kbli=normalise_kbli(kbli),
        status=VendorStatus.REGISTERED.value,
    )
    user_email = normalise_email(user_email)
    check_strength(user_password)
    if await session.scalar(select(Vendor.id).where(Vendor.npwp == vendor.npwp)) is not None:
        raise Conflict(_already_registered(vendor.npwp), field="npwp")
    if await find_account(session, user_email) is not None:
        raise Conflict(f"an account with email {user_email!r} exists already", field="email")
    session.add(vendor)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent registration won the race
        raise Conflict(_already_registered(vendor.npwp), field="npwp") from exc
    user = await create_account(session, user_email, user_name, user_password, vendor_id=vendor.id)
    record_event(session, vendor.id, VendorEventKind.REGISTERED, {"user_account_id": user.id}, user.id)
    await session.flush()
    await session.refresh(vendor)
    return vendor


def _already_registered(npwp: str) -> str:
    return f"the company with NPWP {format_npwp(npwp)} is already registered on this hub"


def record_event(
    session: AsyncSession,
    vendor_id: int,
    kind: VendorEventKind,
    detail: dict[str, Any],
    account_id: int | None,
) -> VendorEvent:
    """Add one line to a vendor's history; it is written with the caller's next flush."""
    event = VendorEvent(vendor_id=vendor_id, event=kind.value, detail=detail, account_id=account_id)
    session.add(event)
    return event


async def get_vendor(session: AsyncSession, vendor_id: int, *, for_update: bool = False) -> Vendor:
    """The vendor, read afresh; ``for_update`` locks its row until the caller's transaction ends."""
    query = select(Vendor).where(Vendor.id == vendor_id).execution_options(populate_existing=True)
    vendor = (await session.execute(query.with_for_update() if for_update else query)).scalar_one_or_none()
    if vendor is None:
        raise NotFound(f"no vendor {vendor_id}")
    return vendor


async def public_vendor(session: AsyncSession, vendor_id: int) -> Vendor:
    """The vendor as anyone may see it: only a verified one. Any other id answers as an id never
    issued (``NotFound``, the same words), so walking the ids tells nobody who registered, who was
    refused or merged away; a tenant's officials read them with ``get_vendor``."""
    vendor = await get_vendor(session, vendor_id)
    if vendor.status != VendorStatus.VERIFIED:
        raise NotFound(f"no vendor {vendor_id}")
    return vendor


def parse_status(status: str) -> VendorStatus:
    try:
        return VendorStatus(status)
    except ValueError:
        names = ", ".join(s.value for s in VendorStatus)
        raise InvalidInput(f"unknown vendor status {status!r}: use one of {names}", field="status") from None


async def list_vendors(session: AsyncSession, *, status: str | None = None) -> list[Vendor]:
    """Every vendor in registration order, or those with ``status``."""
    query = select(Vendor).order_by(Vendor.id)
    if status is not None:
        query = query.where(Vendor.status == parse_status(status).value)
    return list((await session.execute(query)).scalars())


def merged_family(vendor_id: int | ColumnElement[int], *, nesting: bool = False) -> Select[tuple[int]]:
    """The ids of the vendor and of every vendor merged into it, directly or through another merge.
    ``nesting``: its ``WITH`` written where it is read, not atop the statement (``vendor_id`` a column
    of the statement, read row by row: ``suspensions.standing_of_each``)."""
    anchor = select(Vendor.id).where(Vendor.id == vendor_id)
    if nesting:
        anchor = anchor.correlate_except(Vendor)  # the enclosing statement's row gives ``vendor_id``
    family = anchor.cte("family", recursive=True, nesting=nesting)
    # An explicit JOIN, not a WHERE: SQLAlchemy's FROM linter took the WHERE form for a cartesian
    # product inside the LATERAL of ``can_bid_in`` and warned on every process's first bid.
    family = family.union(select(Vendor.id).join(family, Vendor.merged_into_id == family.c.id))
    return select(family.c.id)


async def vendor_history(session: AsyncSession, vendor_id: int) -> list[VendorEvent]:
    """What happened to the vendor and to every vendor merged into it, oldest first."""
    await get_vendor(session, vendor_id)
    query = (
        select(VendorEvent)
        .where(VendorEvent.vendor_id.in_(merged_family(vendor_id)))
        .order_by(VendorEvent.at, VendorEvent.id)
    )
    return list((await session.execute(query)).scalars())


async def verifications_of(session: AsyncSession, vendor_id: int) -> list[VendorVerification]:
    """Every verification the vendor holds, including those it took over in a merge, oldest first."""
    query = (
        select(VendorVerification)
        .where(VendorVerification.vendor_id == vendor_id)
        .order_by(VendorVerification.verified_at, VendorVerification.id)
    )
    return list((await session.execute(query)).scalars())


async def vendor_users(session: AsyncSession, vendor_id: int) -> list[Account]:
    """The accounts that act for the vendor."""
    query = select(Account).where(Account.vendor_id == vendor_id).order_by(Account.id)
    return list((await session.execute(query)).scalars())


async def vendor_detail(session: AsyncSession, vendor_id: int) -> dict[str, object]:
    """The vendor in full (CLI ``vendor show --json``): its users, verifications and history."""
    vendor = await get_vendor(session, vendor_id)
    users = [{"id": a.id, "email": a.email, "name": a.name} for a in await vendor_users(session, vendor_id)]
    return {
        **vendor.to_dict(),
        "users": users,
        "verifications": [v.to_dict() for v in await verifications_of(session, vendor_id)],
        "history": [e.to_dict() for e in await vendor_history(session, vendor_id)],
    }
