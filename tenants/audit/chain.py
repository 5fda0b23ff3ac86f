"""Writing and reading a tenant's audit log, and anchoring its head in ``hub``.

Every function takes a tenant session (``hub.core.database.tenant_session``) and works inside the
caller's transaction: it never commits.

Appends are serialised per tenant by a transaction-level advisory lock, taken before the last
entry is read and held until the caller commits or rolls back. So two transactions never
chain onto the same entry, and a rolled-back append leaves no number behind. The lock also
means a tenant's writers queue from their append to their commit: append last, just before
committing, and keep that stretch short. ``append_audit`` takes the lock, reads the head and
inserts in one statement (``hub.audit_append``, migration h0016), so from the hub's side the lock
is held for that statement's answer and the commit. (Under REPEATABLE READ a transaction that started
before another's append committed would not see that entry; its append then fails on the
primary key instead of forking the chain. Use the default READ COMMITTED.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Executable, Row, bindparam, cast, func, literal, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.clock import database_now
from hub.core.database import TENANT_SCHEMA, schema_of
from hub.core.direct import first_row, flush_pending
from hub.core.errors import Conflict, InvalidInput
from tenants.audit.canonical import canonical_json, content_around_seq, entry_hash, json_payload
from tenants.audit.models import Anchor, AuditEntry

ACTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
MAX_PAGE = 1000


def tenant_schema(session: AsyncSession) -> str:
    """The real schema a tenant session's tables reach (``t_3507``); ``ValueError`` for other sessions."""
    translate = session.get_bind().get_execution_options().get("schema_translate_map") or {}
    schema = translate.get(TENANT_SCHEMA)
    if not schema:
        raise ValueError("the audit log needs a tenant session (hub.core.database.tenant_session)")
    return str(schema)


def tenant_code(session: AsyncSession) -> str:
    """The Kemendagri code of the tenant a session reaches (``3507`` for ``t_3507``)."""
    return tenant_schema(session).removeprefix("t_")


def anchors_of(code: str) -> ColumnElement[bool]:
    """The anchors of the tenant code ``code``: all of them, however old.

    An anchor is keyed by the tenant's Kemendagri code, which the tenant cannot change, and by
    nothing an operator could move unseen: counting only anchors newer than the registry row's
    ``created_at`` let whoever moved that timestamp hide a rewritten log (issue 15). So the anchors
    of a deleted tenant bind a tenant created later with its code: the deletion shows when the new
    log is verified, until the old anchors are removed on purpose.
    """
    return Anchor.tenant_code == code


async def lock_chain(session: AsyncSession) -> None:
    """Hold the tenant's append lock until the transaction ends (appends and anchors take it)."""
    key = func.hashtext(literal(f"audit:{tenant_schema(session)}"))
    await session.execute(select(func.pg_advisory_xact_lock(key)))


@dataclass(frozen=True, slots=True)
class Along:
    """A statement that makes a change and appends its entry in the same round trip, in place of
    ``hub.audit_append`` alone: it takes the append's parameters (``schema``, ``at``, ``actor_id``,
    ``action``, ``subject``, ``payload``, ``before_seq``, ``after_seq``) and ``parameters`` besides,
    and returns the appended entry's row, checked as every append is (``hub.bid_store``, migration
    h0022). It is sent on the session's connection without the ORM (``hub.core.direct.first_row``),
    as a lone append is: the entry returned is built from the row, not loaded into the session."""

    statement: Executable
    parameters: dict[str, Any]


async def append_audit(
    session: AsyncSession,
    *,
    actor_id: int | None,
    action: str,
    subject: str,
    payload: dict[str, Any],
    along: Along | None = None,
) -> AuditEntry:
    """Record that ``actor_id`` did ``action`` to ``subject``, in the caller's transaction.

    The entry commits or rolls back with the change it records. ``payload`` must be plain JSON
    (see ``tenants.audit.canonical.json_payload``); ``InvalidInput`` otherwise. For example::

        await append_audit(
            session, actor_id=42, action="tender.announced", subject="tender:12",
            payload={"title": "Jalan Desa Sumberejo", "budget": 1_250_000_000},
        )

    ``along``: the change itself is made by the statement that appends (the bid path's store).
    """
    _check_names(action, subject)
    plain = json_payload(payload)
    at: datetime
    stored: dict[str, Any]
    if kept_as_is_by_jsonb(plain):
        # The transaction's clock (now() is the transaction's start, whenever asked; usually asked
        # already, as on the bid path) and the payload as it is: no round trip before the lock.
        at, stored = await database_now(session), plain
    else:
        # One round trip before the lock: the clock, and the payload as jsonb will give it back.
        at, stored = (await session.execute(_CLOCK_AND_PAYLOAD, {"payload": plain})).one()
    # One round trip takes the lock, reads the head and inserts the entry chained to it (h0016):
    # the lock is held from then until the commit, and each further round trip under it would wait
    # its turn on the event loop while the tenant's other writers queue behind it.
    before_seq, after_seq = content_around_seq(
        at=at, actor_id=actor_id, action=action, subject=subject, payload=stored
    )
    parameters = {
        "schema": tenant_schema(session),
        "at": at,
        "actor_id": actor_id,
        "action": action,
        "subject": subject,
        "payload": stored,
        "before_seq": before_seq,
        "after_seq": after_seq,
    }
    # Sent on the session's connection without the ORM (``hub.core.direct.first_row``): every step of
    # every tender appends, and loading the entry into the session cost more CPU than the round trip
    # (issue 20). The entry is built from the row the function returned, and checked as before.
    if along is None:
        await flush_pending(session)  # the change it records first, as the ORM's autoflush sent it
        row = await first_row(session, _APPEND, parameters)
    else:  # the hot path's (the bid's store): the change and its entry in one statement
        row = await first_row(session, along.statement, parameters | along.parameters)
    assert row is not None  # the function returns the entry it appended, or raises
    entry = AuditEntry(**row.mapping())
    asked: dict[str, Any] = {
        "at": at,
        "actor_id": actor_id,
        "action": action,
        "subject": subject,
        "payload": stored,
    }
    return _checked(entry, asked)


