"""What the hub tells an application about a person: the claims of ID tokens and of userinfo.

A claim is released only under the scope that names it (OpenID Connect Core 5.4): ``profile``
the name, ``email`` the address, ``lpse`` the vendor the person acts for. Roles are never claims:
they are looked up at each request, in the tenant the request addresses.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.caller import Caller
from federation.identity.models import Account, AccountStatus
from federation.identity.policy import Scope
from hub.core.errors import Forbidden, InsufficientScope, InvalidToken

CLAIMS_SUPPORTED = (
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "name",
    "email",
    "email_verified",
    "vendor_id",
)


def profile_claims(account: Account, scopes: Iterable[str]) -> dict[str, Any]:
    """The claims about ``account`` that ``scopes`` release (``sub`` aside)."""
    granted = set(scopes)
    claims: dict[str, Any] = {}
    if Scope.PROFILE in granted:
        claims["name"] = account.name
    if Scope.EMAIL in granted:
        claims.update(email=account.email, email_verified=account.email_verified)
    if account.vendor_id is not None and Scope.PROCUREMENT in granted:
        claims["vendor_id"] = account.vendor_id
    return claims


async def userinfo(session: AsyncSession, caller: Caller) -> dict[str, Any]:
    """The userinfo answer for a caller's token: a person's, granted ``openid``.

    ``Forbidden`` for a machine client's token (nobody to tell about), ``InsufficientScope`` for a
    token without ``openid``, ``InvalidToken`` if the account is no longer active."""
    if caller.account_id is None:
        raise Forbidden("userinfo tells about a person; a machine client's token has nobody behind it")
    if Scope.OPENID not in caller.scopes:
        raise InsufficientScope("userinfo needs a token granted the openid scope", scopes=(Scope.OPENID,))
    account = await session.get(Account, caller.account_id)
    if account is None or account.status != AccountStatus.ACTIVE:
        raise InvalidToken("the account behind this token is disabled or gone")
    return {"sub": str(account.id), **profile_claims(account, caller.scopes)}
