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
from sqlalchemy.exc import DBAPIError

from hub.core.errors import (
    Conflict,
    DatabaseUnavailable,
    Forbidden,
    HubError,
    InsufficientScope,
    InvalidInput,
    InvalidRows,
    InvalidToken,
    NotFound,
    TenantSuspended,
    TooManyAttempts,
    Unauthenticated,
    Unprocessable,
    WorkerUnavailable,
)
from hub.web.edge import ClientTextInLogs

logger = logging.getLogger("hub")
logger.addFilter(ClientTextInLogs())  # its lines name request paths: what a client sent, escaped


def problem_type(name: str) -> str:
    """A stable ``type`` URI per kind of problem: ``urn:lpse-hub:problem:tenant-suspended``."""
    return "urn:lpse-hub:problem:" + re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


STATUS: dict[type[HubError], int] = {
    InvalidInput: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Unprocessable: 422,
    TooManyAttempts: 429,
    TenantSuspended: 503,
    DatabaseUnavailable: 503,
    WorkerUnavailable: 503,
}
"""HTTP status of each class of the exception tree (``hub.core.errors``); a subclass takes its
nearest ancestor's. Anything else the hub raised on purpose is its own fault: 500."""


def status_of(exc: HubError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def _authenticate_header(exc: HubError) -> str:
    """RFC 6750, section 3: the challenge names what was wrong with the token, if one was sent."""
    if isinstance(exc, InsufficientScope):
        return f'Bearer realm="lpse-hub", error="insufficient_scope", scope="{" ".join(exc.scopes)}"'
    if isinstance(exc, InvalidToken):
        return 'Bearer realm="lpse-hub", error="invalid_token"'
    return 'Bearer realm="lpse-hub"'


def _from_hub_error(exc: HubError) -> ProblemDetailsException:
    status = status_of(exc)
    extra: dict[str, Any] = {"field": exc.field} if exc.field else {}
    headers: dict[str, str] | None = None
    if isinstance(exc, TooManyAttempts):
        headers = {"Retry-After": str(exc.retry_after)}
    elif status == 503:
        headers = {"Retry-After": "300" if isinstance(exc, TenantSuspended) else "5"}
    elif status == 401 or isinstance(exc, InsufficientScope):
        headers = {"WWW-Authenticate": _authenticate_header(exc)}
    if isinstance(exc, InsufficientScope):
        extra["scopes"] = list(exc.scopes)
    if isinstance(exc, InvalidRows):  # every offending row of a batch, by its index
        extra["errors"] = [row.to_dict() for row in exc.rows]
    if exc.reason is not None:  # a refusal that names its case in a word (a share of a tender key)
        extra["reason"] = exc.reason
    return ProblemDetailsException(
        status_code=status,
        title=exc.title,
        detail=exc.detail,
        type_=problem_type(type(exc).__name__),
        extra=extra,
        headers=headers,
    )


def problem_response(request: Request[Any, Any, Any], exc: HubError) -> Response[Any]:
    """``exc`` as the problem response it maps to, for a route that answers a refusal without
    raising (so that its transaction still commits what records the refusal)."""
    return _from_hub_error(exc).to_response(request)


def _missing_path_parameter(error: object) -> bool:
    """Litestar, collecting the errors of a request one field at a time, also reports the router's
    ``slug``, which no handler takes, as ``{"message": "'slug'", "key": "slug"}`` (its KeyError): not
    the caller's error."""
    return isinstance(error, dict) and error.get("message") == repr(error.get("key"))


def _from_http_exception(exc: HTTPException) -> ProblemDetailsException:
    extra: dict[str, Any] = {}
    if isinstance(exc.extra, list) and exc.extra:  # Litestar's validation errors: name the parameter
        extra["errors"] = [error for error in exc.extra if not _missing_path_parameter(error)]
    elif isinstance(exc.extra, dict):
        extra.update(exc.extra)
    title = {
        400: "Bad request",
        404: "Not found",
        405: "Method not allowed",
        413: "Request body too large",
        503: "Service unavailable",
    }.get(exc.status_code, "Error")
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
    logger.warning("database unavailable on %s %s: %r", request.method, request.url.path, exc)
    return _from_hub_error(
        DatabaseUnavailable("The database is busy or unreachable; retry in a few seconds.")
    ).to_response(request)


_REFUSED_VALUES = {
    "22021": "a text holds a character PostgreSQL cannot store (a NUL byte, U+0000)",
    "22P05": "a text holds a character PostgreSQL cannot store",
    "22003": "a number is out of range",
    "22008": "a date or time is out of range",
    "22007": "a date or time is not valid",
    "22P02": "a value is not of the expected form",
    "22001": "a text is longer than this field allows",
    "22000": "a value is out of the range or form the database takes (a number beyond 64 bits?)",
}
"""SQLSTATEs (class 22, data exceptions) for values of a request the database refused: the caller's
input, not the hub's fault. The edge should refuse them first; this is the net under it."""


_TOO_SLOW = {
    "57014": "The database took too long to answer; retry in a few seconds.",
    "55P03": "The data is locked by another change; retry in a few seconds.",
}
"""SQLSTATEs of the server's own timeouts (``statement_timeout``, ``lock_timeout``; ``hub.core.database``
sets them): the statement was cancelled and the connection lives on; the caller may retry."""


_OUT_OF_RESOURCES = {
    "53300": "The database has no connection free; retry in a few seconds.",
    "53000": "The database is short of resources; retry in a few seconds.",
    "53100": "The database is short of disk space; retry later.",
    "53200": "The database is short of memory; retry in a few seconds.",
    "57P03": "The database is starting or stopping; retry in a few seconds.",
}
"""SQLSTATEs of a server that cannot take the work now (class 53, insufficient resources: ``too many
clients already`` when every connection slot is taken; 57P03 while it starts or stops): nothing was
done, and the same request later will pass, so 503 with ``Retry-After``."""


_INSUFFICIENT_PRIVILEGE = "42501"
_NOT_GRANTED = (
    "The hub's database role may not do this: its grants are missing or out of date "
    "(`lpse-hub db upgrade` grants them)."
)
"""The serving role refused (docs/SECURITY.md, "Least privilege"): the deployment's fault, not the
request's, and mended by the operator, so 503 rather than 500."""

_CONCURRENT_CHANGE = frozenset({"40001", "40P01"})
"""SQLSTATEs of a write that lost to a concurrent one (serialization failure, deadlock): nothing of
it was kept, and the same request sent again will usually pass."""


def _sqlstate(exc: DBAPIError) -> str | None:
    for error in (exc.orig, getattr(exc.orig, "__cause__", None)):
        code = getattr(error, "sqlstate", None)
        if isinstance(code, str):
            return code
    return None


def database_refused_privilege(exc: DBAPIError) -> bool:
    """Whether PostgreSQL refused the role its privilege (SQLSTATE 42501)."""
    return _sqlstate(exc) == _INSUFFICIENT_PRIVILEGE


def database_refused(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[Any]:
    """What PostgreSQL refused, by its SQLSTATE: a value of the request (400); a row that exists
    already because another request won the race, or a concurrent change the database would not
    serialise (409, the latter with ``Retry-After``: sending it again is right); a timeout or a server
    out of connections or resources (503);
    else a 500."""
    code = _sqlstate(exc)
    if code in _REFUSED_VALUES:
        return _from_hub_error(
            InvalidInput(f"The request was refused: {_REFUSED_VALUES[code]}.")
        ).to_response(request)
    if code == "23505":
        return _from_hub_error(
            Conflict("It exists already: another request made it at the same moment.")
        ).to_response(request)
    if code in _CONCURRENT_CHANGE:
        logger.warning("retryable conflict on %s %s: %s", request.method, request.url.path, code)
        response = _from_hub_error(
            Conflict("Another change to the same data was made at the same moment; send this again.")
        ).to_response(request)
        response.headers["Retry-After"] = "1"
        return response
    if code in _TOO_SLOW:
        logger.warning("database timeout on %s %s: %s", request.method, request.url.path, code)
        return _from_hub_error(DatabaseUnavailable(_TOO_SLOW[code])).to_response(request)
    if code in _OUT_OF_RESOURCES:
        logger.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
        return _from_hub_error(DatabaseUnavailable(_OUT_OF_RESOURCES[code])).to_response(request)
    if code == _INSUFFICIENT_PRIVILEGE:
        logger.error("the serving role was refused on %s %s: %s", request.method, request.url.path, exc.orig)
        return _from_hub_error(DatabaseUnavailable(_NOT_GRANTED)).to_response(request)
    return internal_error(request, exc)


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
