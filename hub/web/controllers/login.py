"""Logging in to the hub with email and password (and, when configured, through an upstream provider)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromQuery
from litestar.response import Redirect

from federation.identity.login import authenticate
from federation.vendors.logins import note_vendor_login
from hub.core.database import hub_sessions
from hub.core.errors import TooManyAttempts, Unauthenticated
from hub.web.edge import form_fields
from hub.web.pages import login_page
from hub.web.sessions import check_csrf, csrf_token, log_in, log_out


def safe_next(next_url: str | None) -> str:
    """Only a path on this site: never an open redirect to somewhere else."""
    if not next_url or not next_url.startswith("/") or next_url.startswith("//") or "\\" in next_url:
        return "/"
    return next_url


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


class LoginController(Controller):
    tags = ["login"]  # noqa: RUF012

    def _upstream_name(self, state: State) -> str | None:
        upstream = getattr(state, "upstream", None)
        return upstream.name if upstream is not None else None

    @get("/login", summary="The login page", include_in_schema=False)
    async def form(
        self, request: Request[Any, Any, State], state: State, next: FromQuery[str] = "/"
    ) -> Response[str]:
        page = login_page(safe_next(next), csrf_token(request), upstream_name=self._upstream_name(state))
        return Response(page, media_type="text/html")

    @post("/login", summary="Check email and password; start a session", include_in_schema=False)
    async def submit(self, request: Request[Any, Any, State], state: State) -> Response[str]:
        form = {k: v[0] for k, v in form_fields(await request.body()).items()}
        next_url = safe_next(form.get("next"))
        check_csrf(request, form.get("csrf", ""))
        async with hub_sessions(state.engine)() as session:
            try:
                account = await authenticate(
                    session, form.get("email", ""), form.get("password", ""), client_address(request)
                )
                await note_vendor_login(session, account)
            except Unauthenticated as refused:
                await session.commit()  # the failure counts towards the rate limit
                page = login_page(
                    next_url, csrf_token(request), str(refused.detail), self._upstream_name(state)
                )
                return Response(page, status_code=401, media_type="text/html")
            except TooManyAttempts as limited:
                page = login_page(next_url, csrf_token(request), limited.detail, self._upstream_name(state))
                return Response(
                    page,
                    status_code=429,
                    media_type="text/html",
                    headers={"Retry-After": str(limited.retry_after)},
                )
            await session.commit()
        log_in(request, account.id)
        return Redirect(next_url, status_code=303)

    @post("/logout", summary="End the browser session", include_in_schema=False, status_code=303)
    async def logout(self, request: Request[Any, Any, State]) -> Redirect:
        log_out(request)
        return Redirect("/", status_code=303)
