"""``lpse-hub account|client|keys``: what an operator types, what it answers."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from typer.testing import CliRunner, Result

from cli.main import app
from federation.identity.accounts import get_account, roles_in
from federation.identity.models import Account, Role
from federation.identity.policy import SUPPORTED_SCOPES
from federation.oidc.models import OAuthClient, digest
from hub.core.database import create_engine, hub_sessions
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from tenants.registry import get_tenant

T = TypeVar("T")


@pytest.fixture
def lpse(hub: AsyncEngine, settings: Settings):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    env = {
        "LPSE_HUB_DATABASE_URL": settings.database_url,
        "LPSE_HUB_DATA_DIR": str(settings.data_dir),
        "LPSE_HUB_PASSWORD": "sangat-rahasia-99",
    }

    def invoke(*args: str, **extra_env: str) -> Result:
        return runner.invoke(app, list(args), env={**env, **extra_env})

    return invoke


def in_database(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Look at the database from a sync test (the CLI runs its own event loop)."""

    async def run() -> T:
        engine = create_engine(settings)
        try:
            async with hub_sessions(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def email() -> str:
    return f"pokja.{uuid.uuid4().hex[:8]}@blitarkab.go.id"


def test_an_account_is_created_with_its_password_from_the_environment(lpse, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    address = email()
    created = lpse("account", "create", address, "--name", "Agus Salim", "--json")
    assert created.exit_code == 0, created.stderr
    assert json.loads(created.stdout)["email"] == address
    assert "sangat-rahasia-99" not in created.stdout + created.stderr
    stored = in_database(
        settings, lambda s: s.scalar(select(Account.password_hash).where(Account.email == address))
    )
    assert stored is not None
    assert stored.startswith("$argon2id$")
    again = lpse("account", "create", address.upper(), "--name", "Agus Salim")
    assert again.exit_code == 1
    assert "exists already" in again.stderr
    no_password = lpse("account", "create", email(), "--name", "X", LPSE_HUB_PASSWORD="")
    assert no_password.exit_code == 2
    assert "LPSE_HUB_PASSWORD" in no_password.stderr


def test_roles_are_granted_and_revoked_per_tenant(lpse, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    assert (
        lpse("tenant", "create", "kab-malang", "--code", "3507", "--name", "Kabupaten Malang").exit_code == 0
    )
    address = email()
    lpse("account", "create", address, "--name", "Agus Salim")
    assert (
        lpse("account", "grant", address, "--role", "selection_committee", "--tenant", "kab-malang").exit_code
        == 0
    )

    async def roles(session: AsyncSession) -> set[Role]:
        account = await get_account(session, address)
        return await roles_in(session, account.id, (await get_tenant(session, "kab-malang")).id)

    assert in_database(settings, roles) == {Role.SELECTION_COMMITTEE}
    unknown = lpse("account", "grant", address, "--role", "bupati", "--tenant", "kab-malang")
    assert unknown.exit_code == 2
    assert "unknown role" in unknown.stderr
    hub_role_in_tenant = lpse("account", "grant", address, "--role", "hub_admin", "--tenant", "kab-malang")
    assert hub_role_in_tenant.exit_code == 2
    assert (
        lpse(
            "account", "revoke", address, "--role", "selection_committee", "--tenant", "kab-malang"
        ).exit_code
        == 0
    )
    assert (
        lpse(
            "account", "revoke", address, "--role", "selection_committee", "--tenant", "kab-malang"
        ).exit_code
        == 1
    )


def test_a_confidential_client_secret_is_shown_once_and_stored_hashed(lpse, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    created = json.loads(
        lpse(
            "client",
            "create",
            "e-Planning",
            "--redirect-uri",
            "https://eplanning.jatimprov.go.id/cb",
            "--confidential",
            "--json",
        ).stdout
    )
    client = in_database(
        settings, lambda s: s.scalar(select(OAuthClient).where(OAuthClient.client_id == created["client_id"]))
    )
    assert client is not None
    assert client.secret_hash == digest(created["client_secret"])
    refused = lpse("client", "create", "Bad", "--redirect-uri", "http://evil.example/cb")
    assert refused.exit_code == 2
    assert "redirect URI" in refused.stderr


def test_a_client_is_registered_with_the_scopes_it_may_ask_for(lpse, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    created = lpse(
        "client", "create", "e-Monev Jatim", "--confidential", "--scope", "review:read",
        "--scope", "openid", "--json",
    )  # fmt: skip
    assert created.exit_code == 0, created.stderr
    assert json.loads(created.stdout)["scope"] == "openid review:read"
    stored = in_database(
        settings,
        lambda s: s.scalar(
            select(OAuthClient.scope).where(OAuthClient.client_id == json.loads(created.stdout)["client_id"])
        ),
    )
    assert stored == "openid review:read"
    told = lpse("client", "create", "e-Audit", "--confidential", "--scope", "audit:read")
    assert told.exit_code == 0, told.stderr
    assert "audit:read" in told.stdout


def test_a_machine_client_is_registered_for_one_tenant(lpse) -> None:  # type: ignore[no-untyped-def]
    assert (
        lpse("tenant", "create", "kab-malang", "--code", "3507", "--name", "Kabupaten Malang").exit_code == 0
    )
    created = lpse(
        "client", "create", "e-Monev Malang", "--confidential", "--scope", "monev:write",
        "--tenant", "kab-malang", "--json",
    )  # fmt: skip
    assert created.exit_code == 0, created.stderr
    assert json.loads(created.stdout)["tenant_id"] is not None
    public = lpse(
        "client", "create", "e-Planning", "--redirect-uri", "https://e.example/cb", "--tenant", "kab-malang"
    )
    assert public.exit_code != 0
    assert "only a confidential client" in public.stderr
    unknown = lpse("client", "create", "e-Monev", "--confidential", "--tenant", "kab-nowhere")
    assert unknown.exit_code != 0
    assert "kab-nowhere" in unknown.stderr


def test_by_default_first_party_clients_may_ask_for_every_scope_and_others_for_who_the_person_is(
    lpse,
) -> None:  # type: ignore[no-untyped-def]
    uri = "https://hub.jatimprov.go.id/cb"
    own = json.loads(
        lpse("client", "create", "Hub UI", "--redirect-uri", uri, "--first-party", "--json").stdout
    )
    assert own["scope"].split() == list(SUPPORTED_SCOPES)
    other = json.loads(lpse("client", "create", "e-Budgeting", "--redirect-uri", uri, "--json").stdout)
    assert other["scope"] == "openid profile email"


def test_an_unknown_scope_is_refused_in_one_line_with_exit_2(lpse) -> None:  # type: ignore[no-untyped-def]
    refused = lpse("client", "create", "e-Monev", "--confidential", "--scope", "lpse", "--scope", "admin")
    assert refused.exit_code == 2
    assert refused.stderr.strip().count("\n") == 0
    assert "unknown scope 'admin'" in refused.stderr
    assert "review:read" in refused.stderr  # it names the scopes there are
    assert refused.stdout == ""


def test_keys_rotate_and_list(lpse) -> None:  # type: ignore[no-untyped-def]
    assert lpse("keys", "rotate").exit_code == 0
    assert lpse("keys", "rotate").exit_code == 0
    listed = json.loads(lpse("keys", "list", "--json").stdout)
    states = [k["state"] for k in listed]
    assert states.count("signing") == 1
    assert states[0] == "signing"
    assert "published" in states


def test_rotating_the_master_key_rewraps_and_can_be_undone(lpse, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    assert lpse("keys", "rotate").exit_code == 0  # there is a signing key to re-wrap
    old, new = settings.master_key or "", MasterKey.generate()
    missing = lpse("keys", "rotate-master", LPSE_HUB_NEW_MASTER_KEY="")
    assert missing.exit_code == 2
    assert "LPSE_HUB_NEW_MASTER_KEY" in missing.stderr
    rotated = lpse("keys", "rotate-master", LPSE_HUB_NEW_MASTER_KEY=new)
    assert rotated.exit_code == 0, rotated.stderr
    assert "re-wrapped" in rotated.stdout
    # under the new key the hub opens its keys again; the old one no longer does
    assert lpse("keys", "rotate", LPSE_HUB_MASTER_KEY=new).exit_code == 0
    assert lpse("keys", "rotate", LPSE_HUB_MASTER_KEY=old).exit_code == 1
    back = lpse("keys", "rotate-master", LPSE_HUB_MASTER_KEY=new, LPSE_HUB_NEW_MASTER_KEY=old)
    assert back.exit_code == 0, back.stderr
