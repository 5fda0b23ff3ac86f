"""The OpenID Connect provider's HTTP face: discovery, JWKS, authorize, token, revoke, userinfo.

The rules are authlib's and ours in ``federation.oidc``; this module only reads requests in full,
hands them over, and turns authlib's answers into responses.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.errors import InsecureTransportError
from litestar import Controller, HttpMethod, MediaType, Request, Response, get, post, route
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.caller import Caller
from federation.identity.models import Account
from federation.identity.policy import SUPPORTED_SCOPES, Scope
from federation.oidc.authlib_bridge import CapturedRequest, db
from federation.oidc.claims import CLAIMS_SUPPORTED, userinfo
from federation.oidc.server import HubAuthorizationServer
from hub.core.errors import InvalidInput
from hub.web.edge import form_fields
from hub.web.openapi import BEARER, problem_responses
from hub.web.pages import consent_page, error_page
from hub.web.schemas.oidc import (
    JsonWebKeySet,
    OAuthError,
    ProviderMetadata,
    Revoked,
    TokenResponse,
    UserInfo,
)
from hub.web.security_headers import allow_form_redirect
from hub.web.sessions import account_in_session, check_csrf, csrf_token

AuthlibAnswer = tuple[int, Any, list[tuple[str, str]]]
S = TypeVar("S", TokenResponse, Revoked)


async def capture(request: Request[Any, Any, State]) -> CapturedRequest:
    """The request as authlib reads it. authlib refuses plain http except on loopback (RFC 6749
    3.1, 3.2: the endpoints carry credentials): that is the caller's transport, a 400 naming it."""
    form: dict[str, list[str]] = {}
    if request.method == "POST":
        form = form_fields(await request.body())
    try:
        return CapturedRequest(
            request.method, str(request.url), request.headers, parse_qs(request.url.query), form
        )
    except InsecureTransportError:
        raise InvalidInput(
            "OAuth endpoints answer over HTTPS only (plain http only on localhost); behind a proxy "
            "that ends TLS, name it in LPSE_HUB_TRUSTED_PROXIES so its X-Forwarded-Proto counts",
            field="url",
        ) from None


def oauth_answer(result: AuthlibAnswer, success: Callable[[dict[str, Any]], S]) -> Response[S | OAuthError]:
    """authlib's answer of the token or revocation endpoint as a typed body, never cached."""
    status, body, headers = result
    typed = success(body) if status == 200 else OAuthError.of(body)
    return Response(
        typed,
        status_code=status,
        headers={**dict(headers), "Cache-Control": "no-store"},
        media_type="application/json",
    )


def oauth_errors(success: ResponseSpec) -> dict[int, ResponseSpec]:
    """The OpenAPI description of a token or revocation endpoint: ``success`` and the RFC 6749 errors."""

    def error(meaning: str) -> ResponseSpec:
        return ResponseSpec(OAuthError, description=meaning, generate_examples=False)

    return {
        200: success,
        400: error("The request was refused: `error` names why (RFC 6749, section 5.2)."),
        401: error("The client did not authenticate (`invalid_client`)."),
    }


def _page(meaning: str) -> ResponseSpec:
    return ResponseSpec(str, media_type=MediaType.HTML, description=meaning, generate_examples=False)


_BACK = "To the login page, or back to the client's redirect URI with `code` or an OAuth `error`."
AUTHORIZE_RESPONSES = {
    200: _page("The consent page: what the client asks to do in the person's name, scope by scope."),
    302: ResponseSpec(None, description=_BACK),
    400: _page("Refused, and not sent back to the client: an unknown client or redirect URI."),
}


