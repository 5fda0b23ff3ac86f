"""The coordination review (*rakor*) of a province's LPSEs, for hub admins and province auditors.

``GET /api/reviews/{province}?from=YYYY-MM-DD&to=YYYY-MM-DD`` answers the review as JSON, or with
``format=csv`` as a spreadsheet and ``format=html`` as the one-page report with its charts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, Reference, Schema
from litestar.params import FromPath, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.caller import Caller
from federation.identity.policy import Action
from hub.core.errors import InvalidInput
from hub.web.auth import requires
from hub.web.schemas.reviews import ReviewView
from monitoring.reviews import (
    ProvinceReview,
    parse_period,
    require_reviewer,
    review_csv,
    review_html,
    review_json,
    review_province,
)
from monitoring.reviews.render import CSV_COLUMNS

JSON, CSV, HTML = "application/json", "text/csv; charset=utf-8", "text/html; charset=utf-8"
MEDIA_TYPES = {"json": JSON, "csv": CSV, "html": HTML}
RENDERERS = {"json": review_json, "csv": review_csv, "html": review_html}
FROM = "The period's first day, `YYYY-MM-DD`, on each LPSE's own clock (required)."
TO = "The period's last day, included (required; at most ten years after `from`)."
FORMAT = QueryParameter(name="format", schema_extra={"enum": list(RENDERERS)})


@dataclass
class ReviewOperation(Operation):
    """The review's operation in the OpenAPI document: its ``200`` comes in the three media types
    ``format`` chooses from (a ``ResponseSpec`` describes one)."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if ok is None or isinstance(ok, Reference) or ok.content is None:
            return
        columns = ", ".join(f"`{c}`" for c in CSV_COLUMNS)
        ok.content[CSV] = OpenAPIMediaType(
            schema=Schema(
                type=OpenAPIType.STRING,
                description=f"`format=csv`: a header row ({columns}), one row per LPSE, then the "
                "province's total (`tenant` is `total`); the figures as in the JSON form, an unknown "
                "ratio empty.",
            )
        )
        ok.content[HTML] = OpenAPIMediaType(
            schema=Schema(
                type=OpenAPIType.STRING,
                description="`format=html`: one self-contained page (inline SVG charts and style, "
                "nothing fetched from the network) that opens offline and prints on A4.",
            )
        )


def _file_name(review: ProvinceReview, output: str) -> str:
    return f"rakor-{review.code}-{review.period.start}-{review.period.end}.{output}"


_ROUTE = requires(Action.REVIEW_READ, errors=(400,))
_ROUTE["responses"][200] = ResponseSpec(
    ReviewView,
    description="The review, in the media type `format` asks for; `Content-Disposition` names the "
    "file `rakor-<province>-<from>-<to>.<format>`.",
    media_type=JSON,
    generate_examples=False,
)


class ReviewController(Controller):
    path = "/api/reviews"
    tags = ["reviews"]  # noqa: RUF012

    @get(
        "/{province:str}",
        summary="A province's review over a period (hub admins, province auditors)",
        operation_class=ReviewOperation,
        **_ROUTE,
    )
    async def review(
        self,
        province: FromPath[str],
        caller: NamedDependency[Caller],
        db_session: NamedDependency[AsyncSession],
        state: State,
        start: Annotated[str | None, QueryParameter(name="from", description=FROM)] = None,
        end: Annotated[str | None, QueryParameter(name="to", description=TO)] = None,
        output: Annotated[str, FORMAT] = "json",
    ) -> Response[str]:
        await require_reviewer(db_session, caller)
        await db_session.close()  # its connection given back before the tenants are read
        period = parse_period(start, end)
        if output not in RENDERERS:
            raise InvalidInput(f"unknown format {output!r}: use json, csv or html", field="format")
        prefix = state.ocid_prefix if output == "html" else None  # only the page shows the red flags
        found = await review_province(state.engine, province, period.start, period.end, ocid_prefix=prefix)
        headers = {"Content-Disposition": f'inline; filename="{_file_name(found, output)}"'}
        return Response(RENDERERS[output](found), media_type=MEDIA_TYPES[output], headers=headers)
