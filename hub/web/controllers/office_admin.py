"""The tenant admin's page in the office (``/kantor/{slug}/admin``): the tenant's agencies (list,
add), its officials and their roles, its procurement rules (the objection period's limits), who
holds the keys of new tenders with the recovery key's status, and its member keys.

Every change calls the service the API's route calls (``POST /api/agencies``,
``PUT /api/procurement-rules``, ``PUT /api/key-custody``) with the admin as the actor: the same
rules, the same refusals, shown next to the field. Granting and revoking roles has no service a
tenant admin may call (it is the operator's, at the CLI), so the page says so and shows the command.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from hub.core.database import tenant_session
from hub.core.errors import HubError
from hub.web.controllers.office import Office, office_of
from hub.web.controllers.office_section import section_refusal
from hub.web.logged_in import posted
from hub.web.portal.office_admin import administration
from hub.web.portal.office_forms import optional_number, whole_number
from hub.web.problems import status_of
from tenants.agencies import add_agency
from tenants.tenders.custody.rules import set_key_custody
from tenants.tenders.procurement_rules import ObjectionLimits, set_objection_limits

SECTION = "admin"
LIMIT_FIELDS = ("objection_min_days", "objection_default_days", "objection_max_days")
FIELDS = ("name", *LIMIT_FIELDS, "objection_days", "key_custody", "share_threshold")


async def _add_agency(session: AsyncSession, actor: Actor, form: dict[str, str]) -> None:
    await add_agency(session, form["name"], actor=actor)


async def _change_limits(session: AsyncSession, actor: Actor, form: dict[str, str]) -> None:
    lowest, usual, longest = (whole_number(form[name], name) for name in LIMIT_FIELDS)
    await set_objection_limits(session, actor, ObjectionLimits(lowest, longest, usual))


async def _change_custody(session: AsyncSession, actor: Actor, form: dict[str, str]) -> None:
    threshold = optional_number(form["share_threshold"], "share_threshold")
    await set_key_custody(session, actor, form["key_custody"], threshold)


CHANGES = {"satker": _add_agency, "aturan": _change_limits, "kunci": _change_custody}


class AdminOfficeController(Controller):
    include_in_schema = False
    path = "/kantor/{slug:str}/admin"

    @get("/", summary="My LPSE's agencies, officials, procurement rules and key custody")
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
        return await self._page(office, db_session, state, {}, {})

    @post(
        "/{part:str}",
        summary="Add an agency (satker), change the objection limits (aturan) or key custody (kunci)",
        status_code=303,
    )
    async def change(
        self,
        slug: FromPath[str],
        part: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        """One change through the API's service, in one transaction; back to the page (its part of
        it), or the page again with the values kept and the refusal next to its field."""
        office = await office_of(request, db_session, slug)
        if (refused := section_refusal(office, SECTION)) is not None:
            return refused
        if part not in CHANGES:
            return office.reader.error(404, "")
        form = await posted(request)
        values = {name: form[name].strip() for name in FIELDS if name in form}
        tenant = await office.tenant(db_session)
        try:
            actor = await office.actor(db_session)
            async with tenant_session(state.engine, tenant.schema) as session, session.begin():
                await CHANGES[part](session, actor, {name: values.get(name, "") for name in FIELDS})
        except HubError as refusal:
            where = refusal.field if refusal.field in FIELDS else "form"
            errors = {where: refusal.detail}
            return await self._page(office, db_session, state, values, errors, status_of(refusal))
        return Redirect(f"/kantor/{slug}/admin#{part}", status_code=303)

    async def _page(
        self,
        office: Office,
        db_session: AsyncSession,
        state: State,
        values: dict[str, str],
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        tenant = await office.tenant(db_session)
        async with tenant_session(state.engine, tenant.schema) as session:
            shown = await administration(db_session, session, tenant.id)
        shown_values = {
            "objection_min_days": str(shown.limits.min_days),
            "objection_default_days": str(shown.limits.default_days),
            "objection_max_days": str(shown.limits.max_days),
            "key_custody": shown.custody.key_custody.value,
            "share_threshold": str(shown.custody.share_threshold or ""),
        }
        return office.page(
            "kantor_admin.html",
            status,
            tenant=tenant,
            shown=shown,
            values=shown_values | values,
            errors=errors,
            grant_command=f"lpse-hub account grant EMAIL --role ROLE --tenant {tenant.slug}",
            revoke_command=f"lpse-hub account revoke EMAIL --role ROLE --tenant {tenant.slug}",
        )
