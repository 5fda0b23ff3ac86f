"""The opening's answer is built a few hundred lines a step (issue 20): the same view as built at
once, with the event loop free between its steps."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hub.web.schemas.bids import LINES_PER_STEP, OpeningView
from tenants.tenders.views import localized

ZONE = ZoneInfo("Asia/Makassar")  # WITA: the times must move


def _line(n: int) -> dict[str, Any]:
    received = (datetime(2026, 12, 4, 1, 0, tzinfo=UTC) + timedelta(seconds=n)).isoformat()
    base = {"vendor_id": n, "vendor": f"CV {n}", "received_at": received, "ciphertext_sha256": f"{n:064x}"}
    if n % 3 == 0:
        return base | {"status": "ok", "price": 10**9 + n, "files": [{"name": "p.pdf", "size": n}],
                       "signer": f"key-{n}", "signature": "verified"}  # fmt: skip
    if n % 3 == 1:
        return base | {"status": "tampered", "price": None, "failed_checks": ["receipt"], "problem": "x"}
    return base | {"status": "missing", "price": None, "failed_checks": ["presence"], "problem": "y"}


def _opening(lines: int) -> dict[str, Any]:
    return {
        "opened_at": datetime(2026, 12, 4, 2, 0, tzinfo=UTC).isoformat(),
        "opened_by": 7,
        "key_custody": {"mode": "hub"},
        "bids": [_line(n) for n in range(lines)],
        "count": lines,
        "tampered": sum(n % 3 == 1 for n in range(lines)),
        "missing": sum(n % 3 == 2 for n in range(lines)),
    }


async def test_the_view_built_a_step_at_a_time_is_the_view_built_at_once() -> None:
    opening = _opening(2 * LINES_PER_STEP + 7)
    shown = await OpeningView.shown(opening, ZONE)
    assert shown == OpeningView.of(localized(opening, ZONE))
    assert shown.opened_at == "2026-12-04T10:00:00+08:00"
    assert shown.bids[-1].received_at.endswith("+08:00")


async def test_other_callbacks_run_between_the_steps() -> None:
    order: list[str] = []
    asyncio.get_running_loop().call_soon(order.append, "other")
    await OpeningView.shown(_opening(LINES_PER_STEP + 1), ZONE)
    order.append("shown")
    assert order == ["other", "shown"]


async def test_an_opening_of_one_step_is_built_without_yielding() -> None:
    order: list[str] = []
    asyncio.get_running_loop().call_soon(order.append, "other")
    view = await OpeningView.shown(_opening(3), ZONE)
    order.append("shown")
    assert order == ["shown"]  # no step to wait between
    assert [bid.status for bid in view.bids] == ["ok", "tampered", "missing"]
