"""An opening's chunk of work that stops its worker process once a bid opened to ``STOPPING_PRICE``:
what a worker killed in the middle of an opening (out of memory, a signal) does to the opening.

Sent by reference to the worker process (``tenants.tenders.bidding.unsealing_processes``), so it
lives in a module the worker can import, not in a test module."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from tenants.tenders.bidding.integrity import BidChecker, StoredBid
from tenants.tenders.bidding.unsealing import verdicts_of

STOPPING_PRICE = 1_313_131_313


def verdicts_or_stop(
    bids: Sequence[StoredBid], private: bytes, checker: BidChecker, tenant_code: str
) -> list[dict[str, Any]]:
    """``unsealing.verdicts_of``, but the process exits, answering nothing, on the bid opened to
    ``STOPPING_PRICE``."""
    verdicts = verdicts_of(bids, private, checker, tenant_code)
    if any(verdict.get("price") == STOPPING_PRICE for verdict in verdicts):
        os._exit(1)
    return verdicts
