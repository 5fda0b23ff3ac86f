"""The edge's checks, one at a time: what they refuse, how they name it, what they let through."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest
from litestar.testing import RequestFactory

from hub.core.errors import InvalidInput
from hub.web.edge import (
    MAX_DEPTH,
    check_headers,
    check_json_value,
    check_path,
    check_query,
    for_log,
    form_fields,
    refuse_deep_json,
    within_calendar,
)
from hub.web.problems import internal_error


def refused(check: object, *args: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        check(*args)  # type: ignore[operator]
    return caught.value


@pytest.mark.parametrize("text", ["a\x00b", "a\x1bb", "a\x7fb", "a\x85b", "a\ud800b"])
def test_a_json_string_with_a_control_character_is_refused_by_its_path(text: str) -> None:
    body = {"schedule": {"bid_opening": {"notes": ["ok", text]}}}
    assert refused(check_json_value, body).field == "schedule.bid_opening.notes[1]"


def test_free_text_keeps_tabs_and_line_breaks() -> None:
    check_json_value({"question": "Baris satu\r\n\tbaris dua"})
    check_json_value({"grounds": "ä€ \u2013 \u201ckutipan\u201d"})


def test_a_json_key_with_a_control_character_is_refused() -> None:
    assert refused(check_json_value, {"nama\n": 1}).field == "nama\n"


@pytest.mark.parametrize("number", [2**63, -(2**63) - 1, 10**23, 1e23, -1e19])
def test_a_json_number_beyond_64_bits_is_refused(number: float) -> None:
    assert refused(check_json_value, {"budget": number}).field == "budget"


def test_64_bit_integers_and_booleans_pass() -> None:
    check_json_value({"a": 2**63 - 1, "b": -(2**63), "c": True, "d": 1.5, "e": None})


def test_json_deeper_than_the_limit_is_refused_before_it_is_parsed() -> None:
    refuse_deep_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)
    deep = b"[" * (MAX_DEPTH + 1)  # not even valid JSON: the count stops before any parser would
    assert refused(refuse_deep_json, deep).field == "body"
    assert refused(refuse_deep_json, b"[" * 10**6).field == "body"


def test_escaped_quotes_and_backslashes_are_read_as_json_reads_them() -> None:
    refuse_deep_json(b'["\\\\", ["]]]\\"[[["]]')  # ["\\", ["]]]\"[[["]]: depth 2
    assert refused(refuse_deep_json, b'"\\\\"' + b"[" * (MAX_DEPTH + 1)).field == "body"


def test_the_count_is_linear_in_the_body() -> None:
    """An unterminated string of escaped quotes took a regular expression quadratic time (minutes
    for 600 KB); split and translate take it in one pass. (No clock: pytest-timeout is the bound.)"""
    refuse_deep_json(b'"' + b'\\"' * 300_000)


def test_brackets_inside_strings_do_not_count() -> None:
    refuse_deep_json(b'{"a": "' + b"[{" * 100 + b'\\"[[["}')
    msgspec.json.decode(b'{"a": "' + b"[{" * 100 + b'\\"[[["}')  # the body the count passed is JSON


def test_a_path_parameter_is_named() -> None:
    assert refused(check_path, b"/t/a%00b/api", {"slug": "a\x00b"}).field == "slug"
    assert refused(check_path, b"/api/tenders/1", {"tender_id": 2**63}).field == "tender_id"
    assert refused(check_path, b"/api/catalogue/%ff", {"ocid": "\ufffd"}).field == "path"
    assert refused(check_path, b"/api/tenders/1%0d%0a", {"tender_id": 1}).field == "path"
    check_path(b"/t/kab-malang/api/tenders/7", {"slug": "kab-malang", "tender_id": 7})


def test_a_query_parameter_is_named() -> None:
    assert refused(check_query, b"q=jalan%00raya").field == "q"
    assert refused(check_query, b"q=ok&after=%0d%0a").field == "after"
    assert refused(check_query, b"q=%ff").field == "query"
    check_query(b"q=jalan+raya&budget_min=100&province=35")


def test_a_header_is_named() -> None:
    assert refused(check_headers, [(b"host", b"x"), (b"x-note", b"a\x00b")]).field == "x-note"
    check_headers([(b"user-agent", b"curl/8.0\tbuild")])


def test_a_form_is_utf8_and_checked() -> None:
    assert form_fields(b"email=a%40b.go.id&next=") == {"email": ["a@b.go.id"], "next": [""]}
    assert refused(form_fields, b"email=a%00b").field == "email"
    assert refused(form_fields, b"email=%ff").field == "body"


@pytest.mark.parametrize(
    "moment",
    [
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-14))),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
        datetime(1899, 12, 31, tzinfo=UTC),
    ],
)
def test_a_time_outside_the_calendar_in_utc_is_refused(moment: datetime) -> None:
    with pytest.raises(ValueError, match="ends_at"):
        within_calendar(moment, "ends_at")


def test_a_time_inside_the_calendar_passes() -> None:
    moment = datetime(9999, 12, 29, tzinfo=timezone(timedelta(hours=7)))
    assert within_calendar(moment, "ends_at") is moment


def test_client_text_in_a_log_line_is_escaped() -> None:
    assert for_log("/t/a\r\nFAKE 200\x1b[2J\u2028") == "/t/a\\x0d\\x0aFAKE 200\\x1b[2J\\x2028"


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_the_hubs_error_log_line_escapes_the_request_path() -> None:
    request = RequestFactory().get("/t/kab-malang/api/x\r\nINFO forged line")
    kept, hub = Kept(), logging.getLogger("hub")
    hub.addHandler(kept)
    try:
        internal_error(request, RuntimeError("boom"))
    finally:
        hub.removeHandler(kept)
    [line] = kept.lines
    assert "\n" not in line
    assert "\r" not in line
    assert "x\\x0d\\x0aINFO forged line" in line
