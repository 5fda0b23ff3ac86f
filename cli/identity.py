"""``lpse-hub account|client|keys ...``: people, the applications they log in with, and signing keys."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.command_runner import fail, load_settings, print_json, reported_errors, run, run_as_owner, stdout
from cli.options import JsonOption
from federation.identity.accounts import create_account, grant_role, revoke_role
from federation.identity.models import Account
from federation.identity.policy import SUPPORTED_SCOPES
from federation.identity.upstream import link_account
from federation.oidc.clients import check_scopes, create_client
from federation.oidc.models import OAuthClient, SigningKey
from federation.oidc.signing_keys import all_keys, rewrap_signing_keys, rotate_signing_keys
from hub.core.clock import utcnow
from hub.core.database import hub_sessions
from hub.core.errors import ConfigurationError
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from tenants.registry import get_tenant
from tenants.tenders.preparation.bid_keys import rewrap_tenant_keys

accounts = typer.Typer(no_args_is_help=True, help="Accounts (people) and their roles per tenant.")
clients = typer.Typer(no_args_is_help=True, help="OAuth / OpenID Connect clients.")
keys = typer.Typer(no_args_is_help=True, help="The keys that sign the hub's tokens.")

TenantFor = Annotated[str | None, typer.Option("--tenant", "-t", help="Tenant slug (not for hub roles).")]


def master_key(settings: Settings) -> MasterKey:
    """The hub's master key (``MasterKey.of``); a command needing it on an external database without
    ``LPSE_HUB_MASTER_KEY`` stops here, with one line saying what to set."""
    with reported_errors(settings):
        return MasterKey.of(settings)


@accounts.command("create")
def account_create(
    email: str,
    name: Annotated[str, typer.Option(help="Full name.")],
    password_env: Annotated[
        str, typer.Option(help="Environment variable holding the password (kept out of shell history).")
    ] = "LPSE_HUB_PASSWORD",
    as_json: JsonOption = False,
) -> None:
    """Create an account; its password comes from an environment variable, never from the command line."""
    password = os.environ.get(password_env)
    if not password:
        raise fail(f"set the password in ${password_env} (or name another variable with --password-env)", 2)

    async def work(engine: AsyncEngine) -> Account:
        async with hub_sessions(engine)() as session, session.begin():
            return await create_account(session, email, name, password, email_verified=True)

    account = run(work)
    print_json(account.to_dict()) if as_json else stdout.print(
        f"created account {account.id} <{account.email}>"
    )


@accounts.command("grant")
def account_grant(
    email: str, role: Annotated[str, typer.Option(help="The role.")], tenant: TenantFor = None
) -> None:
    """Give an account a role in a tenant (or a hub role)."""

    async def work(engine: AsyncEngine) -> None:
        async with hub_sessions(engine)() as session, session.begin():
            await grant_role(session, email, role, tenant)

    run(work)
    stdout.print(f"granted {role} to {email}" + (f" in {tenant}" if tenant else " hub-wide"))


@accounts.command("revoke")
def account_revoke(
    email: str, role: Annotated[str, typer.Option(help="The role.")], tenant: TenantFor = None
) -> None:
    """Take a role away; effective at the account's next request."""

    async def work(engine: AsyncEngine) -> None:
        async with hub_sessions(engine)() as session, session.begin():
            await revoke_role(session, email, role, tenant)

    run(work)
    stdout.print(f"revoked {role} from {email}" + (f" in {tenant}" if tenant else " hub-wide"))


@accounts.command("link")
def account_link(
    email: str,
    issuer: Annotated[str, typer.Option(help="The upstream provider's issuer URL.")],
    subject: Annotated[str, typer.Option(help="The person's subject (sub) at that provider.")],
) -> None:
    """Let an identity at an upstream provider log in as this account."""

    async def work(engine: AsyncEngine) -> None:
        async with hub_sessions(engine)() as session, session.begin():
            await link_account(session, email, issuer, subject)

    run(work)
    stdout.print(f"linked {subject} at {issuer} to {email}")


