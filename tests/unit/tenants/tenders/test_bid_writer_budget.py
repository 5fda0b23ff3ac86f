"""The bid writers' memory bound: bundles handed over wait for room, in turn (issue 20)."""

from __future__ import annotations

import asyncio

import pytest

from tenants.tenders.bidding.writer import ByteBudget


async def test_a_bundle_waits_until_the_bytes_held_leave_it_room_and_they_are_granted_in_turn() -> None:
    budget = ByteBudget(100)
    await budget.take(60)
    second = asyncio.create_task(budget.take(50))
    third = asyncio.create_task(budget.take(10))  # it would fit, but comes after the second
    await asyncio.sleep(0)
    assert not second.done()
    assert not third.done()
    budget.give_back(60)
    await asyncio.gather(second, third)


async def test_a_bundle_larger_than_the_bound_is_taken_alone() -> None:
    budget = ByteBudget(100)
    await budget.take(500)  # nothing held: taken, however large
    waiting = asyncio.create_task(budget.take(1))
    await asyncio.sleep(0)
    assert not waiting.done()
    budget.give_back(500)
    await waiting


async def test_a_request_gone_while_it_waits_takes_nothing() -> None:
    budget = ByteBudget(100)
    await budget.take(100)
    gone = asyncio.create_task(budget.take(50))
    after = asyncio.create_task(budget.take(100))
    await asyncio.sleep(0)
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    budget.give_back(100)
    await after  # the whole bound again: the one gone held none of it
