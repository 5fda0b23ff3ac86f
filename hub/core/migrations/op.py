"""``op`` for our migration scripts: Alembic's operations, bound per running migration.

Two things differ from ``alembic.op``:

- Alembic's own ``op`` is one process-wide proxy: two migrations running at once in one event
  loop (we migrate hundreds of tenant schemas concurrently) would send each other's DDL to the
  wrong schema. This proxy looks the operations up in a context variable instead, which the
  runner sets inside the greenlet that runs each schema's migration.
- ``schema_translate_map`` reaches the DDL SQLAlchemy compiles (``create_table``,
  ``create_index``) but not Alembic's own ``ALTER TABLE`` constructs (``add_column``,
  ``alter_column``, ``drop_column``...): those would be sent to the literal schema ``tenant``.
  So the placeholder ``schema="tenant"`` is replaced here by the schema being migrated, for
  every operation alike.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from alembic.operations import Operations

from hub.core.database import TENANT_SCHEMA

_SCHEMA_ARGUMENTS = ("schema", "referent_schema", "source_schema")


@dataclass(frozen=True, slots=True)
class BoundOperations:
    operations: Operations
    schema: str


current_operations: ContextVar[BoundOperations] = ContextVar("current_operations")


class _OperationsProxy:
    def __getattr__(self, name: str) -> Callable[..., Any]:
        try:
            bound = current_operations.get()
        except LookupError:
            raise RuntimeError("op used outside a migration run by hub.core.migrations") from None
        operation = getattr(bound.operations, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            for argument in _SCHEMA_ARGUMENTS:
                if kwargs.get(argument) == TENANT_SCHEMA:
                    kwargs[argument] = bound.schema
            return operation(*args, **kwargs)

        return call


op: Any = _OperationsProxy()


def current_schema() -> str:
    """The real schema being migrated, for the rare raw SQL a migration needs (quote it)."""
    return current_operations.get().schema
