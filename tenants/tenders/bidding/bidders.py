"""``bidder`` for every bid of a batch at once: two statements for the batch, not two a bid (issue 20).

Under a deadline rush a tenant's bids are judged by its writer one batch at a time
(``writer.BidWriter``), and judging them one after another, two round trips each, was the queue
(docs/BENCHMARKS.md, issue 20). Here a batch's bids are one row each of an ``unnest`` of arrays (their
order in the batch, account, tender, signer, and the caller check's values), read by the two
statements ``bidder`` sends for one:

1. ``_locked_bidders``: each distinct tender's close held shared, once, in the order of their keys
   (one uncorrelated subquery, run once before the rows are returned); the transaction's clock;
   and each bid's account's vendor, its registration, whether its tender exists and the caller
   check's columns (``CheckOfEach``). As for one bid, what this reads does not move with an opening,
   so it may be read in the snapshot taken before the locks were granted.
2. ``_submissions``: for each bid that passed the first, its tender's status, public key and bid
   submission window, read by a statement that starts once every close is held (an opening that
   committed meanwhile shows, and its bids are refused); the vendors' registrations locked
   ``FOR UPDATE`` once each, in the order (tender, vendor) whatever the batch's order, so two writers'
   batches never wait on each other crosswise; the current receipt key; each vendor's standing in the
   tenant; the signing key each bundle names; and an id from the bids' sequence for each bid.

Each row is then judged exactly as ``bidder`` judges its own (``bidding_vendor``, ``open_tender``): the
caller check first, then the same refusals in the same order, a bid refused for one reason leaving
the others to be judged. Ids are taken for every bid reaching the second statement (as ``bidder``
takes one before judging the window) and given out in the batch's order.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    column,
    func,
    select,
    true,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from federation.identity.actor import Actor
from federation.identity.models import Account
from federation.vendors import VendorSigningKey, standing_of_each
from hub.core.clock import remember_database_now
from hub.core.direct import all_rows
from hub.core.errors import HubError
from tenants.audit import tenant_schema
from tenants.tenders.bid_key_models import ReceiptKey
from tenants.tenders.bidding.bidder import (
    CallerCheck,
    CheckOfEach,
    OpenTender,
    bidder,
    bidding_vendor,
    close_key,
    open_tender,
    submission_columns,
)
from tenants.tenders.models import Registration, Tender, TenderStage
from tenants.tenders.stages import Stage


@dataclass(frozen=True, slots=True)
class Asked:
    """One bid's ``bidder`` arguments."""

    actor: Actor
    tender_id: int
    signer: str | None = None
    caller_check: CallerCheck | None = None


Found = tuple[int, OpenTender] | HubError
"""``bidder``'s answer for one bid: its vendor and open tender, or its refusal."""


async def bidders(session: AsyncSession, asked: Sequence[Asked]) -> list[Found]:
    """``bidder`` of each of ``asked`` (one tenant's bids, in the session's transaction), in order:
    two statements for them all. One bid alone, or bids whose caller checks are of different kinds
    (or some with none), are judged one after another by ``bidder`` itself."""
    kinds = {None if a.caller_check is None else a.caller_check.of_each for a in asked}
    if len(asked) < 2 or len(kinds) != 1:
        return [await _alone(session, a) for a in asked]
    [kind] = kinds
    tenant = asked[0].actor.tenant
    assert all(a.actor.tenant == tenant for a in asked)  # one writer a tenant
    names = () if kind is None else tuple(name for name, _ in kind.values)
    parameters: dict[str, Any] = {
        "keys": sorted({close_key(tenant.code, a.tender_id) for a in asked}),
        "ordinals": list(range(len(asked))),
        "account_ids": [a.actor.account_id for a in asked],
        "tender_ids": [a.tender_id for a in asked],
    }
    for name in names:
        parameters[f"{name}s"] = [_check(a).parameters.get(name) for a in asked]
    assert all(
        _check(a).parameters.get("account_id", a.actor.account_id) == a.actor.account_id
        for a in asked
        if a.caller_check is not None
    )
    callers = await all_rows(session, _locked_bidders(kind), parameters)
    found: list[Found | None] = [None] * len(asked)
    vendors: dict[int, int] = {}
    for caller in callers:
        ordinal, one = caller.ordinal, asked[caller.ordinal]
        try:
            if one.caller_check is not None:
                one.caller_check.judge(caller)
            vendors[ordinal] = bidding_vendor(caller, one.tender_id)
        except HubError as refusal:
            found[ordinal] = refusal
    now = callers[0].now
    remember_database_now(session, now)
    if vendors:
        taken = sorted(vendors)
        rows = await all_rows(
            session,
            _SUBMISSIONS,
            {
                "ordinals": taken,
                "tender_ids": [asked[n].tender_id for n in taken],
                "vendor_ids": [vendors[n] for n in taken],
                "signers": [asked[n].signer for n in taken],
                "code": tenant.code,
                "bids": f"{tenant_schema(session)}.bids",
            },
        )
        ids = iter(sorted(row.bid_id for row in rows))  # the ids taken, in the batch's order
        for row in rows:
            ordinal = row.ordinal
            try:
                tender = await open_tender(session, row, asked[ordinal].tender_id, vendors[ordinal], now)
                found[ordinal] = (vendors[ordinal], replace(tender, bid_id=next(ids)))
            except HubError as refusal:
                found[ordinal] = refusal
                next(ids)
    assert all(f is not None for f in found)
    return [f for f in found if f is not None]


