"""The bid writers' memory bound: bundles handed over wait for room, in turn (issue 20)."""

from __future__ import annotations

from tenants.tenders.bidding.writer import ByteBudget


async def test_a_bundle_waits_until_the_bytes_held_leave_it_room_and_they_are_granted_in_turn() -> None:
    budget = ByteBudget(100)
    await budget.take(60)
    second = budget.ask(50)
    third = budget.ask(10)  # it would fit, but comes after the second
    assert not second.done()
    assert not third.done()
    budget.give_back(60)
    assert second.done()
    assert third.done()
    later = budget.ask(41)  # 60 of the 100 held by the two granted
    assert not later.done()
    budget.give_back(50)
    assert later.done()


async def test_a_bundle_larger_than_the_bound_is_taken_alone() -> None:
    budget = ByteBudget(100)
    await budget.take(500)  # nothing held: taken, however large
    waiting = budget.ask(1)
    assert not waiting.done()
    budget.give_back(500)
    assert waiting.done()


async def test_a_request_gone_while_it_waits_takes_nothing() -> None:
    budget = ByteBudget(100)
    await budget.take(100)
    gone = budget.ask(50)
    after = budget.ask(100)
    gone.cancel()
    budget.give_back(100)
    assert after.done()  # the whole bound again: the one gone held none of it
    assert not budget.ask(1).done()
