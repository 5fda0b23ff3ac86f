"""``lpse-hub contract ...``: a signed contract's implementation (e-monev) from the command line.

The commands record as the ``operator`` client (``ClientActor.operator``): whoever runs ``lpse-hub``
with the database's address, named so in each row and audit entry. The rules are the API's (the same
services).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from cli.command_runner import print_json, run, stdout
from cli.options import JsonOption, TenantOption
from federation.identity.actor import ClientActor
from hub.core.database import hub_sessions, tenant_session
from tenants.registry import resolve_tenant
from tenants.tenders.implementation import (
    AmendmentInput,
    PaymentInput,
    ProgressInput,
    amend_contract,
    read_implementation,
    record_payment,
    report_progress,
)

app = typer.Typer(
    no_args_is_help=True, help="A signed contract's implementation: progress, payments, amendments."
)

T = TypeVar("T")
TenderOption = Annotated[int, typer.Option("--tender", help="The tender's id.", show_default=False)]
OnOption = Annotated[
    str, typer.Option("--on", help="The day, YYYY-MM-DD (tenant's calendar).", show_default=False)
]
NoteOption = Annotated[str, typer.Option(help="A note.")]


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise typer.BadParameter(f"{raw!r} is not a date (YYYY-MM-DD)") from None


def _percent(raw: str) -> Decimal:
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise typer.BadParameter(f"{raw!r} is not a number") from None


def _as_operator(slug: str, step: Callable[[AsyncSession, ClientActor], Awaitable[T]]) -> T:
    """Run ``step`` in one transaction of the tenant, as the operator."""

    async def work(engine: AsyncEngine) -> T:
        async with hub_sessions(engine)() as hub:
            tenant = await resolve_tenant(hub, slug=slug)
        async with tenant_session(engine, tenant.schema) as session, session.begin():
            return await step(session, ClientActor.operator(tenant))

    return run(work)


def _said(row: Any, as_json: bool, line: str) -> None:
    if as_json:
        print_json({c.key: getattr(row, c.key) for c in row.__table__.columns})
    else:
        stdout.print(line)


@app.command()
def progress(
    tenant: TenantOption,
    tender: TenderOption,
    percent: Annotated[str, typer.Option(help="Physical progress, 0 to 100 (two decimals).")],
    on: OnOption,
    note: NoteOption = "",
    reason: Annotated[str | None, typer.Option(help="Why, when below the latest report.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Report a contract's physical progress (progres fisik)."""
    data = ProgressInput(_percent(percent), _day(on), note, reason)
    row = _as_operator(tenant, lambda s, a: report_progress(s, a, tender, data))
    _said(row, as_json, f"progress {row.percent}% on {row.reported_on} recorded for tender {tender}")


@app.command()
def pay(
    tenant: TenantOption,
    tender: TenderOption,
    amount: Annotated[int, typer.Option(help="Whole rupiah.")],
    on: OnOption,
    term: Annotated[int | None, typer.Option(help="The term (termin); default: the next.")] = None,
    note: NoteOption = "",
    as_json: JsonOption = False,
) -> None:
    """Record a payment of one term (termin); never above the contract's current value."""
    data = PaymentInput(amount, _day(on), term, note)
    row = _as_operator(tenant, lambda s, a: record_payment(s, a, tender, data))
    _said(row, as_json, f"term {row.term}: Rp{row.amount:,} paid on {row.paid_on} for tender {tender}")


@app.command()
def amend(
    tenant: TenantOption,
    tender: TenderOption,
    reason: Annotated[str, typer.Option(help="Why the contract changes (required).")],
    on: OnOption,
    value: Annotated[int | None, typer.Option(help="The new value, whole rupiah.")] = None,
    ends_on: Annotated[str | None, typer.Option(help="The new end, YYYY-MM-DD.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a contract amendment (adendum): a new value, a new end, or both."""
    data = AmendmentInput(reason, _day(on), value, _day(ends_on) if ends_on else None)
    row = _as_operator(tenant, lambda s, a: amend_contract(s, a, tender, data))
    _said(
        row,
        as_json,
        f"amendment {row.number}: Rp{row.value_after:,} until {row.ends_after} (tender {tender})",
    )


@app.command()
def show(tenant: TenantOption, tender: TenderOption, as_json: JsonOption = False) -> None:
    """A contract's implementation: current value and end, paid, absorption, latest progress."""

    async def work(engine: AsyncEngine) -> dict[str, Any]:
        async with hub_sessions(engine)() as hub:
            schema = (await resolve_tenant(hub, slug=tenant)).schema
        async with tenant_session(engine, schema) as session:
            i = await read_implementation(session, tender)
        return {
            "tender_id": i.tender_id,
            "number": i.number,
            "value": i.value,
            "ends_on": i.ends_on,
            "paid": i.paid,
            "absorption": i.absorption,
            "progress_percent": i.progress_percent,
            "payments": len(i.payments),
            "amendments": len(i.amendments),
        }

    found = run(work)
    if as_json:
        print_json(found)
        return
    for key, value in found.items():
        stdout.print(f"{key:<17} {value}")
