"""The sealing package's public names are there, and sorted (httpx's convention, ruff's RUF022)."""

from __future__ import annotations

import tenants.sealing
from tenants.sealing import bundle


def test_every_public_name_of_the_sealing_package_exists() -> None:
    assert all(hasattr(tenants.sealing, name) for name in tenants.sealing.__all__)
    assert all(hasattr(bundle, name) for name in bundle.__all__)


def test_the_errors_say_what_the_caller_did_wrong_and_how_bad_it_is() -> None:
    assert (tenants.sealing.TamperedBid.status, tenants.sealing.TamperedBid.title) == (422, "Tampered bid")
    assert tenants.sealing.InvalidReceipt.status == 400
    assert tenants.sealing.KeyUnwrapError.status == 500
