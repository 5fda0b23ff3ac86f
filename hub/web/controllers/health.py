"""Liveness and readiness, for Kubernetes probes and load balancers."""

from __future__ import annotations

from litestar import Controller, get
from litestar.datastructures import State

from hub.core.errors import DatabaseUnavailable
from hub.web.openapi import problem_responses
from hub.web.schemas.operations import LIVE, READY, Liveness, Readiness
from monitoring.readiness import readiness


class HealthController(Controller):
    path = "/health"
    tags = ["health"]  # noqa: RUF012

    @get("/live", summary="The process answers")
    async def live(self) -> Liveness:
        return LIVE

    @get(
        "/ready",
        summary="The database answers and every schema is at head",
        responses=problem_responses(503),
    )
    async def ready(self, state: State) -> Readiness:
        ok, reason = await readiness(state.engine, answer_within=state.readiness_timeout)
        if not ok:
            raise NotReady(reason)
        return READY


class NotReady(DatabaseUnavailable):
    """The database does not answer, or a schema is not at its head revision: a 503 whose detail
    names which. (A probe, not a caller, reads it: the hub itself is fine.)"""

    title = "Not ready"
