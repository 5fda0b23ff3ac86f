"""A committee-held tender key driven from the members' machines (issue 16): ``lpse-hub member key
create`` writes each member's key file, ``lpse-hub tenant recovery-key create`` and ``tenant
key-custody`` set the LPSE up, and after the close ``lpse-hub opening share`` rebuilds each member's
share from its key file and passphrase and gives it to a live hub, which opens the bids at the
threshold. The recovery share is given from the 33 words.
"""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

from cli.main import app
from federation.identity.accounts import create_account, grant_role
from hub.core.database import hub_sessions, tenant_session
from hub.core.settings import Settings
from tenants.sealing.key_shares import load_member_key_pem, raw_public, recovery_key_from_words
from tenants.sealing.tender_keys import fingerprint
from tenants.tenders import Actor, register_for_tender
from tenants.tenders.custody import register_member_key
from tenants.tenders.custody.rules import custody_rules
from tenants.tenders.models import Tender
from tests.integration.tenants.tenders.test_committee_keys import Committee, _another_tender, _bid
from tests.integration.tenants.tenders.test_tender_rules import Stage, _close_submission, _person, stage
from tests.live_server import LiveHub, live_hub

__all__ = ["stage"]  # the fixture the committee's tender is built on, imported to be found

ADMIN = "kepala.ukpbj@malangkab.go.id"
POKJA = "anggota.pokja@malangkab.go.id"
Lpse = Callable[..., Result]


@pytest.fixture
def lpse(settings: Settings) -> Lpse:
    """Run ``lpse-hub ARGS...`` in-process against the test database, with ``env`` added."""
    runner = CliRunner()
    base = {"LPSE_HUB_DATABASE_URL": settings.database_url, "LPSE_HUB_KEY_PASSPHRASE": None}

    def invoke(*args: str, **env: str | None) -> Result:
        return runner.invoke(app, list(args), env={**base, **env})

    return invoke


def one_line_error(result: Result, code: int) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stderr


def key_file(lpse: Lpse, path: Path, passphrase: str) -> dict[str, Any]:
    made = lpse("member", "key", "create", "--out", str(path), "--json", LPSE_HUB_KEY_PASSPHRASE=passphrase)
    assert made.exit_code == 0, made.stderr
    shown: dict[str, Any] = json.loads(made.stdout)
    return shown


@pytest.fixture
async def admin(stage: Stage, clean_identity: AsyncEngine) -> int:
    """The tenant_admin of ``stage``'s LPSE (its head of procurement), who keeps the recovery key;
    and a selection committee member known by email, who may not act as the admin."""
    async with hub_sessions(clean_identity)() as session, session.begin():
        account = await create_account(session, ADMIN, "Kepala UKPBJ", None)
        await grant_role(session, ADMIN, "tenant_admin", stage.tenant.slug)
        await create_account(session, POKJA, "Anggota Pokja", None)
        await grant_role(session, POKJA, "selection_committee", stage.tenant.slug)
    return account.id


@dataclass
class CliCommittee:
    committee: Committee
    files: list[Path]
    passphrases: list[str]
    words: str
    """The recovery key's 33 words, as ``tenant recovery-key create`` showed them once."""


