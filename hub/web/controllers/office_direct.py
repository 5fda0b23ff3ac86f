"""The procurement officer's direct procurement in the office (``/kantor/{slug}/langsung``): the
list, the invitation of one verified vendor for a package, and each invitation's page with its
progress and the officer's next step (open the offer, record the negotiated price, award).

Every change calls the service the API's route calls (``POST /api/direct-procurements``,
``/opening``, ``/negotiations``, ``/award``) with the officer as the actor, so the same rules and
the same refusals hold; a refusal is shown next to its field with the service's sentence. The
vendor offers from its own workspace, and the commitment officer signs the contract from theirs.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.database import tenant_session
from hub.core.errors import HubError, InvalidInput
from hub.web.controllers.office import Office, office_of
from hub.web.controllers.office_section import section_refusal
from hub.web.logged_in import posted
from hub.web.portal.office_direct import (
    direct_procurements,
    direct_progress,
    invitable_packages,
    vendor_names,
    verified_vendors,
)
from hub.web.portal.office_forms import local_moment, whole_number
from hub.web.problems import status_of
from tenants.tenders.award.decision import decide_award
from tenants.tenders.bidding.bids import open_bids
from tenants.tenders.direct.procurement import Invitation, invite_vendor, negotiate

SECTION = "langsung"
INVITATION_FIELDS = ("package_id", "vendor_id", "offer_deadline")
NEGOTIATION_FIELDS = ("price", "notes")
STEPS = ("buka", "negosiasi", "tetapkan")


def _refused_at(refusal: HubError, fields: tuple[str, ...]) -> dict[str, str]:
    """The refusal's sentence, keyed by the field it names (``form`` when it names none of these)."""
    return {refusal.field if refusal.field in fields else "form": refusal.detail}


class DirectOfficeController(Controller):
    include_in_schema = False
    path = "/kantor/{slug:str}/langsung"

    @get("/", summary="My LPSE's direct procurements, and the form to invite a vendor")
    async def index(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        office = await office_of(request, db_session, slug)
        if (refused := section_refusal(office, SECTION)) is not None:
            return refused
        wanted = request.query_params.get("cari", "")
        return await self._index(office, db_session, state, wanted, {"cari": wanted}, {})

    @post("/", summary="Invite one verified vendor to offer for a package", status_code=303)
    async def invite(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        office = await office_of(request, db_session, slug)
        if (refused := section_refusal(office, SECTION)) is not None:
            return refused
        form = await posted(request)
        values = {name: form.get(name, "").strip() for name in (*INVITATION_FIELDS, "cari")}
        tenant = await office.tenant(db_session)
        try:
            if not values["vendor_id"]:
                raise InvalidInput("find the vendor by name or NPWP, then choose it", field="vendor_id")
            invitation = Invitation(
                whole_number(values["package_id"], "package_id"),
                whole_number(values["vendor_id"], "vendor_id"),
                local_moment(values["offer_deadline"], tenant.timezone, "offer_deadline"),
            )
            actor = await office.actor(db_session)
            async with tenant_session(state.engine, tenant.schema) as session, session.begin():
                tender = await invite_vendor(session, actor, state.master, invitation)
        except HubError as refusal:
            errors = _refused_at(refusal, INVITATION_FIELDS)
            return await self._index(
                office, db_session, state, values["cari"], values, errors, status_of(refusal)
            )
        return Redirect(f"/kantor/{slug}/langsung/{tender.id}", status_code=303)

    @get("/{tender_id:int}", summary="One direct procurement: its progress and my next step")
    async def show(
        self,
        slug: FromPath[str],
        tender_id: FromPath[int],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        office = await office_of(request, db_session, slug)
        if (refused := section_refusal(office, SECTION)) is not None:
            return refused
        return await self._show(office, db_session, state, tender_id, {}, {})

    @post(
        "/{tender_id:int}/{step:str}",
        summary="The officer's next step: open the offer (buka), negotiate (negosiasi), award (tetapkan)",
        status_code=303,
    )
    async def act(
        self,
        slug: FromPath[str],
        tender_id: FromPath[int],
        step: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        """One of the officer's steps through the API's service, in one transaction; back to the
        invitation's page, which shows the result or the refusal (the values typed are kept)."""
        office = await office_of(request, db_session, slug)
        if (refused := section_refusal(office, SECTION)) is not None:
            return refused
        if step not in STEPS:
            return office.reader.error(404, "")
        form = await posted(request)
        values = {name: form.get(name, "").strip() for name in NEGOTIATION_FIELDS}
        tenant = await office.tenant(db_session)
        actor = await office.actor(db_session)
        try:
            async with tenant_session(state.engine, tenant.schema) as session, session.begin():
                progress = await direct_progress(session, tender_id)
                if progress is None or progress.tender.invited_vendor_id is None:
                    return office.reader.error(404, "")
                if step == "buka":
                    await open_bids(
                        session,
                        actor,
                        tender_id,
                        state.master,
                        unsealer=state.unsealing,
                        outages=state.outage_rule,
                    )
                elif step == "negosiasi":
                    price = whole_number(values["price"], "price")
                    await negotiate(session, actor, tender_id, price, values["notes"])
                else:
                    await decide_award(session, actor, tender_id, progress.tender.invited_vendor_id)
        except HubError as refusal:
            errors = _refused_at(refusal, NEGOTIATION_FIELDS if step == "negosiasi" else ())
            return await self._show(office, db_session, state, tender_id, values, errors, status_of(refusal))
        return Redirect(f"/kantor/{slug}/langsung/{tender_id}", status_code=303)

    async def _index(
        self,
        office: Office,
        db_session: AsyncSession,
        state: State,
        wanted: str,
        values: dict[str, str],
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        tenant = await office.tenant(db_session)
        async with tenant_session(state.engine, tenant.schema) as session:
            rows = await direct_procurements(session)
            packages = await invitable_packages(session)
        names = await vendor_names(db_session, {row.vendor_id for row in rows if row.vendor_id is not None})
        found = await verified_vendors(db_session, wanted)
        return office.page(
            "kantor_langsung.html",
            status,
            tenant=tenant,
            rows=rows,
            names=names,
            packages=packages,
            found=found,
            wanted=wanted,
            values=values,
            errors=errors,
        )

    async def _show(
        self,
        office: Office,
        db_session: AsyncSession,
        state: State,
        tender_id: int,
        values: dict[str, str],
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        tenant = await office.tenant(db_session)
        async with tenant_session(state.engine, tenant.schema) as session:
            progress = await direct_progress(session, tender_id)
        if progress is None:
            return office.reader.error(404, "")
        assert progress.tender.invited_vendor_id is not None
        names = await vendor_names(db_session, {progress.tender.invited_vendor_id})
        return office.page(
            "kantor_langsung_paket.html",
            status,
            tenant=tenant,
            progress=progress,
            vendor=names.get(progress.tender.invited_vendor_id, ""),
            values=values,
            errors=errors,
        )
