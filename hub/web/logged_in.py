"""Who is logged in to the hub's own pages (the vendor workspace, the officials' office), and the
forms they post: a session started by the hub's web client (``hub.web.controllers.account_login``),
alive while its token family is and the account active."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.datastructures import State
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.models import Account, AccountStatus
from hub.web.edge import form_fields
from hub.web.sessions import account_in_session, check_csrf
from hub.web.web_client import family_alive


async def signed_in(request: Request[Any, Any, State], session: AsyncSession) -> Account | None:
    """The account of a session started by the workspace's login, while its token family is alive
    and the account active; ``None`` otherwise (a session of the password form alone, too: it goes
    through ``/akun/masuk``, which then needs no password again)."""
    account_id = account_in_session(request)
    family = request.session.get("family") if request.scope.get("session") else None
    if account_id is None or not isinstance(family, str) or not await family_alive(session, family):
        return None
    account = await session.get(Account, account_id)
    return account if account is not None and account.status == AccountStatus.ACTIVE else None


CSRF_HEADER = "x-csrf-token"
"""Where the sealing script sends the session's CSRF token with a bundle (the body is the bundle)."""


def to_login(request: Request[Any, Any, State]) -> Redirect:
    return Redirect("/akun/masuk?" + urlencode({"next": request.url.path}), status_code=303)


async def posted(request: Request[Any, Any, State]) -> dict[str, str]:
    """A form's fields, once its CSRF token is checked (``Forbidden`` if it is not this session's)."""
    form = {k: v[0] for k, v in form_fields(await request.body()).items()}
    check_csrf(request, form.get("csrf", ""))
    return form