@pytest.fixture
async def cli_committee(
    stage: Stage, admin: int, clean_identity: AsyncEngine, lpse: Lpse, tmp_path: Path
) -> CliCommittee:
    """The ``committee`` fixture of the integration tests, set up with the CLI: three selection
    committee members whose keys ``member key create`` wrote, a tenant_admin who made the recovery
    key and chose committee custody with the commands; a tender announced so (2 of 3 plus the
    recovery share) with a bid, its submission closed."""
    engine, tenant = clean_identity, stage.tenant
    members = [stage.pokja] + [Actor(await _person(engine, "selection_committee"), tenant) for _ in range(2)]
    files = [tmp_path / f"member-{i}.pem" for i in range(len(members))]
    passphrases = [f"sandi anggota pokja {i}" for i in range(len(members))]
    shown = [key_file(lpse, f, p) for f, p in zip(files, passphrases, strict=True)]
    # The operator's commands run their own event loop: in a thread of their own, as from a shell.
    made = await asyncio.to_thread(
        lpse, "tenant", "recovery-key", "create", "--tenant", tenant.slug, "--as", ADMIN, "--json"
    )
    assert made.exit_code == 0, made.stderr
    recovery = json.loads(made.stdout)
    custody = await asyncio.to_thread(
        lpse, "tenant", "key-custody", "--tenant", tenant.slug, "--as", ADMIN, "--mode", "committee"
    )
    assert custody.exit_code == 0, custody.stderr
    assert "key custody committee, threshold a majority" in custody.stdout
    ppk = Actor(await _person(engine, "commitment_officer"), tenant)
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        for member, key in zip(members, shown, strict=True):
            await register_member_key(session, member, key["public_key"])
        rules = await custody_rules(session)
        tender_id = await _another_tender(session, stage, ppk)
    assert rules.recovery_fingerprint == recovery["fingerprint"]
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        await register_for_tender(session, stage.vendor, tender_id)
    keys = [load_member_key_pem(f.read_bytes(), p.encode()) for f, p in zip(files, passphrases, strict=True)]
    words = recovery["words"]
    committee = Committee(
        stage, tender_id, members, keys, Actor(admin, tenant), recovery_key_from_words(words)
    )
    await _bid(engine, committee, 2_300_000_000)
    await _close_submission(engine, tender_id)
    return CliCommittee(committee, files, passphrases, words)


@pytest.fixture
def hub_server(settings: Settings, tmp_path: Path) -> Iterator[LiveHub]:
    assert settings.database_url is not None
    with live_hub(settings.database_url, tmp_path / "hub", ISSUER=settings.issuer_url) as server:
        yield server


def token(client: AsyncTestClient, who: Actor) -> str:  # type: ignore[type-arg]
    """A real access token, signed by the hub's own key, as its token endpoint would issue it."""
    minted, _ = client.app.state.tokens.access_token(str(who.account_id), "test-client", "openid lpse")
    return str(minted)


def sharing(lpse: Lpse, server: LiveHub, c: CliCommittee) -> Callable[..., Result]:
    """``lpse-hub opening share`` of ``c``'s tender against ``server``."""
    where = ("--hub", server.url, "--tenant", c.committee.stage.tenant.slug)

    def share(*args: str, **env: str | None) -> Result:
        return lpse("opening", "share", *where, "--tender", str(c.committee.tender_id), *args, **env)

    return share


async def opened(engine: AsyncEngine, c: CliCommittee) -> bool:
    async with tenant_session(engine, c.committee.stage.tenant.schema) as session:
        status = await session.scalar(select(Tender.status).where(Tender.id == c.committee.tender_id))
    return status == "opened"


def test_member_key_create_writes_an_encrypted_0600_file_and_never_overwrites(
    lpse: Lpse, tmp_path: Path
) -> None:
    path = tmp_path / "anggota.pem"
    made = lpse("member", "key", "create", "--out", str(path), LPSE_HUB_KEY_PASSPHRASE="rahasia sekali")
    assert made.exit_code == 0, made.stderr
    public_line, fingerprint_line = made.stdout.splitlines()
    assert public_line.startswith("public_key  x25519:")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = path.read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in data
    key = load_member_key_pem(data, b"rahasia sekali")
    assert fingerprint_line == f"fingerprint {fingerprint(raw_public(key))}"

    again = lpse("member", "key", "create", "--out", str(path), LPSE_HUB_KEY_PASSPHRASE="lain")
    assert "never overwritten" in one_line_error(again, 2)
    assert path.read_bytes() == data
    # No passphrase and no terminal to ask on: nothing is written.
    bare = lpse("member", "key", "create", "--out", str(tmp_path / "polos.pem"))
    assert "LPSE_HUB_KEY_PASSPHRASE" in one_line_error(bare, 2)
    assert not (tmp_path / "polos.pem").exists()


