"""The committee's (Pokja) tender preparation in the office (``/kantor/{slug}/tender``, issue 19):
the tenant's tenders, a new tender from a package with its schedule, and each tender's page (its
data, schedule and rescheduling, documents, announcement, clarification answers, cancellation).

Every form calls the service the API's route calls (``hub.web.controllers.tenders`` and
``bidding``), as the logged-in official with the roles read for this request, so the policy table
and the rules decide here as they do there; a refusal is the service's sentence, shown next to the
field it names with the API's status, the values kept. The pages are shown to whoever the section's
action admits (``office.may``); a POST is decided by the service alone. The later stages (opening,
evaluation, objections) are other controllers on the same path (``kantor_tender_stage.html``).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.clock import database_now
from hub.core.database import tenant_session
from hub.core.errors import HubError, InvalidInput
from hub.web.body_limits import DOCUMENT_FORM
from hub.web.controllers.office import Office, office_of
from hub.web.files import STORE, file_response
from hub.web.logged_in import posted
from hub.web.portal import office_tenders as prep
from hub.web.portal.office import SECTIONS
from hub.web.problems import status_of
from hub.web.schemas.tenders import Id
from hub.web.sessions import check_csrf
from hub.web.uploads import received_form
from tenants.registry import TenantRef
from tenants.tenders import (
    announce_tender,
    answer,
    cancel_tender,
    clarifications,
    create_tender,
    download_document,
    get_tender,
    load_schedule,
    reschedule_stage,
    upload_document,
)
from tenants.tenders.documents import ALLOWED_TYPES, MAX_DOCUMENT_BYTES
from tenants.tenders.stages import ORDER
from tenants.tenders.views import tender_view_now
from tenants.vocabulary import Evaluation

TENDERS = next(s for s in SECTIONS if s.path == "tender")
NEW_TENDER_FIELDS = ("package_id", "evaluation", "criteria", "technical_weight", "price_weight")
CRITERIA_FIELDS = frozenset({"criteria", "technical_weight", "price_weight", "passing_score"})


def where_shown(refused: HubError) -> str:
    """Where the new-tender form shows a refusal: its stage, its field, or above the form."""
    field = refused.field or ""
    if field in CRITERIA_FIELDS:
        return "criteria"
    if field.startswith("schedule.") or field in {"package_id", "evaluation", "objection_days"}:
        return field
    return "form"


class OfficeTenderController(Controller):
    include_in_schema = False
    path = "/kantor/{slug:str}/tender"

    @get("/", summary="The committee's tenders, and a new tender from a package")
    async def index(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        office = await office_of(request, db_session, slug)
        if (refused := self._closed(office)) is not None:
            return refused
        return await self._index(office, db_session, state)

    async def _index(
        self,
        office: Office,
        session: AsyncSession,
        state: State,
        status: int = 200,
        values: dict[str, str] | None = None,
        schedule: dict[str, dict[str, str]] | None = None,
        errors: dict[str, str] | None = None,
    ) -> Template:
        tenant = await office.tenant(session)
        async with tenant_session(state.engine, tenant.schema) as own:
            now = await database_now(own)
            tenders = await prep.committee_tenders(own, now)
            packages = await prep.packages_to_tender(own)
        schedule = schedule or prep.proposed_schedule(now, tenant.timezone)
        errors = errors or {}
        return office.page(
            "kantor_tender.html",
            status,
            tenant=tenant,
            tenders=tenders,
            packages=packages,
            evaluations=[e.value for e in Evaluation],
            stages=[s.value for s in ORDER],
            later=prep.LATER_STAGES,
            later_open=prep.later_stages_used(schedule, errors),
            values=values or {"evaluation": Evaluation.LOWEST_PRICE.value},
            schedule=schedule,
            errors=errors,
        )

    @post("/", summary="Put a package to tender with a schedule", status_code=303)
    async def create(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        office = await office_of(request, db_session, slug)
        if (refused := office.refusal()) is not None:
            return refused
        form = await posted(request)
        values = {name: form.get(name, "").strip() for name in (*NEW_TENDER_FIELDS, "passing_score")}
        values["objection_days"] = form.get("objection_days", "").strip()
        schedule = prep.schedule_fields(form)
        tenant = await office.tenant(db_session)
        try:
            async with tenant_session(state.engine, tenant.schema) as own, own.begin():
                tender = await create_tender(  # the API's service: its rules, its refusals
                    own,
                    await office.actor(db_session),
                    _package_id(values["package_id"]),
                    values["evaluation"],
                    prep.schedule_input(schedule, tenant.timezone),
                    criteria=prep.criteria_input(form),
                    objection_days=_days(values["objection_days"]),
                )
        except HubError as refusal:
            errors = {where_shown(refusal): refusal.detail}
            return await self._index(office, db_session, state, status_of(refusal), values, schedule, errors)
        return Redirect(f"/kantor/{slug}/tender/{tender.id}", status_code=303)

    @get("/{tender_id:int}", summary="One tender as its committee prepares it")
    async def show(
        self,
        slug: FromPath[str],
        tender_id: Id,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        office = await office_of(request, db_session, slug)
        if (refused := self._closed(office)) is not None:
            return refused
        return await self._tender_page(office, db_session, state, tender_id)

    async def _tender_page(
        self,
        office: Office,
        session: AsyncSession,
        state: State,
        tender_id: int,
        status: int = 200,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
    ) -> Template:
        tenant = await office.tenant(session)
        try:
            async with tenant_session(state.engine, tenant.schema) as own:
                tender = await get_tender(own, tender_id)
                view = await tender_view_now(own, tenant, tender)
                questions = await clarifications(own, tender_id)
                now = await database_now(own)
                schedule = await load_schedule(own, tender_id)
        except HubError as refusal:
            return office.failed(refusal)
        movable = [s.value for s in ORDER if s not in schedule or schedule[s].starts_at > now]
        return office.page(
            "kantor_tender_detail.html",
            status,
            tenant=tenant,
            v=view,
            questions=questions,
            movable=movable,
            fields=prep.shown_schedule(schedule, tenant.timezone),
            errors=errors or {},
            values=values or {},
            accepted=", ".join(sorted(ALLOWED_TYPES)),
            max_mib=MAX_DOCUMENT_BYTES // 2**20,
        )

    @post("/{tender_id:int}/jadwal", summary="Move a stage that has not started", status_code=303)
    async def reschedule(
        self,
        slug: FromPath[str],
        tender_id: Id,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        return await self._act(slug, tender_id, request, db_session, state, "schedule")

    @post("/{tender_id:int}/umumkan", summary="Announce the tender and create its bid key", status_code=303)
    async def announce(
        self,
        slug: FromPath[str],
        tender_id: Id,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        return await self._act(slug, tender_id, request, db_session, state, "announce")

    @post("/{tender_id:int}/batal", summary="Cancel the tender, with a reason", status_code=303)
    async def cancel(
        self,
        slug: FromPath[str],
        tender_id: Id,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        return await self._act(slug, tender_id, request, db_session, state, "cancel")

    @post(
        "/{tender_id:int}/pertanyaan/{question_id:int}",
        summary="Answer a clarification question",
        status_code=303,
    )
    async def answer_question(
        self,
        slug: FromPath[str],
        tender_id: Id,
        question_id: Id,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        return await self._act(slug, tender_id, request, db_session, state, "answer", question_id)

    async def _act(
        self,
        slug: str,
        tender_id: int,
        request: Request[Any, Any, State],
        session: AsyncSession,
        state: State,
        what: str,
        question_id: int = 0,
    ) -> Template | Redirect:
        """One of the page's forms through the API's service, in one transaction of the tenant;
        back to the tender's page, which shows the result, or shows the refusal next to the form
        (``errors[what]``) with what was typed kept."""
        office = await office_of(request, session, slug)
        if (refused := office.refusal()) is not None:
            return refused
        form = await posted(request)
        tenant = await office.tenant(session)
        try:
            async with tenant_session(state.engine, tenant.schema) as own, own.begin():
                await self._do(own, office, session, state, tenant, tender_id, what, form, question_id)
        except HubError as refusal:
            where = f"answer.{question_id}" if what == "answer" else what
            status = status_of(refusal)
            values = {k: v for k, v in form.items() if k != "csrf"}
            return await self._tender_page(
                office, session, state, tender_id, status, {where: refusal.detail}, values
            )
        anchor = {"schedule": "jadwal", "announce": "pengumuman", "cancel": "batal"}.get(what, "pertanyaan")
        return Redirect(f"/kantor/{slug}/tender/{tender_id}#{anchor}", status_code=303)

    async def _do(
        self,
        own: AsyncSession,
        office: Office,
        session: AsyncSession,
        state: State,
        tenant: TenantRef,
        tender_id: int,
        what: str,
        form: dict[str, str],
        question_id: int,
    ) -> None:
        actor = await office.actor(session)
        if what == "announce":
            await announce_tender(own, actor, tender_id, state.master)
        elif what == "cancel":
            await cancel_tender(own, actor, tender_id, form.get("reason", ""))
        elif what == "answer":
            await answer(own, actor, tender_id, question_id, form.get("answer", ""))
        else:
            stage = form.get("stage", "")
            field = f"schedule.{stage}"
            await reschedule_stage(
                own,
                actor,
                tender_id,
                stage,
                prep.local_moment(form.get("starts_at", ""), tenant.timezone, field),
                prep.local_moment(form.get("ends_at", ""), tenant.timezone, field),
                form.get("reason", ""),
            )

    @post(
        "/{tender_id:int}/dokumen",
        summary="Upload a tender document",
        status_code=303,
        request_max_body_size=DOCUMENT_FORM.body,
    )
    async def upload(
        self,
        slug: FromPath[str],
        tender_id: Id,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        """The API's upload: the same form limits (``DOCUMENT_FORM``), types and sizes
        (``upload_document``); the session's CSRF token is the form's text field. As the API's
        route does, the role is decided before the body is read: someone the section is closed to
        is refused without their file being received."""
        office = await office_of(request, db_session, slug)
        if (refused := self._closed(office)) is not None:
            return refused
        tenant = await office.tenant(db_session)
        try:
            async with received_form(request, DOCUMENT_FORM) as form:
                check_csrf(request, form.text("csrf") or "")
                files = form.files_of("file")
                if len(files) != 1:
                    raise InvalidInput("choose one file to upload", field="file")
                content = await files[0].read()
                async with tenant_session(state.engine, tenant.schema) as own, own.begin():
                    await upload_document(
                        own,
                        await office.actor(db_session),
                        tender_id,
                        files[0].name,
                        files[0].content_type,
                        content,
                        STORE,
                    )
        except HubError as refusal:
            errors = {"document": refusal.detail}
            return await self._tender_page(office, db_session, state, tender_id, status_of(refusal), errors)
        return Redirect(f"/kantor/{slug}/tender/{tender_id}#dokumen", status_code=303)

    @get("/{tender_id:int}/dokumen/{document_id:int}", summary="Download a tender document")
    async def document(
        self,
        slug: FromPath[str],
        tender_id: Id,
        document_id: Id,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Response[bytes] | Template | Redirect:
        office = await office_of(request, db_session, slug)
        if (refused := self._closed(office)) is not None:
            return refused
        tenant = await office.tenant(db_session)
        try:
            async with tenant_session(state.engine, tenant.schema) as own:
                document, data = await download_document(
                    own, tender_id, document_id, vendor_id=None, official=True, store=STORE
                )
        except HubError as refusal:
            return office.failed(refusal)
        return file_response(data, document.name, document.content_type, document.sha256)

    @staticmethod
    def _closed(office: Office) -> Template | Redirect | None:
        """The section's pages are for whoever may prepare tenders here (the policy table's answer)."""
        return office.refusal(TENDERS.action, "prep.refused")


def _package_id(text: str) -> int:
    if not text.isdigit() or len(text) > 18:
        raise InvalidInput("choose a package", field="package_id")
    return int(text)


def _days(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or len(text) > 4:
        raise InvalidInput(f"{text!r} is not a whole number of days", field="objection_days")
    return int(text)
