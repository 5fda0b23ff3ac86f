"""``lpse-hub member key create`` and ``lpse-hub opening share``: a committee member's side of a
committee-held tender key (issue 16), on the member's own machine.

``member key create`` makes the member's X25519 key: the private half goes to a file only its owner
can read (mode 0600, PKCS#8 PEM, always encrypted under a passphrase from ``LPSE_HUB_KEY_PASSPHRASE``
or a prompt), the public half and its fingerprint are printed, to register with the hub (``--register``
does it: ``POST /api/member-keys``).

``opening share`` gives the member's share of a closed tender back: it asks the hub for the opening's
one-time key, unseals the share sealed to the member's key (or, with ``--recovery``, to the LPSE's
recovery key typed from its 33 words), seals it again to the one-time key and sends it. The private
key never leaves the machine; the hub sees the share only sealed to its one-time key.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from cli.command_runner import exit_code, fail, print_json, stdout
from cli.key_files import PASSPHRASE_ENV, new_passphrase, passphrase_of, write_new_file
from cli.options import JsonOption
from hub.core.errors import HubError, InvalidInput
from tenants.sealing.key_shares import (
    decode_member_public_key,
    decode_sealed,
    encode_sealed,
    holder_context,
    load_member_key_pem,
    member_key_pem,
    new_x25519_key,
    raw_public,
    recovery_key_from_words,
    reseal_for_opening,
    unseal_share,
)
from tenants.sealing.tender_keys import encode_public_key, fingerprint

TOKEN_ENV = "LPSE_HUB_TOKEN"
RECOVERY_WORDS_ENV = "LPSE_HUB_RECOVERY_WORDS"
TIMEOUT = 60.0
"""Seconds for each request: the last share given opens every bid before the hub answers."""

member = typer.Typer(no_args_is_help=True, help="A committee member's key, made and kept on its own machine.")
member_key = typer.Typer(
    no_args_is_help=True, help="A member's X25519 key, to which tender key shares are sealed."
)
opening = typer.Typer(no_args_is_help=True, help="Give one's share of a closed tender's key for its opening.")
member.add_typer(member_key, name="key")

HubOption = Annotated[
    str, typer.Option("--hub", help="The hub's base URL, e.g. https://lpse.jatimprov.go.id.")
]
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar=TOKEN_ENV,
        show_envvar=True,
        help="Your access token (a bearer token).",
        show_default=False,
    ),
]


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Our errors, and the network's, as one line and an exit code (2: input to correct)."""
    try:
        yield
    except HubError as exc:
        raise fail(exc.detail, exit_code(exc)) from None
    except httpx.HTTPError as exc:
        raise fail(f"the hub did not answer: {exc or type(exc).__name__}") from None
    except OSError as exc:
        raise fail(f"{getattr(exc, 'filename', None) or ''}: {exc.strerror or exc}".lstrip(": ")) from None


# --- member key create -------------------------------------------------------------------------------


