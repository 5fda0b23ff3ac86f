"""Letter of award (SPPBJ) and contract over HTTP: the commitment officer's steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.caller import Caller
from hub.web.controllers.tenders import actor, view_of
from tenants.registry import TenantRef
from tenants.tenders import get_tender
from tenants.tenders.award.contracts import ContractInput, issue_award_letter, sign_contract


@dataclass(frozen=True, slots=True)
class AwardLetter:
    number: str


class ContractController(Controller):
    path = "/api/tenders/{tender_id:int}"
    tags = ["contracts"]  # noqa: RUF012

    @post("/award-letter", summary="Issue the letter of award, SPPBJ (commitment_officer)")
    async def letter(
        self,
        tender_id: FromPath[int],
        data: JSONBody[AwardLetter],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        async with tenant_session.begin():
            await issue_award_letter(tenant_session, actor(caller, tenant), tender_id, data.number)
            return await view_of(tenant_session, tenant, await get_tender(tenant_session, tender_id))

    @post("/contract", summary="Record the signed contract (commitment_officer)")
    async def contract(
        self,
        tender_id: FromPath[int],
        data: JSONBody[ContractInput],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        async with tenant_session.begin():
            await sign_contract(tenant_session, actor(caller, tenant), tender_id, data)
            return await view_of(tenant_session, tenant, await get_tender(tenant_session, tender_id))
