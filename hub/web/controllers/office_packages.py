"""The commitment officer's (PPK) pages of the office (``/kantor/{slug}/paket``): the tenant's
packages and what waits for the PPK, a form to create a package, a package's page with its tenders'
progress, and the forms of the letter of award (SPPBJ) and the contract (issue 19).

Each form calls the service the API's route calls (``create_package`` behind
``POST /t/{slug}/api/packages``, ``issue_award_letter`` and ``sign_contract`` behind
``POST /api/tenders/{id}/award-letter`` and ``.../contract``) as the logged-in official, so the policy
table and the rules are the API's: a refusal is the service's sentence, next to its field, with the
values kept and the status the API would answer. The section is the PPK's (``Action.PACKAGE_CREATE``):
whoever the menu would not show it to gets a 403 page, on the pages and on the forms' POSTs alike.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.clock import database_now
from hub.core.database import tenant_session
from hub.core.errors import HubError, NotFound
from hub.web.controllers.office import Office, office_of
from hub.web.logged_in import posted
from hub.web.portal import office_packages as ppk
from hub.web.portal.office import SECTIONS
from hub.web.portal.office_forms import codes, day, rupiah_field, whole
from hub.web.problems import status_of
from tenants.registry import TenantRef
from tenants.tenders import PackageInput, create_package
from tenants.tenders.award.contracts import ContractInput, issue_award_letter, sign_contract
from tenants.vocabulary import Category, Method

PACKAGE_FIELDS = (
    "agency_id",
    "title",
    "fiscal_year",
    "category",
    "method",
    "budget",
    "owner_estimate",
    "kbli",
    "location",
    "plan_rup_code",
)
CONTRACT_FIELDS = ("number", "value", "signed_on", "starts_on", "ends_on")
SECTION = next(s for s in SECTIONS if s.path == ppk.PACKAGE_SECTION)

Answer = Template | Redirect


async def ppk_office(request: Request[Any, Any, State], session: AsyncSession, slug: str) -> Office | Answer:
    """The office request if its official may work in the packages' section, or the page refusing."""
    office = await office_of(request, session, slug)
    if (refused := office.refusal(SECTION.action, "ppk.refused")) is not None:
        return refused
    return office


def _where(refused: HubError, fields: tuple[str, ...]) -> str:
    return refused.field if refused.field in fields else "form"