def _check(asked: Asked) -> CallerCheck:
    assert asked.caller_check is not None
    return asked.caller_check


async def _alone(session: AsyncSession, asked: Asked) -> Found:
    try:
        return await bidder(
            session, asked.actor, asked.tender_id, signer=asked.signer, caller_check=asked.caller_check
        )
    except HubError as refusal:
        return refusal


def _rows(*named: tuple[str, TypeEngine[Any]]) -> Any:
    """A batch's rows: an ``unnest`` of one array parameter a column (``<name>s``)."""
    arrays = (bindparam(f"{name}s", type_=ARRAY(type_)) for name, type_ in named)
    return (
        func.unnest(*arrays)
        .table_valued(*(column(name, type_) for name, type_ in named))
        .render_derived(name="batch")
    )


@functools.cache
def _locked_bidders(check: CheckOfEach | None) -> Select[Any]:
    """The first statement, built once for each kind of caller check (``None``: none)."""
    own: tuple[tuple[str, TypeEngine[Any]], ...] = (
        ("ordinal", Integer()),
        ("account_id", BigInteger()),
        ("tender_id", BigInteger()),
    )
    batch = _rows(*own, *(() if check is None else check.values))
    key = func.unnest(bindparam("keys", type_=ARRAY(String))).column_valued("key")
    held = select(func.count(func.pg_advisory_xact_lock_shared(func.hashtext(key)))).scalar_subquery()
    registration = and_(
        Registration.vendor_id == Account.vendor_id, Registration.tender_id == batch.c.tender_id
    )
    checked: tuple[ColumnElement[Any], ...] = ()
    if check is not None:
        checked = check.columns({name: batch.c[name] for name, _ in (*own, *check.values)})
    return (
        select(
            batch.c.ordinal,
            held.label("held"),
            func.now().label("now"),
            Account.vendor_id,
            Registration.tender_id,
            select(Tender.id).where(Tender.id == batch.c.tender_id).exists().label("tender_exists"),
            *checked,
        )
        .select_from(batch)
        .outerjoin(Account, Account.id == batch.c.account_id)
        .outerjoin(Registration, registration)
        .order_by(batch.c.ordinal)
    )


def _submissions() -> Select[Any]:
    batch = _rows(
        ("ordinal", Integer()), ("tender_id", BigInteger()), ("vendor_id", BigInteger()), ("signer", String())
    )
    pairs = _rows(("tender_id", BigInteger()), ("vendor_id", BigInteger()))
    locked = (
        select(Registration.vendor_id)
        .where(
            tuple_(Registration.tender_id, Registration.vendor_id).in_(
                select(pairs.c.tender_id, pairs.c.vendor_id)
            )
        )
        .order_by(Registration.tender_id, Registration.vendor_id)
        .with_for_update()
        .subquery("locked")
    )
    registrations = select(func.count()).select_from(locked).scalar_subquery()
    window = and_(TenderStage.tender_id == Tender.id, TenderStage.stage == Stage.BID_SUBMISSION.value)
    standing = standing_of_each(batch.c.vendor_id).lateral("standing")
    return (
        select(
            batch.c.ordinal,
            *submission_columns(registrations.label("locked_registrations"), standing.c, VendorSigningKey),
        )
        .select_from(batch)
        .outerjoin(Tender, Tender.id == batch.c.tender_id)
        .outerjoin(TenderStage, window)
        .outerjoin(ReceiptKey, ReceiptKey.retired_at.is_(None))
        .outerjoin(standing, true())
        .outerjoin(VendorSigningKey, VendorSigningKey.key_id == batch.c.signer)
        .order_by(batch.c.ordinal)
    )


_SUBMISSIONS = _submissions()
"""Built once, as every statement of the bid path."""
