"""Who is calling: the account behind a request's bearer access token.

``provide_caller`` is the dependency for routes that need a logged-in caller; it raises
``Unauthenticated`` (401) without a valid token. Authorisation (the caller's roles in the tenant of
the path) is a separate step: ``federation.identity.authorization.require_role``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Caller:
    """The verified subject of an access token."""

    account_id: int | None
    """``None`` for a machine client (client credentials grant): it acts as itself, not as a person."""
    client_id: str
    scopes: frozenset[str]
    token_id: str
