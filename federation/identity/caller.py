"""The verified subject of an access token, as services see it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: a person's account, or a machine client acting as itself."""

    account_id: int | None
    """``None`` for a machine client (client credentials grant): it acts as itself, not as a person."""
    client_id: str
    scopes: frozenset[str]
    token_id: str
