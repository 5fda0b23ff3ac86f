"""Logging in to the hub with email and password (and, when configured, through an upstream provider)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromQuery
from litestar.response import Redirect

from federation.identity.login import LoginAttempt, authenticate
from federation.vendors.logins import note_vendor_login
from hub.core.database import hub_sessions
from hub.core.errors import TooManyAttempts, Unauthenticated
from hub.web.controllers.oidc import checked_redirect_uri
from hub.web.devices import DeviceCookies
from hub.web.edge import form_fields
from hub.web.pages import login_page
from hub.web.security_headers import allow_form_redirect
from hub.web.sessions import check_csrf, csrf_token, log_in, log_out


def safe_next(next_url: str | None) -> str:
    """Only a path on this site: never an open redirect to somewhere else."""
    if not next_url or not next_url.startswith("/") or next_url.startswith("//") or "\\" in next_url:
        return "/"
    return next_url


def client_address(request: Request[Any, Any, Any]) -> str:
    """The TCP peer, or the client a trusted proxy names (``LPSE_HUB_TRUSTED_PROXIES``, applied
    by ``hub.web.app`` before any handler runs)."""
    return request.client.host if request.client else "unknown"


def wants_problem(request: Request[Any, Any, Any]) -> bool:
    """A program (``Accept: application/json``) gets problem+json; a browser gets the page."""
    preferred = request.accept.best_match(["text/html", "application/problem+json", "application/json"])
    return preferred is not None and preferred != "text/html"


def throttled_notice(seconds: int) -> str:
    """What the login page says to a throttled browser, in Indonesian first as the page is."""
    return (
        f"Terlalu banyak percobaan masuk yang gagal; coba lagi dalam {seconds} detik. "
        f"/ Too many failed logins; try again in {seconds} seconds."
    )


class LoginController(Controller):
    tags = ["login"]  # noqa: RUF012

    def _upstream_name(self, state: State) -> str | None:
        upstream = getattr(state, "upstream", None)
        return upstream.name if upstream is not None else None

    async def _page(
        self,
        request: Request[Any, Any, State],
        state: State,
        next_url: str,
        notice: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
    ) -> Response[str]:
        """The login page, saying why the last try did not log in (``notice``). When logging in
        continues an authorization request, the form ends in a redirect to that client: the page's
        policy names the client's checked redirect URI."""
        redirect_uri = await checked_redirect_uri(request, state, next_url)
        if redirect_uri is not None:
            allow_form_redirect(request, redirect_uri)
        page = login_page(next_url, csrf_token(request), notice, self._upstream_name(state))
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return Response(page, status_code=status, media_type="text/html", headers=headers)

    @get("/login", summary="The login page", include_in_schema=False)
    async def form(
        self, request: Request[Any, Any, State], state: State, next: FromQuery[str] = "/"
    ) -> Response[str]:
        return await self._page(request, state, safe_next(next))

    @post("/login", summary="Check email and password; start a session", include_in_schema=False)
    async def submit(self, request: Request[Any, Any, State], state: State) -> Response[str]:
        form = {k: v[0] for k, v in form_fields(await request.body()).items()}
        next_url = safe_next(form.get("next"))
        check_csrf(request, form.get("csrf", ""))
        email = form.get("email", "")
        devices = DeviceCookies(state.master, state.tokens.issuer)
        attempt = LoginAttempt(
            email, form.get("password", ""), client_address(request), devices.device_for(request, email)
        )
        try:
            account = await authenticate(
                hub_sessions(state.engine), state.passwords, attempt, on_success=note_vendor_login
            )
        except Unauthenticated as refused:
            if wants_problem(request):
                raise
            return await self._page(request, state, next_url, refused.detail, 401)
        except TooManyAttempts as limited:
            if wants_problem(request):
                raise
            notice = throttled_notice(limited.retry_after)
            return await self._page(request, state, next_url, notice, 429, limited.retry_after)
        log_in(request, account.id)
        response = Redirect(next_url, status_code=303)
        devices.issue(response, email)
        return response

    @post("/logout", summary="End the browser session", include_in_schema=False, status_code=303)
    async def logout(self, request: Request[Any, Any, State]) -> Redirect:
        log_out(request)
        return Redirect("/", status_code=303)