@dataclass(frozen=True, slots=True)
class Recorded:
    """One entry of ``append_audits``: what was done to what, with what."""

    action: str
    subject: str
    payload: dict[str, Any]


async def append_audits(
    session: AsyncSession, *, actor_id: int | None, entries: list[Recorded]
) -> list[AuditEntry]:
    """``append_audit`` of each of ``entries`` in order, in one round trip: ``hub.audit_append``
    called once an entry by one statement, each call chaining onto the one before (a volatile
    function sees what the calls before it inserted). Each entry is checked as ``append_audit``
    checks one, and that they took consecutive numbers in the order given. For the opening's
    lines, many entries at once; a payload ``jsonb`` would change (a float) is appended alone."""
    if not entries:
        return []
    for entry in entries:
        _check_names(entry.action, entry.subject)
    plain = [json_payload(entry.payload) for entry in entries]
    if not all(kept_as_is_by_jsonb(payload) for payload in plain):
        return [
            await append_audit(
                session, actor_id=actor_id, action=e.action, subject=e.subject, payload=e.payload
            )
            for e in entries
        ]
    return await append_audits_by(session, [(actor_id, entry) for entry in entries])


async def append_audits_by(
    session: AsyncSession, entries: Sequence[tuple[int | None, Recorded]]
) -> list[AuditEntry]:
    """``append_audits`` of entries by several actors (each entry's first): each of ``entries`` in
    order, in one round trip, each checked as ``append_audit`` checks one, and that they took
    consecutive numbers in the order given (a batch of bids, ``tenants.tenders.bidding.batch``). Every
    payload must be one ``jsonb`` keeps as it is (``kept_as_is_by_jsonb``; ``ValueError`` otherwise):
    no round trip before the lock to learn it."""
    if not entries:
        return []
    for _, entry in entries:
        _check_names(entry.action, entry.subject)
    plain = [json_payload(entry.payload) for _, entry in entries]
    if not all(kept_as_is_by_jsonb(payload) for payload in plain):
        raise ValueError("append_audits_by takes payloads jsonb keeps as they are (no floats)")
    at = await database_now(session)
    around = [
        content_around_seq(at=at, actor_id=actor_id, action=e.action, subject=e.subject, payload=payload)
        for (actor_id, e), payload in zip(entries, plain, strict=True)
    ]
    parameters = {
        "schema": tenant_schema(session),
        "at": at,
        "actor_ids": [actor_id for actor_id, _ in entries],
        "actions": [e.action for _, e in entries],
        "subjects": [e.subject for _, e in entries],
        "payloads": [canonical_json(payload) for payload in plain],
        "befores": [before for before, _ in around],
        "afters": [after for _, after in around],
    }
    await flush_pending(session)  # the changes they record first, as the ORM's autoflush sent them
    appended = [AuditEntry(**row) for row in (await session.execute(_APPEND_MANY_BY, parameters)).mappings()]
    numbers = [entry.seq for entry in appended]
    if not numbers or numbers != list(range(numbers[0], numbers[0] + len(entries))):
        raise RuntimeError(f"hub.audit_append numbered a batch {numbers}: not in order")
    return [
        _checked(
            entry, {"at": at, "actor_id": actor_id, "action": e.action, "subject": e.subject, "payload": p}
        )
        for entry, (actor_id, e), p in zip(appended, entries, plain, strict=True)
    ]


