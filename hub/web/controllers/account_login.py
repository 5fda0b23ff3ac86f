"""Logging in to the vendor workspace through the hub's own OpenID provider, and out everywhere.

``/akun/masuk`` starts the authorization request (``hub.web.web_client``); the provider asks for
the password (or the upstream provider) as it does for any client, and sends the browser back to
``/akun/masuk/kembali``, which finishes the login and sets the session. ``POST /keluar`` ends it:
the session, and every token family of the account (its other browsers, the CLI's refresh tokens).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromQuery
from litestar.response import Redirect

from federation.oidc.grants import revoke_families_of
from federation.oidc.server import HubAuthorizationServer
from hub.core.errors import InvalidInput, InvalidToken
from hub.web.controllers.login import safe_next
from hub.web.controllers.portal import Reader
from hub.web.edge import form_fields
from hub.web.sessions import account_in_session, check_csrf, log_in, log_out
from hub.web.web_client import ensure_web_client, finish_login, start_login


class AccountLoginController(Controller):
    include_in_schema = False

    @get("/akun/masuk", summary="Log in to the vendor workspace (OpenID Connect, code with PKCE)")
    async def start(self, request: Request[Any, Any, State], next: FromQuery[str] = "/akun") -> Redirect:
        await ensure_web_client(request.app.state)
        return Redirect(start_login(request, safe_next(next)), status_code=302)

    @get("/akun/masuk/kembali", summary="The provider's answer: finish the login")
    async def callback(self, request: Request[Any, Any, State]) -> Response[Any]:
        # ``state`` is read from the query by hand: Litestar reserves the name for the app's state.
        reader = Reader(request)
        params = request.query_params
        code, returned_state = params.get("code", ""), params.get("state", "")
        if params.get("error") or not code:
            return reader.error(400, reader.t("login.refused"))
        try:
            login = await finish_login(request, code, returned_state)
        except (InvalidInput, InvalidToken):
            return reader.error(400, reader.t("login.failed"))
        log_in(request, login.account_id, family=login.family)
        return Redirect(login.next_url, status_code=303)

    @post("/keluar", summary="Log out here and everywhere", status_code=303)
    async def log_out_everywhere(self, request: Request[Any, Any, State]) -> Redirect:
        form = {k: v[0] for k, v in form_fields(await request.body()).items()}
        check_csrf(request, form.get("csrf", ""))
        account_id = account_in_session(request)
        if account_id is not None:
            server: HubAuthorizationServer = request.app.state.oauth
            seconds = server.tokens.token_seconds
            await server.run(lambda: revoke_families_of(account_id, seconds))
        log_out(request)
        return Redirect("/", status_code=303)
