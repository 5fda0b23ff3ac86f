"""``/login/upstream``: log in here through the configured upstream OpenID provider."""

from __future__ import annotations

import secrets
from typing import Any

from authlib.integrations.base_client.errors import OAuthError
from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.params import FromQuery
from litestar.response import Redirect

from federation.identity.upstream import UpstreamProvider, account_for_upstream
from hub.core.database import hub_sessions
from hub.core.errors import HubError, NotFound
from hub.web.controllers.login import safe_next
from hub.web.pages import error_page
from hub.web.problems import status_of
from hub.web.sessions import log_in


def _provider(state: State) -> UpstreamProvider:
    upstream: UpstreamProvider | None = getattr(state, "upstream", None)
    if upstream is None:
        raise NotFound("no upstream login is configured on this hub")
    return upstream


class UpstreamLoginController(Controller):
    path = "/login/upstream"
    tags = ["login"]  # noqa: RUF012

    @get("/", include_in_schema=False)
    async def start(
        self, request: Request[Any, Any, State], state: State, next: FromQuery[str] = "/"
    ) -> Redirect:
        upstream = _provider(state)
        meta = await upstream.metadata()
        verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
        url, flow_state = upstream.client().create_authorization_url(
            meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
        request.set_session(
            {
                **request.session,
                "upstream": {
                    "state": flow_state,
                    "verifier": verifier,
                    "nonce": nonce,
                    "next": safe_next(next),
                },
            }
        )
        return Redirect(url, status_code=302)

    @get("/callback", include_in_schema=False)
    async def callback(self, request: Request[Any, Any, State], state: State) -> Response[Any]:
        upstream = _provider(state)
        flow = request.session.get("upstream") or {}
        if not flow or request.query_params.get("state") != flow.get("state"):
            return _refused("the login answer does not match a login started here; start again")
        if error := request.query_params.get("error"):
            return _refused(f"{upstream.name} refused the login: {error}")
        meta = await upstream.metadata()
        try:
            async with upstream.client() as client:
                token = await client.fetch_token(
                    meta["token_endpoint"],
                    code=request.query_params.get("code", ""),
                    code_verifier=flow["verifier"],
                )
            claims = await upstream.verified_claims(token["id_token"], flow["nonce"])
            async with hub_sessions(state.engine)() as session, session.begin():
                account = await account_for_upstream(session, upstream.issuer, claims)
        except (OAuthError, KeyError) as exc:
            return _refused(f"{upstream.name} did not complete the login ({exc})")
        except HubError as exc:
            return _refused(exc.detail, status_of(exc))
        log_in(request, account.id)
        return Redirect(flow.get("next", "/"), status_code=303)


def _refused(detail: str, status: int = 400) -> Response[str]:
    return Response(
        error_page("Login gagal / Login failed", detail), status_code=status, media_type="text/html"
    )