@clients.command("create")
def client_create(
    name: str,
    redirect_uri: Annotated[list[str] | None, typer.Option(help="Allowed redirect URI; repeatable.")] = None,
    confidential: Annotated[bool, typer.Option(help="A server-side client with a secret.")] = False,
    first_party: Annotated[bool, typer.Option(help="The hub's own application: no consent page.")] = False,
    tenant: Annotated[
        str | None,
        typer.Option(
            help="With --confidential: the one tenant (slug) the client's own tokens act in, as an "
            "e-planning, e-budgeting or e-monev system of that regency (scopes plans:write, monev:write)."
        ),
    ] = None,
    scope: Annotated[
        list[str] | None,
        typer.Option(
            help="A scope it may ask for; repeatable. Default: all for --first-party, else openid profile "
            f"email. One of: {', '.join(SUPPORTED_SCOPES)}."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Register a client; prints its id and, once and only now, its secret."""
    if scope is not None:
        with reported_errors():  # a mistyped scope is told before any database is started
            check_scopes(scope)

    async def work(engine: AsyncEngine) -> tuple[OAuthClient, str | None]:
        async with hub_sessions(engine)() as session, session.begin():
            tenant_id = None if tenant is None else (await get_tenant(session, tenant)).id
            return await create_client(
                session,
                name,
                redirect_uri or [],
                confidential=confidential,
                first_party=first_party,
                scopes=scope,
                tenant_id=tenant_id,
            )

    client, secret = run(work)
    if as_json:
        print_json({**client.to_dict(), "client_secret": secret})
        return
    stdout.print(f"client_id     {client.client_id}")
    stdout.print(f"scope         {client.scope}")
    if tenant is not None:
        stdout.print(f"tenant        {tenant}   (its own tokens act there only)")
    if secret:
        stdout.print(f"client_secret {secret}   (shown once: store it now)")


@keys.command("rotate")
def keys_rotate() -> None:
    """A new key signs from now on; the old one stays published until its tokens have expired."""
    settings = load_settings()
    master = master_key(settings)

    async def work(engine: AsyncEngine) -> SigningKey:
        async with hub_sessions(engine)() as session, session.begin():
            return await rotate_signing_keys(session, master, settings.access_token_seconds)

    stdout.print(f"new signing key {run(work).kid}")


@keys.command("list")
def keys_list(as_json: JsonOption = False) -> None:
    """Signing keys: which one signs, which are still published, which are gone from the JWKS."""

    async def work(engine: AsyncEngine) -> list[SigningKey]:
        async with hub_sessions(engine)() as session:
            return await all_keys(session)

    now = utcnow()
    rows = [
        {
            "kid": k.kid,
            "alg": k.alg,
            "created_at": k.created_at.isoformat(),
            "state": "signing"
            if k.retired_at is None
            else "published"
            if k.published_until and k.published_until > now
            else "expired",
            "published_until": k.published_until.isoformat() if k.published_until else None,
        }
        for k in run(work)
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("kid", "alg", "state", "created", "published until")
    for r in rows:
        table.add_row(
            str(r["kid"]),
            str(r["alg"]),
            str(r["state"]),
            str(r["created_at"]),
            str(r["published_until"] or "-"),
        )
    stdout.print(table)


@keys.command("generate-master")
def keys_generate_master() -> None:
    """Print a new random master key (32 bytes, base64url) for LPSE_HUB_MASTER_KEY; nothing is stored.

    Keep it in a secret store and back it up: a sealed bid opens only with the key it was sealed under."""
    sys.stdout.write(MasterKey.generate() + "\n")


@keys.command("rotate-master")
def keys_rotate_master(
    new_key_env: Annotated[
        str, typer.Option(help="Environment variable holding the new master key.")
    ] = "LPSE_HUB_NEW_MASTER_KEY",
) -> None:
    """Re-wrap tenant, receipt and signing keys under a new master key; bids are not touched."""
    settings = load_settings()
    encoded = os.environ.get(new_key_env)
    if not encoded:
        raise fail(
            f"put the new master key in ${new_key_env} (generate one with `lpse-hub keys generate-master`)", 2
        )
    try:
        new = MasterKey.parse(encoded)
    except ConfigurationError as exc:
        raise fail(exc.detail, 2) from None
    old = master_key(settings)

    async def work(engine: AsyncEngine, _serving_role: str | None) -> tuple[int, int]:
        # As the owner: the serving role may not rewrite the stored receipt and checkpoint keys.
        async with hub_sessions(engine)() as session, session.begin():
            return await rewrap_tenant_keys(session, old, new), await rewrap_signing_keys(session, old, new)

    tenants, signing = run_as_owner(work)
    stdout.print(f"re-wrapped {tenants} tenant keys, the receipt keys and {signing} signing keys")
    stdout.print(f"now set LPSE_HUB_MASTER_KEY to the value of ${new_key_env} and restart every hub process")
