"""The committee's evaluation in the office, from the opening to the award (issue 19):
``/kantor/{slug}/tender/{id}/evaluasi`` and the objections, ``/kantor/{slug}/tender/{id}/sanggah``.

One page shows the opened bids with a verdict form per bid and aspect, the assessments so far and
the ranking as the API computes them (``evaluation_state``), the verification of the top-ranked
bidder, the award decision and its announcement, the failure of the tender and its re-tender. Every
form posts to a step of its own that calls the service the API's route calls
(``hub.web.controllers.evaluation``, ``objections``) with the official as its ``Actor``, so the
policy table and the tender's rules decide here as there; then back to the page (Post/Redirect/Get),
or the page again with the values kept and the service's sentence next to the field it names.

The pages are the tender's runner's (``Action.TENDER_RUN``), the objections' the committee's
(``Action.OBJECTION_ANSWER``): anyone else seated in the LPSE gets a 403 page, before anything of
the tender is read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.policy import Action
from hub.core.database import tenant_session
from hub.core.errors import HubError, InvalidInput, NotFound
from hub.web.controllers.office import Office, office_of
from hub.web.logged_in import posted
from hub.web.portal import evaluation_form
from hub.web.problems import status_of
from tenants.tenders import get_tender
from tenants.tenders.award import decision
from tenants.tenders.award.objections import answer_objection, objections_of
from tenants.tenders.evaluation.assessments import evaluation_state, record_assessments, verify_qualification
from tenants.tenders.evaluation.ranking import EVALUATED, Ranking
from tenants.tenders.models import Package, Tender
from tenants.tenders.preparation.criteria import criteria_of

Step = Callable[[AsyncSession, Actor, int, dict[str, str]], Awaitable[int | None]]
"""One form's step: the service call with the posted fields; a new tender's id when it made one."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """The service's refusal of one form: which form, the field it names, its sentence, and the
    values posted (shown again)."""

    form: str
    field: str
    detail: str
    values: Mapping[str, str]


async def _assess(session: AsyncSession, actor: Actor, tender_id: int, form: dict[str, str]) -> None:
    tender = await get_tender(session, tender_id)
    entry = evaluation_form.assessment(form, criteria_of(tender.criteria))
    await record_assessments(session, actor, tender_id, [entry])


async def _verify(session: AsyncSession, actor: Actor, tender_id: int, form: dict[str, str]) -> None:
    vendor_id = evaluation_form.whole(form, "vendor_id")
    passed = evaluation_form.verdict(form)
    await verify_qualification(session, actor, tender_id, vendor_id, passed, form.get("reason", ""))


async def _award(session: AsyncSession, actor: Actor, tender_id: int, form: dict[str, str]) -> None:
    await decision.decide_award(session, actor, tender_id, evaluation_form.whole(form, "vendor_id"))


async def _announce(session: AsyncSession, actor: Actor, tender_id: int, form: dict[str, str]) -> None:
    await decision.announce_award(session, actor, tender_id)


async def _fail(session: AsyncSession, actor: Actor, tender_id: int, form: dict[str, str]) -> None:
    await decision.fail_tender(session, actor, tender_id, form.get("reason", ""))


async def _retender(session: AsyncSession, actor: Actor, tender_id: int, form: dict[str, str]) -> int:
    schedule = evaluation_form.retender_schedule(form, actor.tenant.timezone)
    return (await decision.retender(session, actor, tender_id, schedule)).id


STEPS: dict[str, Step] = {
    "penilaian": _assess,
    "verifikasi": _verify,
    "penetapan": _award,
    "pengumuman": _announce,
    "gagal": _fail,
    "tender-ulang": _retender,
}
"""The evaluation page's forms by the path they post to, under ``.../evaluasi/``."""


def _answer(objection_id: int) -> Step:
    """The step answering one objection: upheld (``terima``) or rejected (``tolak``), with its answer."""

    async def answer(session: AsyncSession, actor: Actor, tender_id: int, form: dict[str, str]) -> None:
        upheld = {"terima": True, "tolak": False}.get(form.get("upheld", ""))
        if upheld is None:
            raise InvalidInput("choose to uphold or to reject the objection", field="upheld")
        await answer_objection(session, actor, tender_id, objection_id, form.get("answer", ""), upheld)

    return answer


