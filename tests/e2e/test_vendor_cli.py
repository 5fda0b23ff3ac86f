"""``lpse-hub vendor ...`` as an operator drives it: exit codes, one-line errors, stable JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

from cli.main import app
from federation.identity.accounts import create_account, grant_role
from hub.core.database import hub_sessions
from hub.core.settings import Settings
from tests.conftest import make_tenant

PASSWORD = "kata-sandi-rahasia-1"
Lpse = Callable[..., Result]


@pytest_asyncio.fixture(loop_scope="session")
async def province(clean_identity: AsyncEngine) -> AsyncEngine:
    """Two tenants; a verifier of Malang, an admin of Blitar and a hub operator."""
    await make_tenant(clean_identity, "kab-malang", "3507")
    await make_tenant(clean_identity, "kab-blitar", "3505")
    people = [
        ("verifier@malang.go.id", "verifier", "kab-malang"),
        ("admin@blitar.go.id", "tenant_admin", "kab-blitar"),
        ("operator@jatimprov.go.id", "hub_admin", None),
    ]
    async with hub_sessions(clean_identity)() as session, session.begin():
        for email, role, slug in people:
            await create_account(session, email, email.split("@")[0].title(), PASSWORD)
            await grant_role(session, email, role, slug)
    return clean_identity


@pytest.fixture
def lpse(province: AsyncEngine, settings: Settings) -> Lpse:
    """Run ``lpse-hub vendor ARGS...`` in-process against the test database."""
    runner = CliRunner()
    env = {"LPSE_HUB_DATABASE_URL": settings.database_url, "LPSE_HUB_VENDOR_PASSWORD": PASSWORD}

    def invoke(*args: str, **extra_env: str | None) -> Result:
        return runner.invoke(app, ["vendor", *args], env={**env, **extra_env})

    return invoke


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def register(lpse: Lpse, npwp: str = "01.234.567.8-901.000", email: str = "budi@majujaya.co.id") -> Any:
    return as_json(
        lpse(
            "register",
            *("--name", "CV Maju Jaya", "--npwp", npwp, "--nib", "1234567890123"),
            *("--address", "Jl. Ijen 1, Malang", "--regency", "3507", "--kbli", "41011", "--kbli", "42101"),
            *("--email", email, "--user-name", "Budi Santoso", "--json"),
        )
    )


def test_register_show_and_list_speak_json(lpse: Lpse) -> None:
    registered = register(lpse)
    assert set(registered) == {
        "id",
        "name",
        "npwp",
        "nib",
        "address",
        "home_regency_code",
        "kbli",
        "status",
        "merged_into_id",
        "created_at",
        "updated_at",
        "users",
        "verifications",
        "history",
    }
    assert (registered["npwp"], registered["kbli"], registered["status"]) == (
        "012345678901000",
        ["41011", "42101"],
        "registered",
    )
    assert [u["email"] for u in registered["users"]] == ["budi@majujaya.co.id"]
    assert [e["event"] for e in registered["history"]] == ["registered"]
    assert as_json(lpse("show", str(registered["id"]), "--json")) == registered
    assert [v["id"] for v in as_json(lpse("list", "--json"))] == [registered["id"]]
    assert as_json(lpse("list", "--status", "verified", "--json")) == []


def test_the_password_comes_from_the_environment_and_is_never_printed(lpse: Lpse) -> None:
    result = lpse(
        "register",
        *("--name", "CV Maju Jaya", "--npwp", "012345678901000", "--address", "Jl. Ijen 1"),
        *("--regency", "3507", "--kbli", "41011", "--email", "budi@majujaya.co.id", "--user-name", "Budi"),
    )
    assert result.exit_code == 0, result.stderr
    assert "registered vendor" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr

    missing = lpse(
        "register",
        *("--name", "CV Lain", "--npwp", "3507012345678901", "--address", "Jl. Ijen 2"),
        *("--regency", "3507", "--kbli", "41011", "--email", "ani@lain.co.id", "--user-name", "Ani"),
        LPSE_HUB_VENDOR_PASSWORD=None,
    )
    assert missing.exit_code == 2
    assert "LPSE_HUB_VENDOR_PASSWORD" in missing.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("show", "999999"), 1, "no vendor 999999"),
        (("list", "--status", "approved"), 2, "unknown vendor status 'approved'"),
        (
            (
                "suspend",
                "1",
                "-t",
                "kab-blitar",
                "--by",
                "admin@blitar.go.id",
                "--reason",
                "x",
                "--until",
                "2026-13-01",
            ),
            2,
            "--until must be a date",
        ),
        (
            ("verify", "1", "-t", "kab-atlantis", "--verifier", "verifier@malang.go.id", "--checked", "NPWP"),
            1,
            "no tenant",
        ),
        (("merge", "1", "--into", "2", "--by", "ghost@jatimprov.go.id"), 1, "no account"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_a_non_zero_exit(
    lpse: Lpse, args: tuple[str, ...], code: int, message: str
) -> None:
    result = lpse(*args)
    assert result.exit_code == code
    assert message in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert result.stdout == ""


def test_a_bad_npwp_is_a_usage_error_and_a_duplicate_a_failure(lpse: Lpse) -> None:
    register(lpse)
    bad = lpse(
        "register",
        *("--name", "CV X", "--npwp", "01.234", "--address", "Jl. X", "--regency", "3507", "--kbli", "41011"),
        *("--email", "x@x.co.id", "--user-name", "X"),
    )
    assert (bad.exit_code, bad.stderr.strip().count("\n")) == (2, 0)
    assert "invalid NPWP '01.234'" in bad.stderr
    duplicate = lpse(
        "register",
        *("--name", "CV Y", "--npwp", "012345678901000", "--address", "Jl. Y", "--regency", "3507"),
        *("--kbli", "41011", "--email", "y@y.co.id", "--user-name", "Y"),
    )
    assert duplicate.exit_code == 1
    assert duplicate.stderr.strip() == (
        "error: the company with NPWP 01.234.567.8-901.000 is already registered on this hub"
    )
    assert len(as_json(lpse("list", "--json"))) == 1


def test_a_vendor_verified_in_one_tenant_is_suspended_in_another(lpse: Lpse) -> None:
    vendor_id = str(register(lpse)["id"])
    refused = lpse(
        "verify", vendor_id, "-t", "kab-blitar", "--verifier", "admin@blitar.go.id", "--checked", "NPWP"
    )
    assert refused.exit_code == 1
    assert "this needs the role verifier" in refused.stderr

    verified = as_json(
        lpse(
            "verify",
            *(vendor_id, "--tenant", "kab-malang", "--verifier", "verifier@malang.go.id"),
            *("--checked", "NPWP", "--checked", "NIB", "--note", "dokumen asli", "--json"),
        )
    )
    assert verified["status"] == "verified"
    assert [(v["tenant_code"], v["checked"], v["note"]) for v in verified["verifications"]] == [
        ("3507", ["NPWP", "NIB"], "dokumen asli")
    ]

    until = (date.today() + timedelta(days=60)).isoformat()
    suspension = as_json(
        lpse(
            "suspend",
            *(vendor_id, "--tenant", "kab-blitar", "--by", "admin@blitar.go.id"),
            *("--reason", "wanprestasi", "--until", until, "--json"),
        )
    )
    assert (suspension["tenant"], suspension["ends_on"], suspension["reason"]) == (
        "kab-blitar",
        until,
        "wanprestasi",
    )
    history = as_json(lpse("show", vendor_id, "--json"))["history"]
    assert [e["event"] for e in history] == ["registered", "verified", "suspended"]
    assert history[-1]["detail"]["tenant_code"] == "3505"

    past = lpse(
        "suspend",
        *(
            vendor_id,
            "-t",
            "kab-blitar",
            "--by",
            "admin@blitar.go.id",
            "--reason",
            "x",
            "--until",
            "2020-01-01",
        ),
    )
    assert (past.exit_code, "must end after today" in past.stderr) == (2, True)


def test_merge_moves_users_to_the_survivor(lpse: Lpse) -> None:
    duplicate = register(lpse)
    survivor = register(lpse, npwp="3507012345678901", email="siti@majujaya.co.id")
    merged = as_json(
        lpse(
            "merge",
            str(duplicate["id"]),
            "--into",
            str(survivor["id"]),
            "--by",
            "operator@jatimprov.go.id",
            "--json",
        )
    )
    assert merged["id"] == survivor["id"]
    assert sorted(u["email"] for u in merged["users"]) == ["budi@majujaya.co.id", "siti@majujaya.co.id"]
    assert {e["event"] for e in merged["history"]} == {"registered", "merged_into", "absorbed"}
    assert as_json(lpse("show", str(duplicate["id"]), "--json"))["merged_into_id"] == survivor["id"]

    itself = lpse(
        "merge", str(survivor["id"]), "--into", str(survivor["id"]), "--by", "operator@jatimprov.go.id"
    )
    assert itself.exit_code == 1
    assert "cannot be merged into itself" in itself.stderr
    not_admin = lpse(
        "merge", str(survivor["id"]), "--into", str(duplicate["id"]), "--by", "admin@blitar.go.id"
    )
    assert (not_admin.exit_code, "hub_admin" in not_admin.stderr) == (1, True)


def test_text_output_lists_the_vendor_without_json(lpse: Lpse) -> None:
    vendor_id = register(lpse)["id"]
    listed = lpse("list")
    assert listed.exit_code == 0
    assert "01.234.567.8-901.000" in listed.stdout
    shown = lpse("show", str(vendor_id))
    assert shown.exit_code == 0
    assert "CV Maju Jaya" in shown.stdout
    assert "budi@majujaya.co.id" in shown.stdout
