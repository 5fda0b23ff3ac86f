"""What a transaction read and keeps in ``session.info`` until it ends (issue 20).

Several reads of a step (its schedule, its documents' records, its outcome rows, its reschedules)
are kept under a key of ``session.info`` so later parts of the same request answer from them. Each
is forgotten when the transaction ends, or a savepoint does (it may have been rolled back): never a
flush's own transaction. Each module forgets its own on the writes that change it.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction


def forget_at_transaction_end(key: str) -> None:
    """Drop ``session.info[key]`` when a session's outermost transaction or a savepoint ends."""

    @event.listens_for(Session, "after_transaction_end")
    def _forget(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None or transaction.nested:
            session.info.pop(key, None)