async def test_members_rebuild_their_shares_from_key_files_and_the_second_opens_the_bids(
    cli_committee: CliCommittee,
    client: AsyncTestClient,  # type: ignore[type-arg]
    hub_server: LiveHub,
    lpse: Lpse,
    clean_identity: AsyncEngine,
    tmp_path: Path,
) -> None:
    """The issue's test: a share rebuilt by the member's CLI from its key file and passphrase."""
    c, share = cli_committee, sharing(lpse, hub_server, cli_committee)
    members = c.committee.members

    def as_member(i: int, passphrase: str | None = None, key: Path | None = None) -> Result:
        return share(
            "--key",
            str(key or c.files[i]),
            LPSE_HUB_TOKEN=token(client, members[i]),
            LPSE_HUB_KEY_PASSPHRASE=passphrase or c.passphrases[i],
        )

    first = as_member(0)
    assert first.exit_code == 0, first.stderr
    assert first.stdout.splitlines() == ["share of slot 0 given: 1 of 2 needed are in (slots 0)"]
    assert not await opened(clean_identity, c)

    wrong = as_member(2, passphrase="bukan sandinya")
    assert "wrong passphrase" in one_line_error(wrong, 2)
    # A new key made (and registered with the hub) after the announcement holds no share of it.
    stranger = tmp_path / "kunci-baru.pem"
    fresh = lpse(
        "member", "key", "create", "--out", str(stranger), "--register",
        "--hub", hub_server.url, "--tenant", c.committee.stage.tenant.slug,
        LPSE_HUB_KEY_PASSPHRASE="sandi orang lain", LPSE_HUB_TOKEN=token(client, members[2]),
    )  # fmt: skip
    assert fresh.exit_code == 0, fresh.stderr
    assert fresh.stdout.splitlines()[-1] == f"registered with kab-malang at {hub_server.url}"
    foreign = as_member(2, passphrase="sandi orang lain", key=stranger)
    assert "no share of tender" in one_line_error(foreign, 2)
    assert not await opened(clean_identity, c)

    last = as_member(2)
    assert last.exit_code == 0, last.stderr
    assert last.stdout.splitlines() == [
        "share of slot 2 given: 2 of 2 needed are in (slots 0, 2)",
        "opened: 1 bid",
    ]
    assert await opened(clean_identity, c)

    # Given again: the hub's refusal (a problem+json) as one line, with its reason.
    twice = share(
        "--key", str(c.files[0]), "--json",
        LPSE_HUB_TOKEN=token(client, members[0]), LPSE_HUB_KEY_PASSPHRASE=c.passphrases[0],
    )  # fmt: skip
    assert "the hub refused" in one_line_error(twice, 1)


async def test_the_recovery_share_is_given_from_the_words_and_opens_with_one_member(
    cli_committee: CliCommittee,
    client: AsyncTestClient,  # type: ignore[type-arg]
    hub_server: LiveHub,
    lpse: Lpse,
    clean_identity: AsyncEngine,
) -> None:
    c, share = cli_committee, sharing(lpse, hub_server, cli_committee)
    admin = token(client, c.committee.admin)
    no_token = share("--recovery", LPSE_HUB_RECOVERY_WORDS=c.words)
    assert "LPSE_HUB_TOKEN" in one_line_error(no_token, 2)
    words = c.words.split()
    words[5] = "academic" if words[5] != "academic" else "acid"  # one word misheard
    mistyped = " ".join(words)
    typo = share("--recovery", LPSE_HUB_TOKEN=admin, LPSE_HUB_RECOVERY_WORDS=mistyped)
    assert "recovery words do not read" in one_line_error(typo, 2)
    # A member's token does not give the recovery share: the hub says why, on one line.
    member = share(
        "--recovery", LPSE_HUB_TOKEN=token(client, c.committee.members[1]), LPSE_HUB_RECOVERY_WORDS=c.words
    )
    assert "tenant_admin" in one_line_error(member, 1)

    first = share("--recovery", "--json", LPSE_HUB_TOKEN=admin, LPSE_HUB_RECOVERY_WORDS=c.words)
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)["given"] == [3]
    again = share("--recovery", LPSE_HUB_TOKEN=admin, LPSE_HUB_RECOVERY_WORDS=c.words)
    assert one_line_error(again, 1).endswith("was given already (duplicate)\n")
    second = share(
        "--key", str(c.files[1]),
        LPSE_HUB_TOKEN=token(client, c.committee.members[1]), LPSE_HUB_KEY_PASSPHRASE=c.passphrases[1],
    )  # fmt: skip
    assert second.exit_code == 0, second.stderr
    assert second.stdout.splitlines()[-1] == "opened: 1 bid"
    assert await opened(clean_identity, c)


