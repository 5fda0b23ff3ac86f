"""The officials' office (``/kantor``): where an official holds roles, and each LPSE's office page
with the sections those roles open and the tenders in progress (issue 19).

``Office`` is one request to it: the reader, the logged-in official, where they hold roles, and the
tenant the page is about, or the page that refuses them. Officials log in as vendors' users do,
through the hub's own OpenID provider (``/akun/masuk``), and act as themselves: every form of the
office calls the service the API's route calls, with an ``Actor`` holding the roles read for this
request, so the policy table decides here as it does there (``federation.identity.policy``) and a
refusal is the service's own sentence. Someone not logged in is sent to log in and brought back; a
logged-in person with no role (a vendor's user) or with no role in the LPSE asked for (an official
of another regency) gets a 403 page that says so, before anything of that tenant is read.

The sections' own pages (packages, tenders, direct procurement, the tenant's administration, the
audit trail) are controllers of their own, each built on ``office_of``.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.models import Account
from federation.identity.policy import Action
from hub.core.database import tenant_session
from hub.core.errors import HubError, NotFound
from hub.web.controllers.portal import Reader
from hub.web.logged_in import signed_in, to_login
from hub.web.portal.office import Seat, Seats, Section, permitted, seats_of, tenders_in_progress
from hub.web.problems import status_of
from hub.web.sessions import csrf_token
from tenants.registry import TenantRef, resolve_tenant


class Office:
    """One office request. ``seat`` is the official's place in the page's tenant, when it has one."""

    def __init__(
        self,
        request: Request[Any, Any, State],
        account: Account | None,
        seats: Seats,
        slug: str | None = None,
    ) -> None:
        self.request, self.account, self.seats, self.slug = request, account, seats, slug
        self.reader = Reader(request)
        self.seat: Seat | None = next((s for s in seats.tenants if s.tenant.slug == slug), None)
        self._tenant: TenantRef | None = None

    def refusal(
        self, action: Action | None = None, why: str = "office.refused.section"
    ) -> Template | Redirect | None:
        """Why this page is not for this request, as the page to answer with; ``None`` if it is. With
        ``action``, a page of a section: a 403 page (saying ``why``, a text's key) for an official whose
        roles here do not take it, as the policy table says; the services check again on every change."""
        if self.account is None:
            return to_login(self.request)
        t = self.reader.t
        if not self.seats.any:
            return self.reader.page(
                "error.html", 403, title=t("office.refused.title"), detail=t("office.refused.text")
            )
        if self.slug is not None and self.seat is None:
            return self.reader.page(
                "error.html", 403, title=t("office.refused.title"), detail=t("office.refused.tenant")
            )
        if action is not None and (self.seat is None or not permitted(action, self.seat.roles)):
            return self.reader.page("error.html", 403, title=t("office.refused.title"), detail=t(why))
        return None

    def may(self, section: Section) -> bool:
        return self.seat is not None and section in self.seat.sections

    async def tenant(self, session: AsyncSession) -> TenantRef:
        """The page's tenant, as the services take it (read once per request)."""
        assert self.seat is not None, "refusal() first"
        if self._tenant is None:
            self._tenant = await resolve_tenant(session, slug=self.seat.tenant.slug)
        return self._tenant

    async def actor(self, session: AsyncSession) -> Actor:
        """The official acting in the page's tenant, with the roles read for this request."""
        assert self.account is not None, "refusal() first"
        assert self.seat is not None, "refusal() first"
        return Actor(self.account.id, await self.tenant(session), self.seat.roles)

    def failed(self, refusal: HubError) -> Template:
        """The page saying why the service refused, in the reader's language around its sentence."""
        if isinstance(refusal, NotFound):
            return self.reader.error(404, "")
        title = self.reader.t("ws.refusal")
        return self.page("error.html", status_of(refusal), title=title, detail=refusal.detail)

    def page(self, name: str, status: int = 200, **context: Any) -> Template:
        return self.reader.page(
            name,
            status,
            account=self.account,
            csrf=csrf_token(self.request),
            office=self,
            **context,
        )


async def office_of(
    request: Request[Any, Any, State], session: AsyncSession, slug: str | None = None
) -> Office:
    """The office request for the tenant ``slug`` (``None``: pages about no one tenant)."""
    account = await signed_in(request, session)
    seats = await seats_of(session, account.id) if account is not None else Seats([], frozenset())
    return Office(request, account, seats, slug)


class OfficeController(Controller):
    include_in_schema = False

    @get("/kantor", summary="The official's office: every LPSE where they hold a role")
    async def seats(
        self, request: Request[Any, Any, State], db_session: NamedDependency[AsyncSession]
    ) -> Template | Redirect:
        office = await office_of(request, db_session)
        if (refused := office.refusal()) is not None:
            return refused
        if len(office.seats.tenants) == 1 and not office.seats.hub_roles:
            return Redirect(f"/kantor/{office.seats.tenants[0].tenant.slug}", status_code=303)
        return office.page("kantor.html")

    @get("/kantor/{slug:str}", summary="One LPSE's office: the sections of my roles, tenders in progress")
    async def lpse(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        office = await office_of(request, db_session, slug)
        if (refused := office.refusal()) is not None:
            return refused
        tenant = await office.tenant(db_session)
        async with tenant_session(state.engine, tenant.schema) as tenant_db:
            tenders = await tenders_in_progress(tenant_db)
        return office.page("kantor_lpse.html", tenant=tenant, tenders=tenders)
