"""``lpse-hub tenant ...``: provision, inspect, suspend and remove tenants."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.command_runner import fail, load_settings, print_json, progress_bar, run, run_as_owner, stdout
from cli.key_files import write_new_file
from cli.options import JsonOption, TenantOption
from federation.identity.accounts import get_account
from federation.identity.actor import Actor
from hub.core.database import hub_sessions, tenant_session
from tenants.regions import regions_of_province
from tenants.registry import (
    ProvisionReport,
    Tenant,
    TenantSpec,
    create_tenant,
    delete_tenant,
    get_tenant,
    list_tenants,
    provision_province,
    resolve_tenant,
    resume_tenant,
    suspend_tenant,
)
from tenants.sealing.key_shares import new_x25519_key, raw_public, recovery_key_words
from tenants.sealing.tender_keys import encode_public_key
from tenants.tenders.custody.rules import CustodyRules, set_key_custody, set_recovery_key
from tenants.tenders.procurement_rules import set_plans_required

app = typer.Typer(no_args_is_help=True, help="Provision and manage tenants (one LPSE each).")
recovery_key = typer.Typer(
    no_args_is_help=True, help="The LPSE's offline recovery key, kept on paper (committee-held tender keys)."
)
app.add_typer(recovery_key, name="recovery-key")

AsOption = Annotated[
    str,
    typer.Option(
        "--as",
        help="Email of the tenant_admin the change is made as (the audit chain names them).",
        show_default=False,
    ),
]


def _show(tenant: Tenant, as_json: bool) -> None:
    if as_json:
        print_json(tenant.to_dict())
        return
    for key, value in tenant.to_dict().items():
        shown = ", ".join(value) if isinstance(value, list) else value
        stdout.print(f"[bold]{key:>14}[/bold]  {shown if shown not in (None, '') else '-'}")


@app.command()
def create(
    slug: Annotated[str, typer.Argument(help="URL name, e.g. kab-malang.")],
    code: Annotated[str, typer.Option(help="Kemendagri code from the regions table, e.g. 3507.")],
    name: Annotated[str, typer.Option(help="Display name, e.g. 'Kabupaten Malang'.")],
    kind: Annotated[
        str | None, typer.Option(help="province, regency or city (default: from the code).")
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(help="Asia/Jakarta, Asia/Makassar or Asia/Jayapura (default: the province's)."),
    ] = None,
    host: Annotated[
        list[str] | None, typer.Option(help="A host name that reaches the tenant; repeatable.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a tenant: registry row, schema and migrations, in one transaction."""
    spec = TenantSpec(slug=slug, code=code, name=name, kind=kind, timezone=timezone, hosts=tuple(host or ()))

    async def work(engine: AsyncEngine, serving_role: str | None) -> Tenant:
        async with hub_sessions(engine)() as session, session.begin():
            return await create_tenant(session, spec, serving_role=serving_role)

    _show(run_as_owner(work), as_json)


@app.command("list")
def list_(as_json: JsonOption = False) -> None:
    """Every tenant, active and suspended."""

    async def work(engine: AsyncEngine) -> list[Tenant]:
        async with hub_sessions(engine)() as session:
            return await list_tenants(session)

    tenants = run(work)
    if as_json:
        print_json([t.to_dict() for t in tenants])
        return
    table = Table("slug", "code", "name", "kind", "timezone", "status")
    for t in tenants:
        table.add_row(
            t.slug, t.code, t.name, t.kind, t.timezone, t.status if t.is_active else f"[red]{t.status}[/red]"
        )
    stdout.print(table)


@app.command()
def show(slug: str, as_json: JsonOption = False) -> None:
    """One tenant in full."""

    async def work(engine: AsyncEngine) -> Tenant:
        async with hub_sessions(engine)() as session:
            return await get_tenant(session, slug)

    _show(run(work), as_json)


@app.command()
def suspend(
    slug: str,
    reason: Annotated[str, typer.Option(help="Why; shown to everyone the tenant turns away.")],
    as_json: JsonOption = False,
) -> None:
    """Stop a tenant from serving (503); its data stays."""

    async def work(engine: AsyncEngine) -> Tenant:
        async with hub_sessions(engine)() as session, session.begin():
            return await suspend_tenant(session, slug, reason)

    _show(run(work), as_json)


@app.command()
def resume(slug: str, as_json: JsonOption = False) -> None:
    """Let a suspended tenant serve again."""

    async def work(engine: AsyncEngine) -> Tenant:
        async with hub_sessions(engine)() as session, session.begin():
            return await resume_tenant(session, slug)

    _show(run(work), as_json)


@app.command()
def delete(
    slug: str,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: the schema and all its data go.")] = False,
) -> None:
    """Delete a tenant: its schema with all its data, and its registry row, together."""
    if not yes:
        raise fail(f"deleting {slug!r} removes all its data; repeat with --yes to confirm", 2)

    async def work(engine: AsyncEngine, _serving_role: str | None) -> Tenant:
        async with hub_sessions(engine)() as session, session.begin():
            return await delete_tenant(session, slug)

    tenant = run_as_owner(work)
    stdout.print(f"deleted tenant {tenant.slug} and schema {tenant.schema}")


