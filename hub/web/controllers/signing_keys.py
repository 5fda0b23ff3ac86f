"""Vendors' signing keys over HTTP: the vendor's own users register, rotate, revoke and list them;
anyone reads a vendor's public keys, to check its bids' signatures."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.caller import Caller
from federation.identity.policy import Action
from federation.vendors import own_signing_keys, public_signing_keys, register_signing_key, revoke_signing_key
from hub.web.auth import requires
from hub.web.controllers.vendors import VendorId
from hub.web.openapi import problem_responses
from hub.web.schemas.bids import KEY_ID_PATTERN
from hub.web.schemas.vendors import (
    PublicSigningKeyView,
    SigningKeyRegistration,
    SigningKeyRevocation,
    SigningKeyView,
)

KeyId = Annotated[
    str, PathParameter(pattern=KEY_ID_PATTERN, description="The key's id, e.g. `9f2c:41d0:...` (8 groups).")
]


def _account(caller: Caller) -> int:
    assert caller.account_id is not None  # the route's rule admits persons only
    return caller.account_id


class SigningKeyController(Controller):
    path = "/api/vendors"
    tags = ["vendors"]  # noqa: RUF012

    @post(
        "/me/signing-keys",
        summary="Register a signing key made on the caller's machine for its vendor (with replaces: "
        "rotate, revoking the old key)",
        **requires(Action.VENDOR_KEYS, errors=(400, 404, 409)),
    )
    async def register(
        self,
        data: JSONBody[SigningKeyRegistration],
        caller: NamedDependency[Caller],
        hub_transaction: NamedDependency[AsyncSession],
    ) -> SigningKeyView:
        key = await register_signing_key(
            hub_transaction, _account(caller), data.public_key, replaces=data.replaces
        )
        return SigningKeyView.of(key)

    @get(
        "/me/signing-keys",
        summary="Every signing key of the caller's vendor, revoked ones too",
        **requires(Action.VENDOR_KEYS),
    )
    async def own(
        self, caller: NamedDependency[Caller], db_session: NamedDependency[AsyncSession]
    ) -> list[SigningKeyView]:
        return [SigningKeyView.of(key) for key in await own_signing_keys(db_session, _account(caller))]

    @post(
        "/me/signing-keys/{key_id:str}/revoke",
        summary="Revoke a signing key of the caller's vendor from now on (bids it signed before stay valid)",
        **requires(Action.VENDOR_KEYS, errors=(400, 404, 409)),
    )
    async def revoke(
        self,
        key_id: KeyId,
        data: JSONBody[SigningKeyRevocation],
        caller: NamedDependency[Caller],
        hub_transaction: NamedDependency[AsyncSession],
    ) -> SigningKeyView:
        key = await revoke_signing_key(hub_transaction, _account(caller), key_id, data.reason)
        return SigningKeyView.of(key)

    @get(
        "/{vendor_id:int}/signing-keys",
        summary="A verified vendor's signing keys, revoked ones too (public: anyone checks its bids)",
        responses=problem_responses(400, 404),
    )
    async def public(
        self, vendor_id: VendorId, db_session: NamedDependency[AsyncSession]
    ) -> list[PublicSigningKeyView]:
        return [PublicSigningKeyView.of(key) for key in await public_signing_keys(db_session, vendor_id)]