class OfficeEvaluationController(Controller):
    path = "/kantor/{slug:str}/tender/{tender_id:int}"
    include_in_schema = False

    @get("/evaluasi", summary="The evaluation of an opened tender, its award, failure and re-tender")
    async def evaluation(
        self,
        slug: FromPath[str],
        tender_id: FromPath[int],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        office = await _seated(request, db_session, slug, Action.TENDER_RUN)
        if not isinstance(office, Office):
            return office
        return await _evaluation_page(office, db_session, state, tender_id)

    @post(
        "/evaluasi/{step:str}",
        summary="One step of the evaluation, through the API's service",
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
        office = await _seated(request, db_session, slug, Action.TENDER_RUN)
        if not isinstance(office, Office):
            return office
        form = await posted(request)
        run = STEPS.get(step)
        if run is None:
            return office.reader.error(404, "")
        form_id = step if step != "penilaian" else f"penilaian-{form.get('vendor_id', '')}"
        done = await _take(office, db_session, state, tender_id, run, form, form_id, _evaluation_page)
        if isinstance(done, Template):
            return done
        if done is not None:  # a re-tender: on to the new tender's page
            return Redirect(f"/kantor/{slug}/tender/{done}", status_code=303)
        return Redirect(f"/kantor/{slug}/tender/{tender_id}/evaluasi#{step}", status_code=303)

    @get("/sanggah", summary="The objections to the award, each with its answer form")
    async def objections(
        self,
        slug: FromPath[str],
        tender_id: FromPath[int],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        office = await _seated(request, db_session, slug, Action.OBJECTION_ANSWER)
        if not isinstance(office, Office):
            return office
        return await _objections_page(office, db_session, state, tender_id)

    @post(
        "/sanggah/{objection_id:int}",
        summary="Answer an objection, through the API's service",
        status_code=303,
    )
    async def answer(
        self,
        slug: FromPath[str],
        tender_id: FromPath[int],
        objection_id: FromPath[int],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        office = await _seated(request, db_session, slug, Action.OBJECTION_ANSWER)
        if not isinstance(office, Office):
            return office
        form = await posted(request)
        form_id = f"sanggah-{objection_id}"
        run = _answer(objection_id)
        done = await _take(office, db_session, state, tender_id, run, form, form_id, _objections_page)
        if isinstance(done, Template):
            return done
        return Redirect(f"/kantor/{slug}/tender/{tender_id}/sanggah#{form_id}", status_code=303)


Page = Callable[[Office, AsyncSession, State, int, Refusal | None, int], Awaitable[Template]]
"""A page of the tender's evaluation: shown again with a form's refusal and its status."""


async def _take(
    office: Office,
    session: AsyncSession,
    state: State,
    tender_id: int,
    run: Step,
    form: dict[str, str],
    form_id: str,
    page: Page,
) -> Template | int | None:
    """``run`` in one transaction of the tenant, as the official: what it returns, or ``page`` again
    with the service's refusal next to the field it names (an unknown tender or objection: 404)."""
    actor = await office.actor(session)
    tenant = await office.tenant(session)
    try:
        async with tenant_session(state.engine, tenant.schema) as own, own.begin():
            return await run(own, actor, tender_id, form)
    except HubError as refusal:
        if isinstance(refusal, NotFound):
            return office.failed(refusal)
        if refusal.field == "vendor_id":  # a vendor with no bid has no form: shown above the forms
            form_id = form_id.split("-")[0]
        refused = Refusal(form_id, refusal.field or "form", refusal.detail, form)
        return await page(office, session, state, tender_id, refused, status_of(refusal))


async def _seated(
    request: Request[Any, Any, State], session: AsyncSession, slug: str, action: Action
) -> Office | Template | Redirect:
    """The office request, or the page refusing it (``_refusal``)."""
    office = await office_of(request, session, slug)
    return _refusal(office, action) or office


def _refusal(office: Office, action: Action) -> Template | Redirect | None:
    """The office's refusal, or a 403 page for an official whose roles do not take ``action``."""
    return office.refusal(action, "eval.refused")


@dataclass(frozen=True, slots=True)
class TenderHeading:
    """What every page of a tender's evaluation says about it first."""

    tender: Tender
    package: Package
    retendered_as: int | None


async def _heading(session: AsyncSession, tender_id: int) -> TenderHeading:
    tender = await get_tender(session, tender_id)
    package = await session.get(Package, tender.package_id)
    assert package is not None
    again = await session.scalar(select(Tender.id).where(Tender.retender_of == tender_id))
    return TenderHeading(tender, package, again)


async def _evaluation_page(
    office: Office,
    session: AsyncSession,
    state: State,
    tender_id: int,
    refused: Refusal | None = None,
    status: int = 200,
) -> Template:
    tenant = await office.tenant(session)
    try:
        async with tenant_session(state.engine, tenant.schema) as own:
            heading = await _heading(own, tender_id)
            ranking: Ranking | None = None
            if heading.tender.opening is not None:
                ranking = await evaluation_state(own, heading.tender)
            award = await decision.current_award(own, heading.tender)
    except HubError as refusal:
        return office.failed(refusal)
    return office.page(
        "kantor_evaluasi.html",
        status,
        tenant=tenant,
        h=heading,
        ranking=ranking,
        award=award,
        criteria=criteria_of(heading.tender.criteria),
        aspects=[a.value for a in EVALUATED],
        assess_fields=evaluation_form.assessment_fields(criteria_of(heading.tender.criteria)),
        schedule_fields=evaluation_form.RETENDER_FIELDS,
        refused=refused,
    )


async def _objections_page(
    office: Office,
    session: AsyncSession,
    state: State,
    tender_id: int,
    refused: Refusal | None = None,
    status: int = 200,
) -> Template:
    tenant = await office.tenant(session)
    try:
        async with tenant_session(state.engine, tenant.schema) as own:
            heading = await _heading(own, tender_id)
            objections = await objections_of(own, tender_id)
            award = await decision.current_award(own, heading.tender)
    except HubError as refusal:
        return office.failed(refusal)
    names = {}
    if heading.tender.opening is not None:
        names = {b["vendor_id"]: b.get("vendor") for b in heading.tender.opening["bids"]}
    return office.page(
        "kantor_sanggah.html",
        status,
        tenant=tenant,
        h=heading,
        objections=objections,
        award=award,
        names=names,
        refused=refused,
    )
