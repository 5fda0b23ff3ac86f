"""Query counts pinned on the hot read paths: a tenant route's own overhead, one tender, the list.

Every statement the app sends is counted (``before_cursor_execute`` on every engine) while one
request runs, once the app's copy of the tenant registry is loaded, so a regression (an N+1, a
lookup per request) fails here rather than in a benchmark.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.procurement import ok, package, regency, schedule

Client = AsyncTestClient[Litestar]

TENDER_VIEW = 2
"""One tender's view: its tender with its package, the clock, its schedule and its documents
(``tenants.tenders.step_read``), then its awards with their contract (``view_reads``); 8 before."""
TENDER_LIST = 5
"""The list, whatever its length: the clock, the tenders with their packages, then their schedules,
documents, and awards with their contracts, one statement each (``tenants.tenders.view_reads``;
re-tenders only for a failed or cancelled tender); 7 before."""


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


async def directory_loaded(client: Client) -> None:
    directory = client.app.state.tenant_directory
    await asyncio.to_thread(client.blocking_portal.call, directory.loaded.wait)


async def announced_tender(client: Client, where: Any) -> int:
    made = await package(client, where, "Rehabilitasi Jalan Kepanjen", owner_estimate=2_400_000_000)
    body = {"package_id": made["id"], "evaluation": "lowest_price", "schedule": schedule()}
    tender = ok(await client.post(f"{where.base}/tenders", headers=where.pokja, json=body))
    ok(await client.post(f"{where.base}/tenders/{tender['id']}/announcement", headers=where.pokja))
    return int(tender["id"])


async def test_a_tenant_route_adds_no_statement_of_its_own(
    client: Client, clean_identity: AsyncEngine
) -> None:
    await regency(client, clean_identity, "kab-malang", "3507")
    await directory_loaded(client)
    with statements() as seen:
        ok(await client.get("/t/kab-malang/api/agencies"), 200)
    assert len(seen) == 1, seen  # the agencies; the tenant came from the registry's copy


async def test_a_tender_and_the_tender_list_run_pinned_statements(
    client: Client, clean_identity: AsyncEngine
) -> None:
    where = await regency(client, clean_identity, "kab-malang", "3507")
    first = await announced_tender(client, where)
    await directory_loaded(client)
    with statements() as one:
        ok(await client.get(f"{where.base}/tenders/{first}"), 200)
    with statements() as list_of_one:
        listed = ok(await client.get(f"{where.base}/tenders"), 200)
    assert [t["id"] for t in listed] == [first]
    for _ in range(19):
        await announced_tender(client, where)
    with statements() as list_of_twenty:
        listed = ok(await client.get(f"{where.base}/tenders"), 200)
    assert len(listed) == 20
    assert len(one) <= TENDER_VIEW, one
    assert len(list_of_one) <= TENDER_LIST, list_of_one
    assert len(list_of_twenty) == len(list_of_one), list_of_twenty  # not one more per tender
