"""A transaction keeps the tenders, packages, agencies, procurement rules and the tenant's wrapped key
it has loaded until it ends.

The session's identity map holds its objects weakly: a step that read a tender's package and let go
of it made the next step read it again (issue 20: per five requests of the evaluation, the tender 8
times, the package 9). Held here, a ``session.get`` by id in the same transaction answers from the
map without a statement. What is held is exactly what the identity map would give while the object
lived (a read without ``populate_existing`` does not refresh a loaded object either); a locked read
(``get_tender(for_update=True)``) still refreshes it, and the transaction's end lets go of all.
A session serves one tenant's schema (``hub.core.database.tenant_session``), so what it holds, like
its identity map, is that tenant's alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from tenants.agencies import Agency
from tenants.tenders.bid_key_models import TenantKey
from tenants.tenders.models import Package, Tender
from tenants.tenders.outcome_models import ProcurementRules

HELD = (Tender, Package, Agency, ProcurementRules, TenantKey)
_KEY = "tenants.tenders.held"


@event.listens_for(Session, "loaded_as_persistent")
def _loaded(session: Session, instance: Any) -> None:
    if isinstance(instance, HELD):
        session.info.setdefault(_KEY, set()).add(instance)


@event.listens_for(Session, "pending_to_persistent")
def _inserted(session: Session, instance: Any) -> None:
    if isinstance(instance, HELD):
        session.info.setdefault(_KEY, set()).add(instance)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost one, not a savepoint's or a flush's
        session.info.pop(_KEY, None)
