"""Who may submit a bid, to which tender, now: the bid path's checks in as few round trips as hold.

A deadline rush runs these on every bid, and each round trip costs the hub a turn of its event loop
and the CPU of building and reading a statement (issue 20, docs/BENCHMARKS.md). So the checks that
``registered_vendor``, ``get_tender``, ``require_stage`` and ``database_now`` make one by one for the
other routes, the registration's lock, the current receipt key that ``bids._store`` needs, the
vendor's eligibility (``federation.vendors.require_eligible``) and the signing key the bundle names
(``federation.vendors.require_signing_key``) are two statements here, built once:

1. ``_LOCKED_BIDDER``: the tender's close held shared (``bids.hold_the_close``), the transaction's
   clock, and the caller's vendor with its registration. What this statement reads does not move
   with the opening (an account's vendor, a registration, a tender's existence), so it may be read in
   the snapshot taken before the lock was granted; ``now()`` is the transaction's start whenever it
   is asked.
2. ``_SUBMISSION``: the tender's status, public key and bid submission window, read by a statement
   that starts once the close is held: an opening that committed meanwhile shows, and the bid is
   refused. The same statement locks the vendor's registration (``FOR UPDATE``: one vendor's bids on
   one tender are stored one at a time, see ``bids._store``) and reads the current receipt key (at
   most one, a unique index says), which no lock guards: a rotation committed meanwhile retires it,
   and a receipt signed by a key retired a moment before still verifies (the key stays published).
   It also reads the vendor's standing in the tenant (``federation.vendors.standing_in_tenant``,
   judged by ``eligibility_of`` as ``require_eligible`` judges it), the signing key the bundle names
   (judged by ``signing_key_of`` once the bundle's checks passed) and takes the bid's id from the
   bids' sequence (an id a refused bid took is skipped).

The refusals are those of the separate checks, in the same order. A batch of bids reads the same
for all its bids in two statements (``bidders``), and judges each row with ``bidding_vendor`` and
``open_tender`` as here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import BigInteger, ColumnElement, Select, String, and_, bindparam, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import TypeEngine

from federation.identity.actor import Actor
from federation.identity.models import Account
from federation.vendors import (
    VendorIneligible,
    VendorSigningKey,
    eligibility_of,
    require_eligible,
    standing_in_tenant,
)
from hub.core.clock import remember_database_now
from hub.core.direct import first_row
from hub.core.errors import Conflict, Forbidden, NotFound
from tenants.audit import tenant_schema
from tenants.tenders.bid_key_models import ReceiptKey
from tenants.tenders.models import Registration, Tender, TenderStage
from tenants.tenders.stages import Stage, Window
from tenants.vocabulary import TenderStatus


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A vendor signing key as the bid path reads it, for ``federation.vendors.signing_key_of``."""

    vendor_id: int
    public_key: bytes
    registered_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class OpenTender:
    """A tender taking bids now: its id and the public key bids are sealed for."""

    id: int
    public_key: bytes
    receipt_key: tuple[str, bytes] | None = None
    """The current receipt key's id and wrapped private half, read with the tender (``None``: there is
    none yet, or it was not read); ``preparation.bid_keys.receipt_signer`` takes it."""
    signing_key: SigningKey | None = None
    """The vendor's signing key the bundle names, read with the tender (``None``: no such key, or
    none named); ``federation.vendors.signing_key_of`` judges it."""
    bid_id: int = 0
    """The id the bid will be stored with, taken from the bids' sequence with the tender: its audit
    entry names it, and is hashed before the one statement that stores both (``bids._store``)."""


@dataclass(frozen=True, slots=True)
class CheckOfEach:
    """A ``CallerCheck``'s columns as a batch of bids reads them, one row a bid (``bidders``): its
    per-bid values sent as arrays, one a name, and its columns read over each bid's row. Built once
    for each kind of check (the batch's statement is cached by it)."""

    values: tuple[tuple[str, TypeEngine[Any]], ...]
    """The names (those of ``CallerCheck.parameters``, but ``account_id``) and SQL types of its
    per-bid values."""
    columns: Callable[[Mapping[str, ColumnElement[Any]]], tuple[ColumnElement[Any], ...]]
    """Its columns, given each value's column in the batch's rows (``account_id``'s too: the bid's)."""


