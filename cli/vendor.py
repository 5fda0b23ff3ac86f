"""``lpse-hub vendor ...``: register, verify, suspend and merge vendors (penyedia)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.command_runner import fail, print_json, run, stdout
from cli.options import JsonOption, TenantOption
from federation.identity.accounts import get_account
from federation.vendors import (
    Vendor,
    VendorSuspension,
    format_npwp,
    list_vendors,
    merge_vendors,
    register_vendor,
    suspend_vendor,
    vendor_detail,
    verify_vendor,
)
from hub.core.database import hub_sessions, tenant_session
from tenants.registry import get_tenant

app = typer.Typer(no_args_is_help=True, help="Vendors (penyedia): registered once, recognised everywhere.")

VendorId = Annotated[int, typer.Argument(help="The vendor's id (see 'vendor list').", show_default=False)]
PASSWORD_ENV = "LPSE_HUB_VENDOR_PASSWORD"


_LISTS: dict[str, Callable[[Any], str]] = {
    "users": lambda u: f"{u['id']}  {u['email']}  {u['name']}",
    "verifications": lambda v: (
        f"{v['verified_at']}  tenant {v['tenant_code']}  by account {v['verifier_account_id']}: "
        + ", ".join(v["checked"])
    ),
    "history": lambda e: f"{e['at']}  vendor {e['vendor_id']}  {e['event']}  {e['detail']}",
}


def _show(detail: dict[str, object], as_json: bool) -> None:
    if as_json:
        print_json(detail)
        return
    for key, value in detail.items():
        if key not in _LISTS:
            shown = ", ".join(map(str, value)) if isinstance(value, list) else value
            stdout.print(f"[bold]{key:>17}[/bold]  {escape(str(shown)) if shown not in (None, '') else '-'}")
    for key, line in _LISTS.items():
        rows = detail.get(key)
        stdout.print(f"[bold]{key}[/bold]")
        for row in rows if isinstance(rows, list) else []:
            stdout.print(f"  {line(row)}", markup=False)


async def _detail(engine: AsyncEngine, vendor_id: int) -> dict[str, object]:
    async with hub_sessions(engine)() as session:
        return await vendor_detail(session, vendor_id)


@app.command()
def register(
    name: Annotated[str, typer.Option(help="The company's name, e.g. 'CV Maju Jaya'.")],
    npwp: Annotated[str, typer.Option(help="Tax number: 01.234.567.8-901.000, or 15 or 16 digits.")],
    address: Annotated[str, typer.Option(help="The company's address.")],
    regency: Annotated[str, typer.Option(help="Code of the home regency or city, e.g. 3507.")],
    kbli: Annotated[list[str], typer.Option(help="A business field (KBLI code, 5 digits); repeatable.")],
    email: Annotated[str, typer.Option(help="Email of the company's first user (their login).")],
    user_name: Annotated[str, typer.Option(help="Name of the company's first user.")],
    password: Annotated[
        str | None,
        typer.Option(
            envvar=PASSWORD_ENV,
            show_envvar=True,
            help=f"The first user's password; better given in {PASSWORD_ENV}, out of shell history.",
        ),
    ] = None,
    nib: Annotated[
        str | None, typer.Option(help="Business identification number from OSS, 13 digits.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Register a company once for the whole hub, with its first user."""
    if not password:
        raise fail(f"give the first user's password in {PASSWORD_ENV} or with --password", 2)
    secret = password

    async def work(engine: AsyncEngine) -> dict[str, object]:
        async with hub_sessions(engine)() as session, session.begin():
            vendor = await register_vendor(
                session, name, npwp, nib, address, regency, kbli, email, user_name, secret
            )
        return await _detail(engine, vendor.id)

    detail = run(work)
    if as_json:
        print_json(detail)
    else:
        stdout.print(f"registered vendor {detail['id']}: {detail['name']}, first user {email}", markup=False)


@app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(help="registered, verified or merged.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Every vendor on the hub, or those with a status."""

    async def work(engine: AsyncEngine) -> list[Vendor]:
        async with hub_sessions(engine)() as session:
            return await list_vendors(session, status=status)

    vendors = run(work)
    if as_json:
        print_json([v.to_dict() for v in vendors])
        return
    table = Table("id", "npwp", "name", "regency", "status")
    for v in vendors:
        merged = f" into {v.merged_into_id}" if v.merged_into_id is not None else ""
        table.add_row(str(v.id), format_npwp(v.npwp), v.name, v.home_regency_code, v.status + merged)
    stdout.print(table)


@app.command()
def show(vendor_id: VendorId, as_json: JsonOption = False) -> None:
    """One vendor in full: users, verifications and history (with that of vendors merged into it)."""
    _show(run(lambda engine: _detail(engine, vendor_id)), as_json)


@app.command()
def verify(
    vendor_id: VendorId,
    tenant: TenantOption,
    verifier: Annotated[str, typer.Option(help="Email of the verifier (role verifier in the tenant).")],
    checked: Annotated[list[str], typer.Option(help="A document or fact checked, e.g. NPWP; repeatable.")],
    note: Annotated[str | None, typer.Option(help="A remark kept with the verification.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a verification; every tenant of the hub recognises it."""

    async def work(engine: AsyncEngine) -> dict[str, object]:
        async with hub_sessions(engine)() as session, session.begin():
            account = await get_account(session, verifier)
            await verify_vendor(session, vendor_id, account.id, tenant, checked, note)
        return await _detail(engine, vendor_id)

    _show(run(work), as_json)


@app.command()
def suspend(
    vendor_id: VendorId,
    tenant: TenantOption,
    by: Annotated[str, typer.Option(help="Email of the tenant admin or verifier who decides.")],
    reason: Annotated[str, typer.Option(help="Why; kept in the vendor's history.")],
    until: Annotated[str, typer.Option(help="Last day of the suspension, YYYY-MM-DD.")],
    as_json: JsonOption = False,
) -> None:
    """Bar a vendor from one tenant's tenders until a date; other tenants are untouched."""
    try:
        ends_on = date.fromisoformat(until)
    except ValueError:
        raise fail(f"--until must be a date as YYYY-MM-DD, not {until!r}", 2) from None

    async def work(engine: AsyncEngine) -> VendorSuspension:
        async with hub_sessions(engine)() as session:
            schema = (await get_tenant(session, tenant)).schema
        async with tenant_session(engine, schema) as session, session.begin():
            account = await get_account(session, by)
            return await suspend_vendor(session, tenant, vendor_id, reason, ends_on, account.id)

    suspension = run(work)
    if as_json:
        print_json({**suspension.to_dict(), "tenant": tenant})
    else:
        stdout.print(
            f"vendor {vendor_id} suspended in {tenant} until {suspension.ends_on.isoformat()}", markup=False
        )


@app.command()
def merge(
    duplicate_id: Annotated[int, typer.Argument(help="The record to merge away.", show_default=False)],
    into: Annotated[int, typer.Option(help="The record that stays (the survivor).", show_default=False)],
    by: Annotated[str, typer.Option(help="Email of the hub administrator who decides.")],
    as_json: JsonOption = False,
) -> None:
    """Merge two records of one company: users and verifications move to the survivor."""

    async def work(engine: AsyncEngine) -> dict[str, object]:
        async with hub_sessions(engine)() as session, session.begin():
            account = await get_account(session, by)
            survivor = await merge_vendors(session, duplicate_id, into, account.id)
        return await _detail(engine, survivor.id)

    _show(run(work), as_json)