@app.command("provision-province")
def provision_province_command(
    code: Annotated[str, typer.Argument(help="Province code, e.g. 35 for Jawa Timur.")],
    as_json: JsonOption = False,
) -> None:
    """The province and all its regencies and cities, skipping those that exist."""
    concurrency = load_settings().migration_concurrency
    total = len(regions_of_province(code))

    async def work(engine: AsyncEngine, serving_role: str | None) -> ProvisionReport:
        with progress_bar(f"provisioning {code}", total, enabled=not as_json) as advance:
            return await provision_province(
                engine, code, concurrency=concurrency, serving_role=serving_role, on_done=advance
            )

    report = run_as_owner(work)
    if as_json:
        print_json(report.to_dict())
    else:
        stdout.print(
            f"created {len(report.created)}, skipped {len(report.skipped)}, failed {len(report.failed)}"
        )
        for slug, reason in sorted(report.failed.items()):
            stdout.print(f"  [red]failed[/red] {slug}: {reason}", markup=True)
    if report.failed:
        raise typer.Exit(1)


async def acting_in(engine: AsyncEngine, slug: str, email: str) -> Actor:
    """``email``'s account acting in tenant ``slug``: the policy checks its roles there, as the web's."""
    async with hub_sessions(engine)() as session:
        tenant = await resolve_tenant(session, slug=slug)
        account = await get_account(session, email)
    return Actor(account.id, tenant)


def _show_custody(rules: CustodyRules, as_json: bool) -> None:
    shown = {
        "key_custody": rules.key_custody.value,
        "share_threshold": rules.share_threshold,
        "recovery_fingerprint": rules.recovery_fingerprint,
    }
    if as_json:
        print_json(shown)
        return
    threshold = rules.share_threshold if rules.share_threshold is not None else "a majority"
    stdout.print(
        f"key custody {shown['key_custody']}, threshold {threshold}, "
        f"recovery key {rules.recovery_fingerprint or 'none'}",
        markup=False,
        soft_wrap=True,
    )


@recovery_key.command("create")
def recovery_key_create(
    tenant: TenantOption,
    as_: AsOption,
    words_out: Annotated[
        Path | None,
        typer.Option(
            dir_okay=False, help="Write the 33 words here (mode 0600, never overwritten), not stdout."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Make the LPSE's recovery key: its private half shown once as 33 words to keep on paper (or
    written to ``--words-out``), its public half registered with the tenant. Tenders announced from
    now on seal their recovery share to it; it replaces the previous recovery key for them."""
    if words_out is not None and words_out.exists():
        raise fail(f"{words_out} exists: recovery words are never overwritten; choose another file", 2)
    private = new_x25519_key()
    words = recovery_key_words(private)

    async def work(engine: AsyncEngine) -> CustodyRules:
        actor = await acting_in(engine, tenant, as_)
        async with tenant_session(engine, actor.tenant.schema) as session, session.begin():
            return await set_recovery_key(session, actor, raw_public(private))

    if words_out is not None:
        write_new_file(words_out, (words + "\n").encode("utf-8"), "a file of recovery words")
    try:
        rules = run(work)
    except BaseException:
        if words_out is not None:  # words of a key that was not registered: of no use to anyone
            words_out.unlink(missing_ok=True)
        raise
    shown = {"public_key": encode_public_key(raw_public(private)), "fingerprint": rules.recovery_fingerprint}
    if as_json:
        print_json({**shown, **({"words_file": str(words_out)} if words_out else {"words": words})})
        return
    if words_out is None:
        stdout.print("recovery words (write them on paper now; they are not shown again):", markup=False)
        stdout.print(words, markup=False, soft_wrap=True)
    else:
        stdout.print(f"recovery words written to {words_out}", markup=False, soft_wrap=True)
    stdout.print(f"public_key  {shown['public_key']}", markup=False, soft_wrap=True)
    stdout.print(f"fingerprint {shown['fingerprint']}", markup=False, soft_wrap=True)


@app.command("key-custody")
def key_custody(
    tenant: TenantOption,
    as_: AsOption,
    mode: Annotated[str, typer.Option("--mode", help="hub or committee: who holds new tenders' keys.")],
    threshold: Annotated[
        int | None,
        typer.Option(min=1, max=15, help="Shares that open a committee-held tender (default: a majority)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Choose who holds the keys of tenders announced from now on: the hub, or the tender's committee
    in shares (``--threshold`` of them open it; tenders announced already keep theirs)."""

    async def work(engine: AsyncEngine) -> CustodyRules:
        actor = await acting_in(engine, tenant, as_)
        async with tenant_session(engine, actor.tenant.schema) as session, session.begin():
            return await set_key_custody(session, actor, mode, threshold)

    _show_custody(run(work), as_json)


@app.command("plans-required")
def plans_required_command(
    tenant: TenantOption,
    as_: AsOption,
    required: Annotated[
        bool, typer.Option("--on/--off", help="Whether every new package must name its plan item (RUP code).")
    ],
    as_json: JsonOption = False,
) -> None:
    """Require (``--on``) or stop requiring (``--off``) a plan item of every package created from now on."""

    async def work(engine: AsyncEngine) -> bool:
        actor = await acting_in(engine, tenant, as_)
        async with tenant_session(engine, actor.tenant.schema) as session, session.begin():
            return await set_plans_required(session, actor, required)

    now = run(work)
    if as_json:
        print_json({"plans_required": now})
    else:
        stdout.print(f"plans required: {'on' if now else 'off'}", markup=False)