class CallerCheck(Protocol):
    """A check of the caller that its layer asks the bid path to read with its first statement, in
    the bid's transaction, and to make before anything of the bid is judged: the token's standing,
    which the web would otherwise read on a pool connection of its own (``hub.web.auth.TokenStanding``).

    ``columns``: self-contained, built once (the statement with them is cached by their identity);
    ``parameters``: their bound values, under names the bid path does not use (but ``account_id``,
    which must then be the actor's); ``of_each``: the same columns as a batch reads them, each bid's
    ``parameters`` its values there; ``judge``: raises on the row read, if the caller may not act."""

    @property
    def columns(self) -> tuple[ColumnElement[Any], ...]: ...

    @property
    def parameters(self) -> dict[str, Any]: ...

    @property
    def of_each(self) -> CheckOfEach: ...

    def judge(self, row: Any) -> None: ...


def close_key(tenant_code: str, tender_id: int) -> str:
    """The name of a tender's close, which ``hashtext`` turns into its advisory lock's key."""
    return f"close:{tenant_code}:{tender_id}"


async def bidder(
    session: AsyncSession,
    actor: Actor,
    tender_id: int,
    *,
    signer: str | None = None,
    caller_check: CallerCheck | None = None,
) -> tuple[int, OpenTender]:
    """The caller's registered, eligible vendor and the tender, while bid submission is open.

    The tender's close is held shared until the bid commits, and its status and the deadline are
    judged only once it is held: the opening takes it exclusively before it reads the bids, so a bid
    either commits before the opening reads (and is in it) or finds the tender opened (and is
    refused). ``signer``: the vendor signing key the bundle names, read with the tender (for
    ``federation.vendors.signing_key_of``); the vendor's eligibility is judged here.
    ``caller_check``: read with the first statement and judged first (``CallerCheck``).
    """
    parameters = {
        "key": close_key(actor.tenant.code, tender_id),
        "account_id": actor.account_id,
        "tender_id": tender_id,
    }
    statement = _LOCKED_BIDDER
    if caller_check is not None:
        assert caller_check.parameters.get("account_id", actor.account_id) == actor.account_id
        statement = _locked_bidder_with(caller_check.columns)
        parameters = caller_check.parameters | parameters
    caller = await first_row(session, statement, parameters)
    if caller_check is not None:
        if caller is None:  # no such account: the check's subqueries read it gone
            caller_check.judge((await session.execute(select(*caller_check.columns), parameters)).one())
        else:
            caller_check.judge(caller)
    if caller is not None:
        remember_database_now(session, caller.now)
    vendor_id = bidding_vendor(caller, tender_id)
    assert caller is not None  # else refused
    parameters = {
        "tender_id": tender_id,
        "vendor_id": vendor_id,
        "code": actor.tenant.code,
        "signer": signer,
        "bids": f"{tenant_schema(session)}.bids",
    }
    tender = await first_row(session, _SUBMISSION, parameters)
    return vendor_id, await open_tender(session, tender, tender_id, vendor_id, caller.now)


def bidding_vendor(caller: Any, tender_id: int) -> int:
    """The caller's vendor, registered for the tender, from a row of ``_LOCKED_BIDDER`` (or of a
    batch's, ``bidders``; ``None``: no such account); ``Forbidden`` or ``NotFound`` otherwise."""
    if caller is None or caller.vendor_id is None:
        raise Forbidden("only a vendor's user can do this")
    if caller.tender_id is None:
        if not caller.tender_exists:
            raise NotFound(f"no tender {tender_id} in this tenant")
        raise Forbidden("this vendor is not registered for this tender")
    return int(caller.vendor_id)


async def open_tender(
    session: AsyncSession, tender: Any, tender_id: int, vendor_id: int, now: datetime
) -> OpenTender:
    """The tender taking the vendor's bid at ``now``, from a row of ``_SUBMISSION`` (or of a batch's,
    ``bidders``; ``None``: no such tender); ``NotFound``, ``Conflict`` or ``VendorIneligible`` if it
    does not (closed, opened, the vendor barred)."""
    if tender is None or tender.status is None:
        raise NotFound(f"no tender {tender_id} in this tenant")
    if tender.status != TenderStatus.ANNOUNCED:
        raise Conflict(f"tender {tender_id} is {tender.status}")
    window = None if tender.starts_at is None else Window(tender.starts_at, tender.ends_at)
    if window is None or not window.is_open(now):
        raise Conflict(
            f"this can be done only during {Stage.BID_SUBMISSION.value} (database time {now.isoformat()})"
        )
    if tender.vendor_status is None:  # the vendor or the tenant gone: refused in their own words
        await require_eligible(session, vendor_id, doing="submit a bid")
    standing = eligibility_of(
        vendor_id, tender.vendor_status, tender.merged_into_id, tender.suspended_until, tender.suspension
    )
    if not standing:
        raise VendorIneligible(f"vendor {vendor_id} cannot submit a bid: {standing.reason}")
    assert tender.public_key is not None  # announced tenders have their key
    receipt_key = None if tender.receipt_kid is None else (tender.receipt_kid, tender.receipt_private_key)
    signing_key = None
    if tender.signer_vendor_id is not None:
        signing_key = SigningKey(
            tender.signer_vendor_id,
            tender.signer_public_key,
            tender.signer_registered_at,
            tender.signer_revoked_at,
        )
    return OpenTender(
        tender_id, tender.public_key, receipt_key, signing_key=signing_key, bid_id=tender.bid_id
    )


