"""Liveness and readiness, for Kubernetes probes and load balancers."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.datastructures import State

from hub.web.problems import problem_type
from monitoring.readiness import readiness


class HealthController(Controller):
    path = "/health"
    tags = ["health"]  # noqa: RUF012

    @get("/live", summary="The process answers")
    async def live(self) -> dict[str, str]:
        return {"status": "live"}

    @get("/ready", summary="The database answers and every schema is at head")
    async def ready(self, state: State) -> Response[dict[str, object]]:
        ok, reason = await readiness(state.engine)
        if ok:
            return Response({"status": "ready"})
        return Response(
            {"type": problem_type("NotReady"), "title": "Not ready", "status": 503, "detail": reason},
            status_code=503,
            media_type="application/problem+json",
        )
