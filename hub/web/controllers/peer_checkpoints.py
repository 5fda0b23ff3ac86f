"""What this hub keeps of its peer hubs' audit checkpoints, published so a third party can compare.

Public on purpose, as the hub's own checkpoints are: a peer that shows this hub one log and
another reader a different one is caught only when someone puts the copies side by side.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from federation.catalogue.peer_checkpoints import list_peer_checkpoints, list_peer_keys
from hub.web.openapi import problem_responses
from hub.web.schemas.audit import PeerCheckpointKeyView, PeerCheckpointView

PEER = Parameter(description="The peer's name in this hub (`lpse-hub peer list`).")


class PeerCheckpointController(Controller):
    path = "/api/peers"
    tags = ["audit"]  # noqa: RUF012

    @get(
        "/{peer:str}/checkpoints",
        summary="A peer hub's signed audit chain heads as this hub keeps them, oldest first (public)",
        responses=problem_responses(404),
    )
    async def checkpoints(
        self,
        db_session: NamedDependency[AsyncSession],
        peer: Annotated[str, PEER],
        since: Annotated[
            datetime | None, Parameter(description="Only checkpoints made after this time (ISO 8601)")
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 1000,
    ) -> list[PeerCheckpointView]:
        kept = await list_peer_checkpoints(db_session, peer, since=since, limit=limit)
        return [PeerCheckpointView.kept(checkpoint) for checkpoint in kept]

    @get(
        "/{peer:str}/checkpoint-keys",
        summary="A peer hub's checkpoint keys as this hub first saw them (public)",
        responses=problem_responses(404),
    )
    async def keys(
        self, db_session: NamedDependency[AsyncSession], peer: Annotated[str, PEER]
    ) -> list[PeerCheckpointKeyView]:
        return [PeerCheckpointKeyView.of(key) for key in await list_peer_keys(db_session, peer)]
