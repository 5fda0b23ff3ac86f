"""The province's pages of the office (``/kantor/provinsi``, issue 19): for the province's bureau (Biro
PBJ, ``hub_admin``) and its auditors (``province_auditor``).

- ``/kantor/provinsi``: every tenant with its uptime and its last probes, and the latest signed
  checkpoint of each audit chain with how to check it;
- ``/kantor/provinsi/rakor``: the coordination review over a period, with its charts (inline SVG);
- ``/kantor/provinsi/tanda-bahaya``: the province's red flags, counted per indicator and per LPSE;
- ``/kantor/provinsi/lpse-baru``: provisioning a regency from the regions table (the bureau alone).

Each page asks the policy table what the API's route asks: ``Action.REVIEW_READ`` (hub-wide roles;
a regency's admin sees nothing of the others), and ``Action.TENANT_PROVISION`` to provision. The
figures come from the services the API and the CLI call (``review_province``, ``flagged``,
``availability``, ``create_tenant``), never from rules of their own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from federation.catalogue.flagged import RedFlagQuery, flagged
from federation.catalogue.red_flags import CHECKS, INDICATORS
from federation.identity.policy import Action
from federation.vendors.actors import require_actor
from hub.core.clock import database_now
from hub.core.database import hub_sessions
from hub.core.database_lifetime import engine_for
from hub.core.errors import DatabaseUnavailable, HubError
from hub.web.controllers.office import Office, office_of
from hub.web.logged_in import posted
from hub.web.portal.office_province import (
    count_flags,
    latest_checkpoints,
    recent_probes,
    unprovisioned,
)
from hub.web.problems import database_refused_privilege, status_of
from monitoring.reviews import parse_period, review_charts, review_province
from tenants.audit import KEY_LOG_CHAIN
from tenants.registry import Tenant, create_tenant, list_tenants, spec_of_region

HOME = "/kantor/provinsi"
DAY = r"^[0-9-]{0,10}$"
PROVINCE = QueryParameter(pattern=r"^[0-9]{0,2}$", description="A province's two-digit code")
FLAGGED_SHOWN = 200
"""The flagged tenders the red flags page lists (the counts cover all of them)."""


NO_OWNER = (
    "this hub's web processes connect as the serving role, which may not create a schema: provision "
    "with `lpse-hub tenant create` (or give the hub LPSE_HUB_OWNER_DATABASE_URL; docs/SECURITY.md)"
)
"""Why the form cannot provision where the owner's connection is kept out of the web processes (as
``lpse-hub serve`` keeps it out of its workers)."""


@dataclass(frozen=True, slots=True)
class Refused:
    page: Template | Redirect


async def _province_office(
    request: Request[Any, Any, State], session: AsyncSession, action: Action = Action.REVIEW_READ
) -> Office | Refused:
    """The office request, or the page refusing it: the office's refusals, then the policy table's."""
    office = await office_of(request, session)
    if (refused := office.refusal()) is not None:
        return Refused(refused)
    assert office.account is not None
    try:
        await require_actor(session, office.account.id, None, action)
    except HubError as refusal:
        return Refused(office.failed(refusal))
    return office


def _home_province(tenants: list[Tenant]) -> str:
    """The province most of the hub's tenants are in (a province's hub: the only one)."""
    counted = Counter(t.province_code for t in tenants)
    return counted.most_common(1)[0][0] if counted else ""


class OfficeProvinceController(Controller):
    path = HOME
    include_in_schema = False

    @get("/", summary="Every tenant's uptime and probes, and each audit chain's latest checkpoint")
    async def overview(
        self,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        office = await _province_office(request, db_session)
        if isinstance(office, Refused):
            return office.page
        tenants = await list_tenants(db_session)
        uptimes = await state.portal_uptime.get()
        probes = await recent_probes(db_session)
        checkpoints = await latest_checkpoints(db_session)
        return office.page(
            "kantor_provinsi.html",
            tenants=tenants,
            uptimes=uptimes,
            probes=probes,
            checkpoints=checkpoints,
            key_log=checkpoints.get(KEY_LOG_CHAIN),
            origin=str(request.base_url).rstrip("/"),
        )

    @get("/rakor", summary="The coordination review over a period, with its charts")
    async def review(
        self,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
        province: Annotated[str | None, PROVINCE] = None,
        start: Annotated[str | None, QueryParameter(name="from", pattern=DAY)] = None,
        end: Annotated[str | None, QueryParameter(name="to", pattern=DAY)] = None,
    ) -> Template | Redirect:
        office = await _province_office(request, db_session)
        if isinstance(office, Refused):
            return office.page
        today = (await database_now(db_session)).date()
        code = province or _home_province(await list_tenants(db_session))
        start = start or (today - timedelta(days=29)).isoformat()
        end = end or today.isoformat()
        form = {"province": code, "from": start, "to": end}
        await db_session.close()  # its connection given back before the tenants are read
        try:
            period = parse_period(start, end)
            found = await review_province(state.engine, code, period.start, period.end)
        except HubError as refusal:
            return office.page(
                "kantor_rakor.html", status_of(refusal), form=form, review=None, refused=refusal
            )
        return office.page(
            "kantor_rakor.html", form=form, review=found, charts=review_charts(found), refused=None
        )

    @get("/tanda-bahaya", summary="The province's red flags per indicator and per LPSE")
    async def red_flags(
        self,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
        province: Annotated[str | None, PROVINCE] = None,
    ) -> Template | Redirect:
        office = await _province_office(request, db_session)
        if isinstance(office, Refused):
            return office.page
        tenants = await list_tenants(db_session)
        code = province or _home_province(tenants)
        try:
            found = await flagged(db_session, state.ocid_prefix, RedFlagQuery(province=code or None))
        except HubError as refusal:
            return office.failed(refusal)
        counts = count_flags(found.flags, state.ocid_prefix, CHECKS)
        on_tenders = [f for f in found.flags if f.ocid is not None]
        return office.page(
            "kantor_tanda_bahaya.html",
            province=code,
            found=found,
            counts=counts,
            shown=on_tenders[:FLAGGED_SHOWN],
            more=max(len(on_tenders) - FLAGGED_SHOWN, 0),
            names={t.code: t.name for t in tenants},
            indicators=INDICATORS,
        )

    @get("/lpse-baru", summary="Provisioning a regency's LPSE from the regions table (hub admins)")
    async def provisioning(
        self,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        created: Annotated[str | None, QueryParameter(name="dibuat", pattern=r"^[a-z0-9-]{1,63}$")] = None,
    ) -> Template | Redirect:
        office = await _province_office(request, db_session, Action.TENANT_PROVISION)
        if isinstance(office, Refused):
            return office.page
        tenants = await list_tenants(db_session)
        made = next((t for t in tenants if t.slug == created), None)
        return office.page(
            "kantor_lpse_baru.html", regions=unprovisioned(tenants), made=made, code="", refused=None
        )

    @post("/lpse-baru", summary="Provision a regency's LPSE (hub admins)", status_code=303)
    async def provision(
        self,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        office = await _province_office(request, db_session, Action.TENANT_PROVISION)
        if isinstance(office, Refused):
            return office.page
        form = await posted(request)
        code = form.get("code", "").strip()
        try:
            spec = spec_of_region(code)
            # Creating a schema is the owner's to do (as ``lpse-hub tenant create`` does): an engine of
            # its own, for this one transaction, granting the serving role what serving needs.
            async with (
                engine_for(state.settings, long_running=True, as_owner=True) as owner,
                hub_sessions(owner)() as session,
                session.begin(),
            ):
                try:
                    tenant = await create_tenant(session, spec, serving_role=state.settings.serving_role)
                except DBAPIError as refused:
                    if not database_refused_privilege(refused):
                        raise
                    raise DatabaseUnavailable(NO_OWNER) from None
        except HubError as refusal:
            tenants = await list_tenants(db_session)
            return office.page(
                "kantor_lpse_baru.html",
                status_of(refusal),
                regions=unprovisioned(tenants),
                made=None,
                code=code,
                refused=refusal,
            )
        return Redirect(f"{HOME}/lpse-baru?dibuat={tenant.slug}", status_code=303)