@member_key.command("create")
def create(
    out: Annotated[
        Path, typer.Option(dir_okay=False, help="Where to write the private key (never overwritten).")
    ],
    register: Annotated[
        bool, typer.Option("--register", help="Also register the public half with the hub (--hub, --tenant).")
    ] = False,
    hub: Annotated[str | None, typer.Option("--hub", help="The hub's base URL, for --register.")] = None,
    tenant: Annotated[
        str | None, typer.Option("--tenant", "-t", help="The tenant's slug, for --register.")
    ] = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make an X25519 member key: the private half to ``--out`` (mode 0600, encrypted under a
    passphrase from ``$LPSE_HUB_KEY_PASSPHRASE`` or asked for twice), the public half and its
    fingerprint printed, to register with the hub."""
    if register and not (hub and tenant and token):
        raise fail(f"--register needs --hub, --tenant and a token (--token or ${TOKEN_ENV})", 2)
    if out.exists():
        raise fail(f"{out} exists: a member key is never overwritten; choose another file", 2)
    passphrase = new_passphrase(why="a member key is always encrypted")
    private = new_x25519_key()
    with one_line_errors():
        pem = member_key_pem(private, passphrase)
    write_new_file(out, pem, "a member key")
    public_raw = raw_public(private)
    shown: dict[str, Any] = {
        "public_key": encode_public_key(public_raw),
        "fingerprint": fingerprint(public_raw),
    }
    if register:
        assert hub is not None
        assert tenant is not None
        assert token is not None
        try:
            shown["registered"] = _call(
                hub, token, f"/t/{tenant}/api/member-keys", {"public_key": shown["public_key"]}
            )
        except (HubError, httpx.HTTPError) as exc:
            problem = exc.detail if isinstance(exc, HubError) else f"the hub did not answer: {exc}"
            raise fail(f"the key is in {out} but is not registered: {problem}") from None
    if as_json:
        print_json({**shown, "file": str(out)})
        return
    stdout.print(f"public_key  {shown['public_key']}", markup=False, soft_wrap=True)
    stdout.print(f"fingerprint {shown['fingerprint']}", markup=False, soft_wrap=True)
    if register:
        stdout.print(f"registered with {tenant} at {hub}", markup=False, soft_wrap=True)


def read_member_key(path: Path) -> X25519PrivateKey:
    """The member key of a file ``member key create`` wrote, opened with its passphrase (from
    ``$LPSE_HUB_KEY_PASSPHRASE`` or asked for); ``InvalidInput`` when it does not open."""
    data = path.read_bytes()
    passphrase = passphrase_of(path)
    if passphrase is None:
        raise InvalidInput(f"give the passphrase of {path} in {PASSPHRASE_ENV} (no terminal to ask on)")
    return load_member_key_pem(data, passphrase)


def read_recovery_words() -> X25519PrivateKey:
    """The LPSE's recovery key from its 33 words (``$LPSE_HUB_RECOVERY_WORDS`` or asked for)."""
    words = os.environ.get(RECOVERY_WORDS_ENV)
    if not words:
        if not sys.stdin.isatty():
            raise InvalidInput(f"give the 33 recovery words in {RECOVERY_WORDS_ENV} (no terminal to ask on)")
        words = typer.prompt("the 33 recovery words", hide_input=True)
    return recovery_key_from_words(words)


# --- opening share -----------------------------------------------------------------------------------


class HubRefused(HubError):
    """A problem+json answer of the hub, as one line: its detail, and its reason when it has one."""


TenantSlugOption = Annotated[
    str, typer.Option("--tenant", "-t", help="The tenant's slug.", show_default=False)
]
TenderOption = Annotated[int, typer.Option(min=1, help="The tender's id.", show_default=False)]
KeyFileOption = Annotated[
    Path | None,
    typer.Option(
        "--key",
        exists=True,
        dir_okay=False,
        readable=True,
        help=f"Your member key file (member key create); passphrase from ${PASSPHRASE_ENV} or a prompt.",
    ),
]
RecoveryOption = Annotated[
    bool,
    typer.Option(
        "--recovery",
        help=f"The recovery share, with the LPSE's 33 words (${RECOVERY_WORDS_ENV} or a prompt).",
    ),
]


def _one_holder(key: Path | None, recovery: bool) -> None:
    if (key is None) == (not recovery):
        raise fail("give either --key FILE or --recovery", 2)


@opening.command("share")
def share(
    hub: HubOption,
    tenant: TenantSlugOption,
    tender: TenderOption,
    key: KeyFileOption = None,
    recovery: RecoveryOption = False,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give your share of a closed tender's key back: unsealed here with your key, sealed again to the
    opening's one-time key, sent to the hub. The share that reaches the threshold opens the bids."""
    _one_holder(key, recovery)
    if not token:
        raise fail(f"give your access token in {TOKEN_ENV} or --token", 2)
    with one_line_errors():
        holder = read_member_key(key) if key is not None else read_recovery_words()
        mine = fingerprint(raw_public(holder))
        base = f"/t/{tenant}/api/tenders/{tender}"
        code = _tenant_code(hub, tenant)
        made = _call(hub, token, f"{base}/opening-key", None)
        slot, sealed = _my_share(made, mine, recovery=recovery, tender=tender)
        resealed = reseal_for_opening(
            decode_sealed(sealed),
            holder,
            decode_member_public_key(str(made["opening_key"])),
            tenant_code=code,
            tender_id=tender,
            slot=slot,
        )
        outcome = _call(hub, token, f"{base}/key-shares/{slot}", {"sealed_share": encode_sealed(resealed)})
    if as_json:
        print_json(outcome)
        return
    given, threshold = outcome.get("given", []), outcome.get("threshold")
    stdout.print(
        f"share of slot {slot} given: {len(given)} of {threshold} needed are in (slots "
        f"{', '.join(str(s) for s in given)})",
        markup=False,
        soft_wrap=True,
    )
    if outcome.get("opened"):
        bids = (outcome.get("opening") or {}).get("bids") or []
        stdout.print(f"opened: {len(bids)} bid{'' if len(bids) == 1 else 's'}", markup=False, soft_wrap=True)


@opening.command("check")
def check(
    hub: HubOption,
    tenant: TenantSlugOption,
    tender: TenderOption,
    key: KeyFileOption = None,
    recovery: RecoveryOption = False,
    as_json: JsonOption = False,
) -> None:
    """Right after the announcement, check that a share of the tender's key is sealed to your key and
    opens with it, here, sending nothing: a share sealed to a key put in your place shows now, not at
    the opening. The public list of shares is read without a token; your share stays sealed at the hub."""
    _one_holder(key, recovery)
    with one_line_errors():
        holder = read_member_key(key) if key is not None else read_recovery_words()
        mine = fingerprint(raw_public(holder))
        code = _tenant_code(hub, tenant)
        with httpx.Client(base_url=hub, timeout=TIMEOUT) as http:
            listed = _json(http.get(f"/t/{tenant}/api/tenders/{tender}/key-shares"))
        slot, sealed = _my_share(listed, mine, recovery=recovery, tender=tender)
        unseal_share(decode_sealed(sealed), holder, context=holder_context(code, tender, slot))
    shown = {
        "tender": tender,
        "slot": slot,
        "fingerprint": mine,
        "threshold": listed.get("threshold"),
        "ok": True,
    }
    if as_json:
        print_json(shown)
        return
    stdout.print(
        f"share of slot {slot} of tender {tender} is sealed to your key ({mine}) and opens with it; "
        f"{listed.get('threshold')} shares open the tender",
        markup=False,
        soft_wrap=True,
    )


def _my_share(made: dict[str, Any], mine: str, *, recovery: bool, tender: int) -> tuple[int, str]:
    """The slot and sealed share of the holder whose key's fingerprint is ``mine``."""
    for entry in made.get("shares") or []:
        if (entry.get("holder") == "recovery") == recovery and entry.get("fingerprint") == mine:
            return int(entry["slot"]), str(entry["sealed_share"])
    if recovery:
        raise InvalidInput(
            f"no share of tender {tender} is sealed to this recovery key ({mine}): another LPSE's words, "
            "or the tender was announced before this recovery key"
        )
    raise InvalidInput(f"no share of tender {tender} is sealed to this key ({mine})")


def _tenant_code(hub: str, slug: str) -> str:
    """The tenant's code, which a share's sealing is bound to, from the hub's public list."""
    with httpx.Client(base_url=hub, timeout=TIMEOUT) as http:
        answer = http.get("/api/tenants")
    for entry in _json(answer):
        if isinstance(entry, dict) and entry.get("slug") == slug:
            return str(entry["code"])
    raise InvalidInput(f"the hub at {hub} has no active tenant {slug!r}")


def _call(hub: str, token: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
    with httpx.Client(base_url=hub, timeout=TIMEOUT) as http:
        answer = http.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
    data = _json(answer)
    if not isinstance(data, dict):
        raise HubRefused(f"{path}: the hub answered {answer.status_code} with an unexpected body")
    return data


def _json(answer: httpx.Response) -> Any:
    """The answer's JSON; a problem+json (or any error) as ``HubRefused``, one line."""
    try:
        data = answer.json()
    except ValueError:
        data = None
    if answer.is_success and data is not None:
        return data
    if isinstance(data, dict) and data.get("detail"):
        reason = f" ({data['reason']})" if data.get("reason") else ""
        raise HubRefused(f"the hub refused: {' '.join(str(data['detail']).split())}{reason}")
    raise HubRefused(
        f"the hub answered {answer.status_code} {answer.reason_phrase} to {answer.request.url.path}"
    )
