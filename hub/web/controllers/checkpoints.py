"""The audit checkpoints, published: every tenant's signed chain head and the vendor key log's
(``vendor-keys``), and the keys that sign them.

Public on purpose: a checkpoint is worth something only if outsiders (peer hubs, aggregators,
auditors) keep copies the hub's operators cannot reach.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from hub.web.schemas.audit import CheckpointKeyView, CheckpointView
from tenants.audit import checkpoint_public_keys, list_checkpoints


class CheckpointController(Controller):
    path = "/api/audit"
    tags = ["audit"]  # noqa: RUF012

    @get(
        "/checkpoints",
        summary="Every tenant's signed audit chain heads and the vendor key log's, oldest first (public)",
    )
    async def checkpoints(
        self,
        db_session: NamedDependency[AsyncSession],
        since: Annotated[
            datetime | None, Parameter(description="Only checkpoints made after this time (ISO 8601)")
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 1000,
    ) -> list[CheckpointView]:
        found = await list_checkpoints(db_session, since=since, limit=limit)
        return [CheckpointView.of(checkpoint) for checkpoint in found]

    @get("/checkpoint-keys", summary="The hub's Ed25519 checkpoint keys, current first (public)")
    async def keys(self, db_session: NamedDependency[AsyncSession]) -> list[CheckpointKeyView]:
        return [CheckpointKeyView.of(key) for key in await checkpoint_public_keys(db_session)]
