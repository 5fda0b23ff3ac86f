"""The sealing package's public names are there, and sorted (httpx's convention, ruff's RUF022)."""

from __future__ import annotations

import tenants.sealing
from cli.command_runner import exit_code
from hub.web.problems import status_of
from tenants.sealing import bundle


def test_every_public_name_of_the_sealing_package_exists() -> None:
    assert all(hasattr(tenants.sealing, name) for name in tenants.sealing.__all__)
    assert all(hasattr(bundle, name) for name in bundle.__all__)


def test_the_errors_say_what_the_caller_did_wrong_and_how_bad_it_is() -> None:
    tampered = tenants.sealing.TamperedBid("the tag does not verify")
    assert (status_of(tampered), tampered.title, exit_code(tampered)) == (422, "Tampered bid", 1)
    receipt = tenants.sealing.InvalidReceipt("the signature does not verify")
    assert (status_of(receipt), exit_code(receipt)) == (422, 1)
    unwrap = tenants.sealing.KeyUnwrapError("another master key")
    assert (status_of(unwrap), exit_code(unwrap)) == (500, 1)
