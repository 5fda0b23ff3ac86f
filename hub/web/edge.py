"""The edge: what a request may carry before a handler, a service or the database sees it.

Every value a client sends is refused with a 400 problem naming it (``field``) when it holds
something no field of the hub takes, so that PostgreSQL, asyncpg or a zone conversion never meet it
(the database's own refusals stay mapped in ``hub.web.problems``, as the net under this one):

- control characters: C0 (NUL included), DEL and C1, and lone surrogates (UTF-16 halves that no
  UTF-8 text can hold) in a path or query parameter, a header value, a form field or a JSON string;
  free text (JSON strings and form fields) keeps tab, line feed and carriage return;
- bytes that are not UTF-8 in the path or the query string;
- integers beyond 64 bits (a path parameter, a JSON number);
- times whose conversion to UTC (or to any zone) leaves the years 1900 to 9999 (``within_calendar``,
  called by the schemas that take a time);
- JSON nested deeper than ``MAX_DEPTH``, found by counting brackets before the body is parsed.

``EdgeGuard`` checks the path, query and headers once the route is known (so a path parameter is
named); ``EdgeRequest`` checks the bodies a handler reads (JSON and forms). Multipart bodies are
parsed where uploads are handled; their text fields are checked here as any form's.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from itertools import accumulate
from typing import Any
from urllib.parse import parse_qs, parse_qsl, unquote_to_bytes

from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from hub.core.errors import InvalidInput

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_DEPTH = 32
"""The deepest JSON any route takes is 4 levels (a tender's schedule, its scoring criteria); 32
leaves room for growth and refuses a body built to exhaust the parser's recursion."""

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
"""Free text keeps tab, line feed and carriage return (a question, an objection's grounds)."""
_CONTROL_IN_HEADER = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
"""RFC 9110, section 5.5: a field value holds visible characters, spaces, tabs and obs-text."""
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP = [{ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}.get(b, 0) for b in range(256)]
_ESCAPED_IN_LOGS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def refuse_control_characters(value: str, field: str, *, free_text: bool = False) -> None:
    """Raise ``InvalidInput`` naming ``field`` if ``value`` holds a character no field takes."""
    found = (_CONTROL_IN_TEXT if free_text else _CONTROL).search(value)
    if found:
        code = ord(found.group())
        name = f"U+{code:04X}" + (", a NUL byte" if code == 0 else "")
        raise InvalidInput(
            f"{field} holds a control character ({name}) at position {found.start()}.", field=field
        )


def refuse_beyond_64_bits(value: int, field: str) -> None:
    if not INT64_MIN <= value <= INT64_MAX:
        raise InvalidInput(f"{field} is a number beyond 64 bits: no value the hub stores is.", field=field)


EARLIEST = datetime(1900, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)
"""A day inside the years 1900 to 9999, so that the time holds in every zone (UTC-12 to UTC+14),
in PostgreSQL and in Python."""


def within_calendar(value: datetime, field: str) -> datetime:
    """``value``, if it converts to UTC between ``EARLIEST`` and ``LATEST``; else ``ValueError``
    (a schema's ``__post_init__`` raises it, and the request is refused naming where it was)."""
    try:
        utc = value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc <= LATEST:
        raise ValueError(f"{field} is outside the years 1900 to 9999 once converted to UTC")
    return value


def refuse_deep_json(body: bytes) -> None:
    """Refuse a JSON text nested deeper than ``MAX_DEPTH`` without parsing it, in time linear in its
    size and in C: escaped backslashes and quotes dropped, the strings between the quotes left out,
    the brackets that remain summed (+1 opening, -1 closing) and their running peak taken."""
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside_strings = b"".join(unescaped.split(b'"')[::2])
    brackets = outside_strings.translate(None, _NOT_BRACKETS)
    if brackets and max(accumulate(map(_DEPTH_STEP.__getitem__, brackets))) > MAX_DEPTH:
        raise InvalidInput(f"The JSON body is nested deeper than {MAX_DEPTH} levels.", field="body")


def check_json_value(value: Any, field: str = "") -> None:
    """Walk a decoded JSON value: its strings (keys too) free of control characters but tab and
    line breaks, its numbers within 64 bits. ``field`` is the path to ``value`` (``a.b[0]``)."""
    if isinstance(value, str):
        refuse_control_characters(value, field or "body", free_text=True)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        refuse_beyond_64_bits(value, field or "body")
    elif isinstance(value, float) and not float(INT64_MIN) <= value < float(INT64_MAX):
        # Litestar converts leniently: 1e23 would become an integer no column holds.
        raise InvalidInput(f"{field or 'body'} is a number beyond 64 bits.", field=field or "body")
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{field}.{key}" if field else str(key)
            refuse_control_characters(str(key), name)
            check_json_value(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_json_value(item, f"{field}[{index}]")


def check_form(fields: Iterable[tuple[str, object]]) -> None:
    """A form's names and text fields (not its files: those are uploads' business)."""
    for name, value in fields:
        refuse_control_characters(name, name)
        if isinstance(value, str):
            refuse_control_characters(value, name, free_text=True)


def form_fields(body: bytes, *, keep_blank_values: bool = True) -> dict[str, list[str]]:
    """A URL-encoded form parsed as ``urllib.parse.parse_qs`` does, for the handlers that hand it to
    another library (authlib) or read it themselves (login): UTF-8 and checked as any form."""
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=keep_blank_values, errors="strict")
    except UnicodeDecodeError as exc:
        raise InvalidInput("The form is not UTF-8 text.", field="body") from exc
    check_form((name, value) for name, values in fields.items() for value in values)
    return fields


class EdgeRequest(Request[Any, Any, Any]):
    """The request of every route: its JSON and form bodies checked once, when a handler reads them."""

    async def json(self) -> Any:
        refuse_deep_json(await self.body())  # the body is read once and kept: a second call is cheap
        try:
            value = await super().json()
        except RecursionError as exc:  # the bracket count missed it (it cannot, but never a 500)
            raise InvalidInput("The JSON body is nested too deep.", field="body") from exc
        check_json_value(value)
        return value

    async def form(self) -> FormMultiDict:
        form = await super().form()
        check_form(form.multi_items())
        return form


class EdgeGuard(ASGIMiddleware):
    """Refuses a request whose path parameters, query string or headers hold what no field takes,
    naming the parameter (the route is known here: Litestar routes before its middleware runs)."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        check_query(scope.get("query_string", b""))
        check_path(scope.get("raw_path", b"").split(b"?", 1)[0], scope.get("path_params", {}))
        check_headers(scope.get("headers", ()))
        await next_app(scope, receive, send)


def check_path(raw_path: bytes, parameters: dict[str, Any]) -> None:
    try:
        path = unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput("The path is not UTF-8 text.", field="path") from exc
    for name, value in parameters.items():
        if isinstance(value, str):
            refuse_control_characters(value, name)
        elif isinstance(value, int) and not isinstance(value, bool):
            refuse_beyond_64_bits(value, name)
    refuse_control_characters(path, "path")  # e.g. "/tenders/1%0d%0a": int() took it for 1


def check_query(query_string: bytes) -> None:
    if not query_string:
        return
    try:
        pairs = parse_qsl(
            query_string.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except UnicodeDecodeError as exc:
        raise InvalidInput("The query string is not UTF-8 text.", field="query") from exc
    for name, value in pairs:
        refuse_control_characters(name, name)
        refuse_control_characters(value, name)


def check_headers(headers: Iterable[tuple[bytes, bytes]]) -> None:
    for name, value in headers:
        if _CONTROL_IN_HEADER.search(value):
            field = name.decode("latin-1")
            raise InvalidInput(f"The header {field} holds a control character.", field=field)


def for_log(value: object) -> str:
    """``value`` as text safe on one log line: control characters and line separators escaped
    (``\\r`` as ``\\x0d``), so that what a client sent cannot forge or split a line."""
    return _ESCAPED_IN_LOGS.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


class ClientTextInLogs(logging.Filter):
    """Escapes the arguments of a record (``for_log``): the hub's log lines name request paths."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(arg if isinstance(arg, int | float) else for_log(arg) for arg in record.args)
        return True
