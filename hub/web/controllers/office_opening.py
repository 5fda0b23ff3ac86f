"""The opening ceremony (pembukaan penawaran) in the officials' office (issue 19):
``/kantor/{slug}/tender/{id}/pembukaan``.

The page lists the bids received (digests and times, nothing opened), who holds the tender's key and
its shares. A committee-held key: after the close a member asks for the opening's one-time key
(the API's ``opening_key``), then gives its share back: ``opening.js`` opens the member's key file
with its passphrase in the page, unseals the member's share and seals it again to the one-time key,
and the form posts that sealed share (the text the CLI sends as ``sealed_share``) to ``give_share``,
the API's service; the share that reaches the threshold opens the bids. A hub-held key: one button,
the API's ``open_bids``. The page is for those who may give a share (``Action.KEY_SHARE_GIVE``: the
committee, procurement officers, the tenant admin); each service checks its own action again.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.policy import Action
from hub.core.database import tenant_session
from hub.core.errors import HubError
from hub.web.controllers.custody import Slot
from hub.web.controllers.office import Office, office_of
from hub.web.logged_in import posted
from hub.web.portal.opening import opening_desk
from hub.web.problems import status_of
from hub.web.schemas.tenders import Id
from hub.web.security_headers import allow_own_scripts
from tenants.sealing.key_shares import decode_sealed
from tenants.tenders import open_bids
from tenants.tenders.bidding.given_shares import give_share, opening_key

PAGE = "/kantor/{slug:str}/tender/{tender_id:int}/pembukaan"


def _refusal(office: Office) -> Template | Redirect | None:
    """The office's refusal, or a 403 page for an official who may not take part in an opening."""
    return office.refusal(Action.KEY_SHARE_GIVE, "op.refused")


class OfficeOpeningController(Controller):
    include_in_schema = False

    @get(PAGE, summary="A tender's opening: bids received, the key's custody, the shares given")
    async def show(
        self,
        slug: FromPath[str],
        tender_id: Id,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        office = await office_of(request, db_session, slug)
        if (refused := _refusal(office)) is not None:
            return refused
        return await _page(office, db_session, state, tender_id)

    @post(f"{PAGE}/kunci", summary="Make the opening's one-time key (after the close)", status_code=303)
    async def make_key(
        self,
        slug: FromPath[str],
        tender_id: Id,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        """The API's ``POST .../opening-key``: the one-time key the members seal their shares to."""
        return await _act(request, db_session, state, slug, tender_id, "key")

    @post(
        f"{PAGE}/bagian/{{slot:int}}",
        summary="Give one's share back, sealed to the opening's key",
        status_code=303,
    )
    async def give(
        self,
        slug: FromPath[str],
        tender_id: Id,
        slot: Slot,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        """The API's ``POST .../key-shares/{slot}`` with the ``sealed_share`` the page (or the CLI)
        made; a refused share is recorded in the audit chain and its reason shown."""
        return await _act(request, db_session, state, slug, tender_id, "share", slot)

    @post(f"{PAGE}/buka", summary="Open the bids of a tender whose key the hub holds", status_code=303)
    async def open(
        self,
        slug: FromPath[str],
        tender_id: Id,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        """The API's ``POST .../opening``."""
        return await _act(request, db_session, state, slug, tender_id, "open")


async def _act(
    request: Request[Any, Any, State],
    session: AsyncSession,
    state: State,
    slug: str,
    tender_id: int,
    what: str,
    slot: int = 0,
) -> Template | Redirect:
    """One of the page's actions through the API's service, in one transaction; back to the page,
    which shows the result, or the page again with the service's sentence."""
    office = await office_of(request, session, slug)
    if (refused := _refusal(office)) is not None:
        return refused
    refusal: HubError | None = None
    try:
        form = await posted(request)
        actor = await office.actor(session)
        tenant = await office.tenant(session)
        async with tenant_session(state.engine, tenant.schema) as s, s.begin():
            if what == "key":
                await opening_key(s, actor, tender_id, state.master, state.outage_rule)
            elif what == "open":
                await open_bids(
                    s, actor, tender_id, state.master, unsealer=state.unsealing, outages=state.outage_rule
                )
            else:
                sealed = decode_sealed(form.get("sealed_share", ""))
                outcome = await give_share(
                    s,
                    actor,
                    tender_id,
                    slot,
                    sealed,
                    state.master,
                    unsealer=state.unsealing,
                    outages=state.outage_rule,
                )
                refusal = outcome.refused  # committed with its audit entry, then shown
    except HubError as refused_now:
        refusal = refused_now
    if refusal is not None:
        return await _page(office, session, state, tender_id, refusal)
    return Redirect(f"/kantor/{slug}/tender/{tender_id}/pembukaan", status_code=303)


async def _page(
    office: Office, session: AsyncSession, state: State, tender_id: int, refusal: HubError | None = None
) -> Template:
    tenant = await office.tenant(session)
    assert office.account is not None
    try:
        async with tenant_session(state.engine, tenant.schema) as s:
            desk = await opening_desk(s, tender_id, office.account.id, tenant.timezone)
    except HubError as missing:
        return office.failed(missing)
    allow_own_scripts(office.request)  # opening.js opens the member's key file here
    return office.page(
        "kantor_pembukaan.html",
        status_of(refusal) if refusal is not None else 200,
        tenant=tenant,
        d=desk,
        error=refusal.detail if refusal is not None else None,
        hub_url=str(office.request.base_url).rstrip("/"),
    )
