"""``GET /metrics``: the Prometheus scrape of this hub (every worker's series, and the database's)."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.ext.asyncio import AsyncSession

from monitoring.scrape import read_snapshot, render


class MetricsController(Controller):
    path = "/metrics"
    tags = ["operations"]  # noqa: RUF012
    include_in_schema = False

    @get(summary="Prometheus metrics")
    async def scrape(self, db_session: NamedDependency[AsyncSession], state: State) -> Response[bytes]:
        snapshot = await read_snapshot(db_session)
        body = render(snapshot, embedded=state.embedded_database)
        return Response(body, media_type=CONTENT_TYPE_LATEST)
