"""The commitment officer's (PPK) page of a signed contract's implementation (e-monev) in the office
(``/kantor/{slug}/paket/{package}/tender/{tender}/pelaksanaan``): the contract as signed and as it
stands, what was recorded of it, and the forms recording progress, payments, milestones and amendments.

Each form calls the service the API's route calls (``report_progress``, ``record_payment``,
``add_milestone``, ``meet_milestone``, ``amend_contract`` behind ``POST /api/tenders/{id}/contract/...``)
as the logged-in official, so the policy table (``Action.CONTRACT_MONITOR``) and the rules are the
API's: a refusal is the service's sentence next to its field, the values kept, nothing written; a
success goes back to the page (POST-redirect-GET). The page is in the packages' section: whoever may
not work there gets a 403 page, on the page and on the forms' POSTs alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Acting
from hub.core.clock import database_now
from hub.core.database import tenant_session
from hub.core.errors import HubError, NotFound
from hub.web.controllers.office import Office
from hub.web.controllers.office_packages import Answer, ppk_office
from hub.web.logged_in import posted
from hub.web.portal import office_packages as ppk
from hub.web.portal.office_forms import (
    day,
    decimal_field,
    optional_day,
    optional_number,
    rupiah_field,
)
from hub.web.problems import status_of
from tenants.tenders.implementation import (
    AmendmentInput,
    MilestoneInput,
    PaymentInput,
    ProgressInput,
    add_milestone,
    amend_contract,
    meet_milestone,
    read_implementation,
    record_payment,
    report_progress,
)

Step = Callable[[AsyncSession, Acting, int, dict[str, str]], Awaitable[None]]


async def _progress(session: AsyncSession, acting: Acting, tender_id: int, v: dict[str, str]) -> None:
    data = ProgressInput(
        percent=decimal_field(v["percent"], "percent"),
        reported_on=day(v["reported_on"], "reported_on"),
        note=v["note"],
        reason=v["reason"] or None,
    )
    await report_progress(session, acting, tender_id, data)


async def _payment(session: AsyncSession, acting: Acting, tender_id: int, v: dict[str, str]) -> None:
    data = PaymentInput(
        amount=rupiah_field(v["amount"], "amount"),
        paid_on=day(v["paid_on"], "paid_on"),
        term=optional_number(v["term"], "term"),
        note=v["note"],
    )
    await record_payment(session, acting, tender_id, data)


async def _milestone(session: AsyncSession, acting: Acting, tender_id: int, v: dict[str, str]) -> None:
    data = MilestoneInput(title=v["title"], due_on=day(v["due_on"], "due_on"))
    await add_milestone(session, acting, tender_id, data)


async def _amendment(session: AsyncSession, acting: Acting, tender_id: int, v: dict[str, str]) -> None:
    value = v["value"]
    data = AmendmentInput(
        reason=v["reason"],
        signed_on=day(v["signed_on"], "signed_on"),
        value=rupiah_field(value, "value") if value.strip() else None,
        ends_on=optional_day(v["ends_on"], "ends_on"),
    )
    await amend_contract(session, acting, tender_id, data)


FORMS: dict[str, tuple[tuple[str, ...], Step]] = {
    "progres": (("percent", "reported_on", "note", "reason"), _progress),
    "pembayaran": (("amount", "paid_on", "term", "note"), _payment),
    "tahapan": (("title", "due_on"), _milestone),
    "adendum": (("value", "ends_on", "signed_on", "reason"), _amendment),
}
"""Each form of the page by its path: its fields (named ``{form}-{field}`` on the page, so the four
forms' ids differ) and the step calling the API's service."""


def _refused_at(form: str, fields: tuple[str, ...], refused: HubError) -> dict[str, str]:
    where = refused.field if refused.field in fields else "form"
    return {f"{form}-{where}": refused.detail}


def _here(slug: str, package_id: int, tender_id: int) -> str:
    return f"/kantor/{slug}/paket/{package_id}/tender/{tender_id}/pelaksanaan"


class ImplementationOfficeController(Controller):
    include_in_schema = False
    path = "/kantor/{slug:str}/paket/{package_id:int}/tender/{tender_id:int}/pelaksanaan"

    @get("/", summary="A signed contract's implementation and the forms recording it")
    async def implementation(
        self,
        slug: FromPath[str],
        package_id: FromPath[int],
        tender_id: FromPath[int],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Answer:
        office = await ppk_office(request, db_session, slug)
        if not isinstance(office, Office):
            return office
        return await self._page(office, db_session, state, package_id, tender_id, {}, {})

    @post("/{form:str}", summary="Record progress, a payment, a milestone or an amendment", status_code=303)
    async def record(
        self,
        slug: FromPath[str],
        package_id: FromPath[int],
        tender_id: FromPath[int],
        form: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Answer:
        office = await ppk_office(request, db_session, slug)
        if not isinstance(office, Office):
            return office
        if form not in FORMS:
            return office.reader.error(404, "")
        fields, step = FORMS[form]
        sent = await posted(request)
        values = {name: sent.get(f"{form}-{name}", "").strip() for name in fields}
        tenant = await office.tenant(db_session)
        try:
            async with tenant_session(state.engine, tenant.schema) as own, own.begin():
                await ppk.tender_of_package(own, package_id, tender_id, db_session)
                await step(own, await office.actor(db_session), tender_id, values)
        except HubError as refused:
            if isinstance(refused, NotFound):
                return office.failed(refused)
            kept = {f"{form}-{name}": value for name, value in values.items()}
            errors = _refused_at(form, fields, refused)
            return await self._page(
                office, db_session, state, package_id, tender_id, kept, errors, status_of(refused)
            )
        return Redirect(f"{_here(tenant.slug, package_id, tender_id)}#{form}", status_code=303)

    @post("/tercapai/{milestone_id:int}", summary="Mark a milestone met", status_code=303)
    async def meet(
        self,
        slug: FromPath[str],
        package_id: FromPath[int],
        tender_id: FromPath[int],
        milestone_id: FromPath[int],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Answer:
        office = await ppk_office(request, db_session, slug)
        if not isinstance(office, Office):
            return office
        name = f"met-{milestone_id}"
        met_on = (await posted(request)).get(name, "").strip()
        tenant = await office.tenant(db_session)
        try:
            async with tenant_session(state.engine, tenant.schema) as own, own.begin():
                await ppk.tender_of_package(own, package_id, tender_id, db_session)
                acting = await office.actor(db_session)
                await meet_milestone(own, acting, tender_id, milestone_id, day(met_on, "met_on"))
        except HubError as refused:
            if isinstance(refused, NotFound):
                return office.failed(refused)
            # A milestone met already shows no form: its refusal goes to the milestones' form.
            where = name if refused.field == "met_on" else "tahapan-form"
            values, errors = {name: met_on}, {where: refused.detail}
            return await self._page(
                office, db_session, state, package_id, tender_id, values, errors, status_of(refused)
            )
        return Redirect(f"{_here(tenant.slug, package_id, tender_id)}#tahapan", status_code=303)

    async def _page(
        self,
        office: Office,
        session: AsyncSession,
        state: State,
        package_id: int,
        tender_id: int,
        values: dict[str, str],
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        """The page; a form's values and the service's sentence by its field when it was refused."""
        tenant = await office.tenant(session)
        try:
            async with tenant_session(state.engine, tenant.schema) as own:
                found, tender = await ppk.tender_of_package(own, package_id, tender_id, session)
                done = await read_implementation(own, tender_id)
                today = (await database_now(own)).astimezone(ZoneInfo(tenant.timezone)).date().isoformat()
        except HubError as refused:
            return office.failed(refused)
        dated = ("progres-reported_on", "pembayaran-paid_on", "adendum-signed_on")
        fresh = {name: today for name in dated}
        return office.page(
            "kantor_paket_pelaksanaan.html",
            status,
            tenant=tenant,
            p=found,
            tender=tender,
            impl=done,
            today=today,
            values={**fresh, **values},
            errors=errors,
        )
