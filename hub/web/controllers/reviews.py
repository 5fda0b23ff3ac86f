"""The coordination review (*rakor*) of a province's LPSEs, for hub admins and province auditors.

``GET /api/reviews/{province}?from=YYYY-MM-DD&to=YYYY-MM-DD`` answers the review as JSON, or with
``format=csv`` as a spreadsheet and ``format=html`` as the one-page report with its charts.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from federation.identity.caller import Caller
from hub.core.database import hub_sessions
from hub.core.errors import InvalidInput
from monitoring.reviews import (
    ProvinceReview,
    parse_period,
    require_reviewer,
    review_csv,
    review_html,
    review_json,
    review_province,
)

MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
RENDERERS = {"json": review_json, "csv": review_csv, "html": review_html}


def _file_name(review: ProvinceReview, output: str) -> str:
    return f"rakor-{review.code}-{review.period.start}-{review.period.end}.{output}"


class ReviewController(Controller):
    path = "/api/reviews"
    tags = ["reviews"]  # noqa: RUF012

    @get("/{province:str}", summary="A province's review over a period (hub admins, province auditors)")
    async def review(
        self,
        province: FromPath[str],
        caller: NamedDependency[Caller],
        state: State,
        start: Annotated[str | None, QueryParameter(name="from")] = None,
        end: Annotated[str | None, QueryParameter(name="to")] = None,
        output: Annotated[str, QueryParameter(name="format")] = "json",
    ) -> Response[str]:
        async with hub_sessions(state.engine)() as session:  # given back before the tenants are read
            await require_reviewer(session, caller)
        period = parse_period(start, end)
        if output not in RENDERERS:
            raise InvalidInput(f"unknown format {output!r}: use json, csv or html", field="format")
        found = await review_province(state.engine, province, period.start, period.end)
        headers = {"Content-Disposition": f'inline; filename="{_file_name(found, output)}"'}
        return Response(RENDERERS[output](found), media_type=MEDIA_TYPES[output], headers=headers)