def test_opening_share_reports_an_unreachable_hub_on_one_line(lpse: Lpse, tmp_path: Path) -> None:
    path = tmp_path / "anggota.pem"
    key_file(lpse, path, "rahasia")
    args = ("opening", "share", "--hub", "http://127.0.0.1:9", "--tenant", "kab-malang", "--tender", "1")
    down = lpse(*args, "--key", str(path), LPSE_HUB_TOKEN="t", LPSE_HUB_KEY_PASSPHRASE="rahasia")
    assert "the hub did not answer" in one_line_error(down, 1)
    kept = tmp_path / "belum-terdaftar.pem"
    unregistered = lpse(
        "member", "key", "create", "--out", str(kept), "--register", "--hub", "http://127.0.0.1:9",
        "--tenant", "kab-malang", LPSE_HUB_TOKEN="t", LPSE_HUB_KEY_PASSPHRASE="rahasia",
    )  # fmt: skip
    assert f"the key is in {kept} but is not registered" in one_line_error(unregistered, 1)
    assert kept.exists()
    neither = lpse(*args, LPSE_HUB_TOKEN="t")
    assert "--key FILE or --recovery" in one_line_error(neither, 2)


def test_recovery_key_and_key_custody_commands_act_as_the_tenant_admin(
    stage: Stage, admin: int, lpse: Lpse, tmp_path: Path
) -> None:
    slug = stage.tenant.slug
    words = tmp_path / "pemulihan.txt"
    made = lpse(
        "tenant", "recovery-key", "create", "--tenant", slug, "--as", ADMIN, "--words-out", str(words)
    )
    assert made.exit_code == 0, made.stderr
    assert stat.S_IMODE(words.stat().st_mode) == 0o600
    key = recovery_key_from_words(words.read_text())
    assert f"fingerprint {fingerprint(raw_public(key))}" in made.stdout
    assert words.read_text().strip() not in made.stdout  # shown once: in the file only
    again = lpse(
        "tenant", "recovery-key", "create", "--tenant", slug, "--as", ADMIN, "--words-out", str(words)
    )
    assert "never overwritten" in one_line_error(again, 2)

    custody = lpse(
        "tenant", "key-custody", "--tenant", slug, "--as", ADMIN, "--mode", "committee", "--threshold", "3",
        "--json",
    )  # fmt: skip
    assert custody.exit_code == 0, custody.stderr
    assert json.loads(custody.stdout) == {
        "key_custody": "committee",
        "share_threshold": 3,
        "recovery_fingerprint": fingerprint(raw_public(key)),
    }
    bad = lpse("tenant", "key-custody", "--tenant", slug, "--as", ADMIN, "--mode", "pokja")
    assert "'hub' or 'committee'" in one_line_error(bad, 2)
    # Not a tenant_admin: refused on one line, and no words are left behind.
    other = tmp_path / "lain.txt"
    pokja = lpse(
        "tenant", "recovery-key", "create", "--tenant", slug, "--as", POKJA, "--words-out", str(other)
    )
    assert "this needs the role tenant_admin" in one_line_error(pokja, 1)
    assert not other.exists()


async def test_a_member_checks_at_announcement_that_a_share_opens_with_its_key(
    cli_committee: CliCommittee, hub_server: LiveHub, lpse: Lpse, tmp_path: Path
) -> None:
    """Sending nothing and needing no token: a share sealed to a key put in the member's place would
    show here, at announcement, not at the opening."""
    c = cli_committee
    where = (
        "--hub",
        hub_server.url,
        "--tenant",
        c.committee.stage.tenant.slug,
        "--tender",
        str(c.committee.tender_id),
    )
    checked = lpse(
        "opening", "check", *where, "--key", str(c.files[1]), LPSE_HUB_KEY_PASSPHRASE=c.passphrases[1]
    )
    assert checked.exit_code == 0, checked.stderr
    assert checked.stdout.startswith("share of slot 1 of tender")
    assert "opens with it; 2 shares open the tender" in checked.stdout
    recovered = lpse("opening", "check", *where, "--recovery", "--json", LPSE_HUB_RECOVERY_WORDS=c.words)
    assert recovered.exit_code == 0, recovered.stderr
    assert json.loads(recovered.stdout)["slot"] == 3
    other = tmp_path / "bukan-anggota.pem"
    assert (
        lpse("member", "key", "create", "--out", str(other), LPSE_HUB_KEY_PASSPHRASE="x y z").exit_code == 0
    )
    stranger = lpse("opening", "check", *where, "--key", str(other), LPSE_HUB_KEY_PASSPHRASE="x y z")
    assert "no share of tender" in one_line_error(stranger, 2)
