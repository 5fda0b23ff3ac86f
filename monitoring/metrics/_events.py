"""Counting what happens in a tender's life, once its transaction has committed.

A step that rolls back (a race lost, a rule broken after the first write) must count nothing, so a
service records what it did on its session, and the counters move when that session commits;
a rollback drops them. Refusals are the exception: the request fails, nothing commits, and the
refusal is counted at once by the controller that answers it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from hub.core.errors import (
    Conflict,
    Forbidden,
    HubError,
    InvalidInput,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
)
from monitoring.metrics import _series as series

PENDING = "lpsehub.metrics.pending"


def on_commit(session: AsyncSession, effect: Callable[[], None]) -> None:
    session.info.setdefault(PENDING, []).append(effect)


@event.listens_for(Session, "after_commit")
def _apply(session: Session) -> None:
    for effect in session.info.pop(PENDING, []):
        effect()


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(PENDING, None)


def record_tender_change(
    session: AsyncSession,
    tenant: str,
    status: str,
    tags: Iterable[str],
    announced_at: datetime,
    now: datetime,
) -> None:
    """A public change of a tender, as published: its release tags and the status it left."""
    tags = set(tags)
    if "tender" in tags:
        on_commit(session, series.tenders_announced.labels(tenant).inc)
    if "tenderCancellation" in tags:
        on_commit(session, series.tenders_cancelled.labels(tenant).inc)
    if status == "failed" and "tenderUpdate" in tags:
        on_commit(session, series.tenders_failed.labels(tenant).inc)
    if "contract" in tags:
        on_commit(session, series.tenders_completed.labels(tenant).inc)
        cycle = (now - announced_at).total_seconds()
        on_commit(session, lambda: series.tender_cycle.observe(cycle))


def record_bid_accepted(session: AsyncSession, tenant: str) -> None:
    on_commit(session, series.bids_accepted.labels(tenant).inc)


def record_bid_opening(session: AsyncSession, tenant: str) -> None:
    on_commit(session, series.bid_openings.labels(tenant).inc)


REFUSALS: tuple[tuple[type[HubError], str], ...] = (
    (Conflict, "closed"),
    (Unauthenticated, "not_allowed"),
    (Forbidden, "not_allowed"),
    (InvalidInput, "invalid"),
    (NotFound, "not_found"),
    (TooManyAttempts, "rate_limited"),
)


def count_bid_refusal(tenant: str, error: Exception) -> None:
    """A bid the hub refused; the reason is the kind of error, one of a fixed few."""
    reason = next((name for kind, name in REFUSALS if isinstance(error, kind)), "other")
    series.bids_refused.labels(tenant, reason).inc()


def count_vendor_login(tenant: str) -> None:
    series.vendor_logins.labels(tenant).inc()


def count_login_refusal(reason: str) -> None:
    """A refused password login: ``wrong_credentials`` or ``throttled``."""
    series.login_refusals.labels(reason).inc()


def count_audit_verification(tenant: str, intact: bool) -> None:
    series.audit_verifications.labels(tenant, "intact" if intact else "broken").inc()
