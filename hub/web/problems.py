"""Every error leaves the hub as an RFC 9457 problem document (``application/problem+json``)."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)

from hub.core.errors import DatabaseUnavailable, HubError, TenantSuspended, TooManyAttempts

logger = logging.getLogger("hub")


def problem_type(name: str) -> str:
    """A stable ``type`` URI per kind of problem: ``urn:lpse-hub:problem:tenant-suspended``."""
    return "urn:lpse-hub:problem:" + re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _from_hub_error(exc: HubError) -> ProblemDetailsException:
    extra: dict[str, Any] = {"field": exc.field} if exc.field else {}
    headers: dict[str, str] | None = None
    if isinstance(exc, TooManyAttempts):
        headers = {"Retry-After": str(exc.retry_after)}
    elif exc.status == 503:
        headers = {"Retry-After": "300" if isinstance(exc, TenantSuspended) else "5"}
    elif exc.status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="lpse-hub"'}
    return ProblemDetailsException(
        status_code=exc.status,
        title=exc.title,
        detail=exc.detail,
        type_=problem_type(type(exc).__name__),
        extra=extra,
        headers=headers,
    )


def _from_http_exception(exc: HTTPException) -> ProblemDetailsException:
    extra: dict[str, Any] = {}
    if isinstance(exc.extra, list) and exc.extra:  # Litestar's validation errors: name the parameter
        extra["errors"] = exc.extra
    elif isinstance(exc.extra, dict):
        extra.update(exc.extra)
    title = {400: "Bad request", 404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
    return ProblemDetailsException(
        status_code=exc.status_code,
        title=title,
        detail=exc.detail,
        headers=exc.headers,
        extra=extra,
        type_=problem_type(title.title().replace(" ", "")),
    )


def database_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The pool is exhausted or PostgreSQL is unreachable: the caller may retry, so 503, not 500."""
    logger.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return _from_hub_error(
        DatabaseUnavailable("The database is busy or unreachable; retry in a few seconds.")
    ).to_response(request)


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """An unexpected exception: logged in full here, told in one sentence to the caller."""
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return ProblemDetailsException(
        status_code=500,
        title="Internal error",
        type_=problem_type("InternalError"),
        detail="The hub failed to handle this request; the operators have the details in the log.",
    ).to_response(request)


def problem_details_plugin() -> ProblemDetailsPlugin:
    return ProblemDetailsPlugin(
        ProblemDetailsConfig(
            enable_for_all_http_exceptions=True,
            exception_to_problem_detail_map={HubError: _from_hub_error, HTTPException: _from_http_exception},
        )
    )
