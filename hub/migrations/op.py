"""``op`` for our migration scripts: Alembic's operations, bound per running migration.

Alembic's own ``alembic.op`` is one process-wide proxy: two migrations running at once in one
event loop (we migrate hundreds of tenant schemas concurrently) would send each other's DDL to
the wrong schema. This proxy looks the operations up in a context variable instead, which the
runner sets inside the greenlet that runs each schema's migration.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from alembic.operations import Operations

current_operations: ContextVar[Operations] = ContextVar("current_operations")


class _OperationsProxy:
    def __getattr__(self, name: str) -> Any:
        try:
            operations = current_operations.get()
        except LookupError:
            raise RuntimeError("op used outside a migration run by hub.migrations") from None
        return getattr(operations, name)


op: Any = _OperationsProxy()