class PackageOfficeController(Controller):
    include_in_schema = False
    path = "/kantor/{slug:str}/paket"

    @get("/", summary="The tenant's packages, their tenders and what waits for the PPK")
    async def packages(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Answer:
        office = await ppk_office(request, db_session, slug)
        if not isinstance(office, Office):
            return office
        tenant = await office.tenant(db_session)
        async with tenant_session(state.engine, tenant.schema) as own:
            found = await ppk.packages(own)
        return office.page("kantor_paket.html", tenant=tenant, packages=found)

    @get("/baru", summary="The form creating a package")
    async def new(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Answer:
        office = await ppk_office(request, db_session, slug)
        if not isinstance(office, Office):
            return office
        return await self._package_form(office, db_session, state, {}, {})

    async def _package_form(
        self,
        office: Office,
        session: AsyncSession,
        state: State,
        values: dict[str, str],
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        tenant = await office.tenant(session)
        async with tenant_session(state.engine, tenant.schema) as own:
            choices = await ppk.agencies(own)
            this_year = (await database_now(own)).year
        return office.page(
            "kantor_paket_baru.html",
            status,
            tenant=tenant,
            agencies=choices,
            categories=[c.value for c in Category],
            methods=[m.value for m in Method],
            values={"fiscal_year": str(this_year), **values},
            errors=errors,
        )

    @post("/baru", summary="Create a package (the API's create_package)", status_code=303)
    async def create(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Answer:
        office = await ppk_office(request, db_session, slug)
        if not isinstance(office, Office):
            return office
        form = await posted(request)
        values = {name: form.get(name, "").strip() for name in PACKAGE_FIELDS}
        tenant = await office.tenant(db_session)
        try:
            data = PackageInput(
                agency_id=whole(values["agency_id"], "agency_id", "one of the agencies"),
                title=values["title"],
                fiscal_year=whole(values["fiscal_year"], "fiscal_year", "a year"),
                category=values["category"],
                method=values["method"],
                budget=rupiah_field(values["budget"], "budget"),
                owner_estimate=rupiah_field(values["owner_estimate"], "owner_estimate"),
                location=values["location"],
                kbli=codes(values["kbli"]),
                plan_rup_code=values["plan_rup_code"] or None,
            )
            async with tenant_session(state.engine, tenant.schema) as own, own.begin():
                created = (await create_package(own, await office.actor(db_session), data)).id
        except HubError as refused:
            errors = {_where(refused, PACKAGE_FIELDS): refused.detail}
            return await self._package_form(office, db_session, state, values, errors, status_of(refused))
        return Redirect(f"/kantor/{tenant.slug}/paket/{created}", status_code=303)

    @get("/{package_id:int}", summary="One package: its data and its tenders' progress")
    async def package(
        self,
        slug: FromPath[str],
        package_id: FromPath[int],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Answer:
        office = await ppk_office(request, db_session, slug)
        if not isinstance(office, Office):
            return office
        tenant = await office.tenant(db_session)
        try:
            async with tenant_session(state.engine, tenant.schema) as own:
                found = await ppk.package(own, package_id, db_session)
        except HubError as refused:
            return office.failed(refused)
        return office.page("kantor_paket_detail.html", tenant=tenant, p=found)

    @get("/{package_id:int}/tender/{tender_id:int}/{step:str}", summary="The letter's or the contract's form")
    async def step_form(
        self,
        slug: FromPath[str],
        package_id: FromPath[int],
        tender_id: FromPath[int],
        step: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Answer:
        """``sppbj``: the letter of award's form; ``kontrak``: the contract's."""
        return await self._step(slug, package_id, tender_id, request, db_session, state, step)

    @post(
        "/{package_id:int}/tender/{tender_id:int}/{step:str}",
        summary="Issue the letter of award (sppbj) or record the signed contract (kontrak)",
        status_code=303,
    )
    async def take_step(
        self,
        slug: FromPath[str],
        package_id: FromPath[int],
        tender_id: FromPath[int],
        step: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Answer:
        return await self._step(slug, package_id, tender_id, request, db_session, state, step, sent=True)

    async def _step(
        self,
        slug: str,
        package_id: int,
        tender_id: int,
        request: Request[Any, Any, State],
        session: AsyncSession,
        state: State,
        step_name: str,
        *,
        sent: bool = False,
    ) -> Answer:
        """The letter's or the contract's form (``sent``: its POST, through the API's service, then
        back to the package's page, or the form again with the service's sentence by its field)."""
        office = await ppk_office(request, session, slug)
        if not isinstance(office, Office):
            return office
        if step_name not in {w.value for w in ppk.Waiting}:
            return office.reader.error(404, "")
        step = ppk.Waiting(step_name)
        form = await posted(request) if sent else {}
        tenant = await office.tenant(session)
        fields = ("number",) if step == ppk.Waiting.LETTER else CONTRACT_FIELDS
        values = {name: form.get(name, "").strip() for name in fields}
        errors: dict[str, str] = {}
        status = 200
        if sent:
            try:
                async with tenant_session(state.engine, tenant.schema) as own, own.begin():
                    await ppk.tender_of_package(own, package_id, tender_id, session)
                    actor = await office.actor(session)
                    if step == ppk.Waiting.LETTER:
                        await issue_award_letter(own, actor, tender_id, values["number"])
                    else:
                        await sign_contract(own, actor, tender_id, _contract_input(values))
            except HubError as refused:
                if isinstance(refused, NotFound):
                    return office.failed(refused)
                errors, status = {_where(refused, fields): refused.detail}, status_of(refused)
            else:
                return Redirect(
                    f"/kantor/{tenant.slug}/paket/{package_id}#tender-{tender_id}", status_code=303
                )
        return await self._step_page(
            office, session, state, tenant, package_id, tender_id, step, values, errors, status
        )

    async def _step_page(
        self,
        office: Office,
        session: AsyncSession,
        state: State,
        tenant: TenantRef,
        package_id: int,
        tender_id: int,
        step: ppk.Waiting,
        values: dict[str, str],
        errors: dict[str, str],
        status: int,
    ) -> Template:
        try:
            async with tenant_session(state.engine, tenant.schema) as own:
                found, tender = await ppk.tender_of_package(own, package_id, tender_id, session)
                today = (await database_now(own)).astimezone(ZoneInfo(tenant.timezone)).date().isoformat()
        except HubError as refused:
            return office.failed(refused)
        if step == ppk.Waiting.CONTRACT and not any(values.values()):  # a fresh form
            price = str(tender.award.price) if tender.award else ""
            values = {"value": price, "signed_on": today, "starts_on": today}
        name = "kantor_paket_sppbj.html" if step == ppk.Waiting.LETTER else "kantor_paket_kontrak.html"
        return office.page(name, status, tenant=tenant, p=found, tender=tender, values=values, errors=errors)


def _contract_input(values: dict[str, str]) -> ContractInput:
    return ContractInput(
        number=values["number"],
        value=rupiah_field(values["value"], "value"),
        signed_on=day(values["signed_on"], "signed_on"),
        starts_on=day(values["starts_on"], "starts_on"),
        ends_on=day(values["ends_on"], "ends_on"),
    )
