"""Private key files on a person's own machine: written once, readable by their owner only, and the
passphrase that encrypts them (signing keys, member keys, recovery words)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from cli.command_runner import fail

PASSPHRASE_ENV = "LPSE_HUB_KEY_PASSPHRASE"


def write_new_file(path: Path, data: bytes, what: str) -> None:
    """Write ``data`` to ``path``, a file that must not exist yet, readable by its owner only (0600);
    a one-line error (exit 2) if it exists: ``what`` (``a member key``) is never overwritten."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise fail(f"{path} exists: {what} is never overwritten; choose another file", 2) from None
    except OSError as exc:
        raise fail(f"{path}: {exc.strerror or exc}") from None
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def new_passphrase(*, why: str) -> bytes:
    """A passphrase for a new key file: from ``$LPSE_HUB_KEY_PASSPHRASE``, else asked twice on the
    terminal; a one-line error (exit 2) without either, or when empty (``why`` says why it matters)."""
    given = os.environ.get(PASSPHRASE_ENV)
    if given:
        return given.encode("utf-8")
    if not sys.stdin.isatty():
        raise fail(f"give the passphrase in {PASSPHRASE_ENV} (no terminal to ask on)", 2)
    typed: str = typer.prompt("passphrase", hide_input=True, confirmation_prompt=True)
    if not typed:
        raise fail(f"the passphrase cannot be empty: {why}", 2)
    return typed.encode("utf-8")


def passphrase_of(path: Path) -> bytes | None:
    """The passphrase of the key file ``path``: from ``$LPSE_HUB_KEY_PASSPHRASE``, else asked on the
    terminal; ``None`` without either."""
    given = os.environ.get(PASSPHRASE_ENV)
    if given:
        return given.encode("utf-8")
    if sys.stdin.isatty():
        typed: str = typer.prompt(f"passphrase of {path}", hide_input=True)
        return typed.encode("utf-8")
    return None