def _locked_bidder() -> Select[Any]:
    tender_id = bindparam("tender_id", type_=BigInteger)
    registration = and_(Registration.vendor_id == Account.vendor_id, Registration.tender_id == tender_id)
    return (
        select(
            func.pg_advisory_xact_lock_shared(func.hashtext(bindparam("key", type_=String))).label("held"),
            func.now().label("now"),
            Account.vendor_id,
            Registration.tender_id,
            select(Tender.id).where(Tender.id == tender_id).exists().label("tender_exists"),
        )
        .outerjoin(Registration, registration)
        .where(Account.id == bindparam("account_id", type_=BigInteger))
    )


@functools.cache
def _locked_bidder_with(columns: tuple[ColumnElement[Any], ...]) -> Select[Any]:
    """``_LOCKED_BIDDER`` reading a ``CallerCheck``'s columns too, built once for each."""
    return _LOCKED_BIDDER.add_columns(*columns)


def _submission() -> Select[Any]:
    tender_id = bindparam("tender_id", type_=BigInteger)
    window = and_(TenderStage.tender_id == Tender.id, TenderStage.stage == Stage.BID_SUBMISSION.value)
    registration = (
        select(Registration.vendor_id)
        .where(
            Registration.tender_id == tender_id,
            Registration.vendor_id == bindparam("vendor_id", type_=BigInteger),
        )
        .with_for_update()
        .scalar_subquery()
    )
    standing = standing_in_tenant().subquery("standing")
    signing_key = (
        select(
            VendorSigningKey.vendor_id,
            VendorSigningKey.public_key,
            VendorSigningKey.registered_at,
            VendorSigningKey.revoked_at,
        )
        .where(VendorSigningKey.key_id == bindparam("signer", type_=String))
        .subquery("signing_key")
    )
    return (
        select(*submission_columns(registration.label("locked_registration"), standing.c, signing_key.c))
        .outerjoin(TenderStage, window)
        .outerjoin(ReceiptKey, ReceiptKey.retired_at.is_(None))
        .outerjoin(standing, true())
        .outerjoin(signing_key, true())
        .where(Tender.id == tender_id)
    )


def submission_columns(
    locked: ColumnElement[Any], standing: Any, signing_key: Any
) -> tuple[ColumnElement[Any] | InstrumentedAttribute[Any], ...]:
    """What ``open_tender`` judges, as ``_SUBMISSION`` reads it for one bid and
    ``bidders._SUBMISSIONS`` for each bid of a batch: the tender's status, key and window (the
    statement joins ``Tender`` and the window's ``TenderStage``), the statement's own lock of the
    registrations (``locked``), the current receipt key (``ReceiptKey``, joined), a bid id from the
    sequence, the vendor's standing (``standing``: ``standing_in_tenant``'s columns) and the signing
    key the bundle names (``signing_key``: ``VendorSigningKey``'s columns, or a subquery's)."""
    return (
        Tender.status,
        Tender.public_key,
        TenderStage.starts_at,
        TenderStage.ends_at,
        locked,
        ReceiptKey.kid.label("receipt_kid"),
        ReceiptKey.private_key.label("receipt_private_key"),
        func.nextval(func.pg_get_serial_sequence(bindparam("bids", type_=String), "id")).label("bid_id"),
        standing.status.label("vendor_status"),
        standing.merged_into_id,
        standing.ends_on.label("suspended_until"),
        standing.reason.label("suspension"),
        signing_key.vendor_id.label("signer_vendor_id"),
        signing_key.public_key.label("signer_public_key"),
        signing_key.registered_at.label("signer_registered_at"),
        signing_key.revoked_at.label("signer_revoked_at"),
    )


_LOCKED_BIDDER = _locked_bidder()
_SUBMISSION = _submission()
"""Built once, as every statement of the bid path (``federation.vendors.suspensions._standing_query``):
a statement object is immutable, so sharing one is safe."""