class OidcController(Controller):
    tags = ["openid"]  # noqa: RUF012

    @get("/.well-known/openid-configuration", summary="OpenID Provider metadata")
    async def discovery(self, state: State) -> ProviderMetadata:
        issuer: str = state.tokens.issuer
        return ProviderMetadata(
            issuer=issuer,
            authorization_endpoint=f"{issuer}/oauth/authorize",
            token_endpoint=f"{issuer}/oauth/token",
            userinfo_endpoint=f"{issuer}/oauth/userinfo",
            revocation_endpoint=f"{issuer}/oauth/revoke",
            jwks_uri=f"{issuer}/oauth/jwks",
            scopes_supported=list(SUPPORTED_SCOPES),
            response_types_supported=["code"],
            grant_types_supported=["authorization_code", "refresh_token", "client_credentials"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["ES256"],
            code_challenge_methods_supported=["S256"],
            token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post", "none"],
            claims_supported=list(CLAIMS_SUPPORTED),
        )

    @get("/oauth/jwks", summary="The public keys that verify the hub's tokens")
    async def jwks(self, state: State) -> Response[JsonWebKeySet]:
        await state.tokens.refresh_if_stale()
        return Response(
            JsonWebKeySet.of(state.tokens.jwks()), headers={"Cache-Control": "public, max-age=60"}
        )

    @get(
        "/oauth/authorize",
        summary="Authorization endpoint (code flow with PKCE S256)",
        responses=AUTHORIZE_RESPONSES,
    )
    async def authorize(self, request: Request[Any, Any, State], state: State) -> Response[Any]:
        return await _authorize(request, state, decision=None)

    @post(
        "/oauth/authorize",
        summary="The user's answer on the consent page",
        status_code=302,
        responses={302: AUTHORIZE_RESPONSES[302], 400: AUTHORIZE_RESPONSES[400], **problem_responses(403)},
    )
    async def consent(self, request: Request[Any, Any, State], state: State) -> Response[Any]:
        form = form_fields(await request.body(), keep_blank_values=False)
        check_csrf(request, (form.get("csrf") or [""])[0])
        return await _authorize(request, state, decision=(form.get("decision") or ["deny"])[0])

    @post(
        "/oauth/token",
        summary="Token endpoint",
        status_code=200,
        responses=oauth_errors(
            ResponseSpec(TokenResponse, description="The tokens granted.", generate_examples=False)
        ),
    )
    async def token(
        self, request: Request[Any, Any, State], state: State
    ) -> Response[TokenResponse | OAuthError]:
        server: HubAuthorizationServer = state.oauth
        captured = await capture(request)
        return oauth_answer(
            await server.run(lambda: server.create_token_response(captured)), TokenResponse.of
        )

    @post(
        "/oauth/revoke",
        summary="Revocation endpoint (RFC 7009); a refresh token revokes every token of its family",
        status_code=200,
        responses=oauth_errors(
            ResponseSpec(Revoked, description="Revoked, or not a token of ours.", generate_examples=False)
        ),
    )
    async def revoke(self, request: Request[Any, Any, State], state: State) -> Response[Revoked | OAuthError]:
        server: HubAuthorizationServer = state.oauth
        captured = await capture(request)
        answer = await server.run(lambda: server.create_endpoint_response("revocation", captured))
        return oauth_answer(answer, Revoked.of)

    @route(
        "/oauth/userinfo",
        http_method=[HttpMethod.GET, HttpMethod.POST],
        status_code=200,
        summary="Claims about the person behind the token (GET or POST, OpenID Connect Core 5.3.1)",
        security=[{BEARER: [Scope.OPENID.value]}],
        responses=problem_responses(401, 403),
    )
    async def userinfo(
        self, caller: NamedDependency[Caller], db_session: NamedDependency[AsyncSession]
    ) -> UserInfo:
        return UserInfo.of(await userinfo(db_session, caller))


async def checked_redirect_uri(request: Request[Any, Any, State], state: State, url: str) -> str | None:
    """The redirect URI of the authorization request ``url`` (a path of this hub), once the
    authorization server has checked it against the client's; ``None`` for anything else."""
    path, _, query = url.partition("?")
    if path != "/oauth/authorize":
        return None
    server: HubAuthorizationServer = state.oauth
    here = request.url  # as the authorization request itself will be read (``capture``)
    try:
        captured = CapturedRequest(
            "GET", f"{here.scheme}://{here.netloc}{url}", request.headers, parse_qs(query), {}
        )
        grant = await server.run(lambda: server.get_consent_grant(captured, end_user=None))
    except OAuth2Error:
        return None
    redirect_uri: str | None = grant.redirect_uri
    return redirect_uri


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
        allow_form_redirect(request, grant.redirect_uri)  # the answer ends in a redirect there
        return Response(page, media_type="text/html")
    captured.auth_time = request.session.get("auth_time", int(time.time()))

    def respond() -> Any:
        user = None
        if decision in (None, "allow"):
            user = db().get(Account, account_id)
        return server.create_authorization_response(captured, grant_user=user, grant=grant)

    status, body, headers = await server.run(respond)
    if status == 302:
        return Redirect(dict(headers)["Location"], status_code=302)
    detail = body.get("error_description") or body.get("error") if isinstance(body, dict) else None
    page = error_page("Permintaan ditolak / Request refused", str(detail or "the request was refused"))
    return Response(page, status_code=status, media_type="text/html")
