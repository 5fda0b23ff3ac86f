"""The ``lpse-hub`` command: one sub-command per noun, plus ``serve``."""

from __future__ import annotations

import os
import sys

import typer

from cli import (
    agency,
    audit,
    bid,
    catalogue,
    committee_keys,
    contract,
    db,
    identity,
    ocds,
    outage,
    peer,
    plan,
    red_flags,
    review,
    tenant,
    uptime,
    vendor,
    vendor_keys,
)
from cli.serve import serve

app = typer.Typer(
    name="lpse-hub",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Run a province's LPSEs on one hub: provisioning, migrations and the HTTP service.",
)
app.command()(serve)
app.add_typer(db.app, name="db")
app.add_typer(tenant.app, name="tenant")
app.add_typer(agency.app, name="agency")
app.add_typer(plan.app, name="plan")
app.add_typer(identity.accounts, name="account")
app.add_typer(identity.clients, name="client")
app.add_typer(identity.keys, name="keys")
vendor.app.add_typer(vendor_keys.key, name="key")
app.add_typer(vendor.app, name="vendor")
app.add_typer(bid.bid, name="bid")
app.add_typer(bid.receipt, name="receipt")
app.add_typer(contract.app, name="contract")
app.add_typer(audit.app, name="audit")
app.add_typer(catalogue.app, name="catalogue")
app.add_typer(ocds.app, name="ocds")
app.add_typer(peer.app, name="peer")
app.command(name="red-flags")(red_flags.red_flags)
app.add_typer(review.app, name="review")
app.add_typer(committee_keys.member, name="member")
app.add_typer(committee_keys.opening, name="opening")
app.add_typer(uptime.uptime, name="uptime")
app.add_typer(uptime.probe, name="probe")
app.add_typer(outage.app, name="outage")


def run() -> None:
    """The console script: anything we did not foresee is one line too, unless debugging."""
    try:
        app()
    except Exception as exc:
        if os.environ.get("LPSE_HUB_DEBUG", "").lower() in {"1", "true", "yes", "on"}:
            raise
        sys.stderr.write(
            f"error: internal error ({type(exc).__name__}: {exc}); "
            "rerun with LPSE_HUB_DEBUG=1 for the traceback\n"
        )
        sys.exit(1)