def _checked(entry: AuditEntry, asked: dict[str, Any]) -> AuditEntry:
    """``entry`` as ``hub.audit_append`` returned it, if it is the entry ``asked`` chained as
    ``entry_hash`` defines; else ``RuntimeError`` (never commit it)."""
    expected = entry_hash(entry.prev_hash, seq=entry.seq, **asked)
    kept = {name: getattr(entry, name) for name in asked}
    if (entry.hash, kept) != (expected, asked):  # not the one definition's entry: never commit it
        raise RuntimeError(
            f"hub.audit_append chained entry {entry.seq} as {entry.hash} with {kept}, not {expected} "
            f"with {asked} (tenants.audit.canonical.entry_hash): is migration h0016 the one applied?"
        )
    return entry


_CLOCK_AND_PAYLOAD = select(func.now(), cast(bindparam("payload", type_=JSONB), JSONB))
_APPEND = text(
    "SELECT * FROM hub.audit_append(:schema, :at, :actor_id, :action, :subject, "
    "CAST(:payload AS jsonb), :before_seq, :after_seq)"
).bindparams(bindparam("payload", type_=JSONB))
_APPEND_MANY_BY = text(
    "SELECT e.* FROM unnest(CAST(:actor_ids AS bigint[]), CAST(:actions AS text[]), "
    "CAST(:subjects AS text[]), CAST(:payloads AS text[]), CAST(:befores AS text[]), "
    "CAST(:afters AS text[])) WITH ORDINALITY AS i(actor_id, action, subject, payload, before_seq, "
    "after_seq, n) CROSS JOIN LATERAL hub.audit_append(:schema, :at, i.actor_id, i.action, i.subject, "
    "CAST(i.payload AS jsonb), i.before_seq, i.after_seq) AS e ORDER BY i.n"
)
"""The append's statements, built once: every change of a tenant appends, and on the bid path
building a statement costs more CPU than running it (``federation.vendors.suspensions``)."""


def kept_as_is_by_jsonb(value: Any) -> bool:
    """Whether ``jsonb`` gives ``value`` (a ``json_payload``) back unchanged: it does strings (NUL is
    refused before), integers of any size, booleans and null, and objects and arrays of them. Only
    numbers with a fraction or an exponent are normalised (``1e+20``), so a float anywhere sends the
    payload to the database to be read back before it is hashed. Were this wrong, the append's check
    of the stored entry against ``entry_hash`` would refuse to commit it."""
    if isinstance(value, dict):
        return all(kept_as_is_by_jsonb(item) for item in value.values())
    if isinstance(value, list):
        return all(kept_as_is_by_jsonb(item) for item in value)
    return not isinstance(value, float)


def _check_names(action: str, subject: str) -> None:
    if len(action) > 64 or not ACTION_PATTERN.match(action):
        raise InvalidInput(
            f"invalid audit action {action!r}: use up to 64 lowercase words joined by dots, "
            "e.g. 'tender.announced'",
            field="action",
        )
    if not subject.strip() or len(subject) > 200 or "\x00" in subject:
        raise InvalidInput("an audit subject is 1 to 200 characters, e.g. 'tender:12'", field="subject")


async def _head(session: AsyncSession) -> Row[int, str] | None:
    query = select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    return (await session.execute(query)).first()


async def read_audit(
    session: AsyncSession, *, after_seq: int = 0, limit: int = 100, subject: str | None = None
) -> list[AuditEntry]:
    """Up to ``limit`` entries after ``after_seq``, oldest first; pass the last ``seq`` for the next page."""
    if after_seq < 0:
        raise InvalidInput("after_seq is 0 or more", field="after_seq")
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit is 1 to {MAX_PAGE}", field="limit")
    query = select(AuditEntry).where(AuditEntry.seq > after_seq).order_by(AuditEntry.seq).limit(limit)
    if subject is not None:
        query = query.where(AuditEntry.subject == subject)
    return list((await session.execute(query)).scalars())


async def anchor_chain(session: AsyncSession, tenant_code: str) -> Anchor | None:
    """Record the tenant's current head in ``hub.audit_anchors``; ``None`` if there is nothing new.

    Nothing new: the log is empty, or its head is the last anchor already. A head that
    contradicts the last anchor (that entry gone or changed) is not anchored: ``Conflict``,
    since anchoring it would vouch for a chain that is already broken.
    """
    if schema_of(tenant_code) != tenant_schema(session):
        raise ValueError(f"tenant {tenant_code} is not the tenant of this session ({tenant_schema(session)})")
    await lock_chain(session)  # the head cannot move while it is being anchored
    head = await _head(session)
    last = await session.scalar(
        select(Anchor).where(anchors_of(tenant_code)).order_by(Anchor.id.desc()).limit(1)
    )
    if last is not None:
        anchored = await session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == last.seq))
        if anchored != last.hash:
            raise Conflict(
                f"the audit log of tenant {tenant_code} no longer matches its anchor at entry {last.seq}; "
                "run 'lpse-hub audit verify'"
            )
    if head is None or (last is not None and (last.seq, last.hash) == (head.seq, head.hash)):
        return None
    anchor = Anchor(tenant_code=tenant_code, seq=head.seq, hash=head.hash)
    session.add(anchor)
    await session.flush()
    await session.refresh(anchor)
    return anchor
