"""The OpenID Connect provider's HTTP face: discovery, JWKS, authorize, token, revoke, userinfo.

The rules are authlib's and ours in ``federation.oidc.server``; this module only reads requests
in full, hands them over, and turns authlib's answers into responses.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlencode

from authlib.oauth2 import OAuth2Error
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.response import Redirect
from sqlalchemy import select

from federation.identity.caller import Caller
from federation.identity.models import Account
from federation.oidc.server import SCOPES, CapturedRequest, HubAuthorizationServer, db, profile_claims
from hub.core.database import hub_sessions
from hub.core.errors import Forbidden
from hub.web.pages import consent_page, error_page
from hub.web.sessions import account_in_session, check_csrf, csrf_token


async def capture(request: Request[Any, Any, State]) -> CapturedRequest:
    form: dict[str, list[str]] = {}
    if request.method == "POST":
        form = parse_qs((await request.body()).decode(errors="replace"), keep_blank_values=True)
    return CapturedRequest(
        request.method, str(request.url), request.headers, parse_qs(request.url.query), form
    )


def from_authlib(result: tuple[int, Any, list[tuple[str, str]]]) -> Response[Any]:
    status, body, headers = result
    header_map = dict(headers)
    if status == 302:
        return Redirect(header_map["Location"], status_code=302)
    return Response(
        body,
        status_code=status,
        headers={**header_map, "Cache-Control": "no-store"},
        media_type="application/json",
    )


CLAIMS = [
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
]


class OidcController(Controller):
    tags = ["openid"]  # noqa: RUF012

    @get("/.well-known/openid-configuration", summary="OpenID Provider metadata")
    async def discovery(self, state: State) -> dict[str, Any]:
        issuer: str = state.tokens.issuer
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/oauth/authorize",
            "token_endpoint": f"{issuer}/oauth/token",
            "userinfo_endpoint": f"{issuer}/oauth/userinfo",
            "revocation_endpoint": f"{issuer}/oauth/revoke",
            "jwks_uri": f"{issuer}/oauth/jwks",
            "scopes_supported": SCOPES,
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "claims_supported": CLAIMS,
        }

    @get("/oauth/jwks", summary="The public keys that verify the hub's tokens")
    async def jwks(self, state: State) -> Response[dict[str, Any]]:
        await state.tokens.refresh_if_stale()
        return Response(state.tokens.jwks(), headers={"Cache-Control": "public, max-age=60"})

    @get("/oauth/authorize", summary="Authorization endpoint (code flow with PKCE S256)")
    async def authorize(self, request: Request[Any, Any, State], state: State) -> Response[Any]:
        return await _authorize(request, state, decision=None)

    @post("/oauth/authorize", summary="The user's answer on the consent page", status_code=302)
    async def consent(self, request: Request[Any, Any, State], state: State) -> Response[Any]:
        form = parse_qs((await request.body()).decode(errors="replace"))
        check_csrf(request, (form.get("csrf") or [""])[0])
        return await _authorize(request, state, decision=(form.get("decision") or ["deny"])[0])

    @post("/oauth/token", summary="Token endpoint", status_code=200)
    async def token(self, request: Request[Any, Any, State], state: State) -> Response[Any]:
        server: HubAuthorizationServer = state.oauth
        captured = await capture(request)
        return from_authlib(await server.run(lambda: server.create_token_response(captured)))

    @post("/oauth/revoke", summary="Revocation endpoint (RFC 7009)", status_code=200)
    async def revoke(self, request: Request[Any, Any, State], state: State) -> Response[Any]:
        server: HubAuthorizationServer = state.oauth
        captured = await capture(request)
        return from_authlib(await server.run(lambda: server.create_endpoint_response("revocation", captured)))

    @get("/oauth/userinfo", summary="Claims about the logged-in person")
    async def userinfo(self, caller: NamedDependency[Caller], state: State) -> dict[str, Any]:
        if caller.account_id is None or "openid" not in caller.scopes:
            raise Forbidden("userinfo needs a person's token with the openid scope")
        async with hub_sessions(state.engine)() as session:
            account = await session.scalar(select(Account).where(Account.id == caller.account_id))
        assert account is not None  # provide_caller checked the account is active
        return {"sub": str(account.id), **profile_claims(account, " ".join(caller.scopes))}


async def _authorize(request: Request[Any, Any, State], state: State, decision: str | None) -> Response[Any]:
    server: HubAuthorizationServer = state.oauth
    captured = await capture(request)
    account_id = account_in_session(request)

    def validate() -> Any:
        return server.get_consent_grant(captured, end_user=None)

    try:
        grant = await server.run(validate)
    except OAuth2Error as error:
        # authlib redirects only to a redirect URI it has checked; otherwise the user sees the error.
        if getattr(error, "redirect_uri", None):
            return Redirect(f"{error.redirect_uri}?{urlencode(error.get_body())}", status_code=302)
        return Response(
            error_page("Permintaan ditolak / Request refused", error.get_error_description() or error.error),
            status_code=400,
            media_type="text/html",
        )
    if account_id is None:
        return Redirect(
            f"/login?{urlencode({'next': str(request.url.path) + '?' + request.url.query})}", status_code=302
        )
    client = grant.client
    if decision is None and not client.first_party:
        fields = {k: v[0] for k, v in parse_qs(request.url.query).items()}
        scopes = client.get_allowed_scope(fields.get("scope", "")).split()
        page = consent_page(client.name, scopes, fields, csrf_token(request))
        return Response(page, media_type="text/html")
    captured.auth_time = request.session.get("auth_time", int(time.time()))

    def respond() -> Any:
        user = None
        if decision in (None, "allow"):
            user = db().get(Account, account_id)
        return server.create_authorization_response(captured, grant_user=user, grant=grant)

    return from_authlib(await server.run(respond))
