"""Letter of award (SPPBJ) and contract over HTTP: the commitment officer's (PPK) steps."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.policy import Action
from hub.web.auth import IN_TRANSACTION, requires
from hub.web.schemas.outcomes import AwardLetter
from hub.web.schemas.tenders import Id, TenderView
from tenants.tenders import get_tender
from tenants.tenders.award.contracts import ContractInput, issue_award_letter, sign_contract
from tenants.tenders.views import tender_view_now


class ContractController(Controller):
    path = "/api/tenders/{tender_id:int}"
    tags = ["contracts"]  # noqa: RUF012

    @post(
        "/award-letter",
        summary="Issue the letter of award, SPPBJ (commitment_officer)",
        **requires(Action.CONTRACT_SIGN, errors=(400, 409), standing=IN_TRANSACTION),
    )
    async def letter(
        self,
        tender_id: Id,
        data: JSONBody[AwardLetter],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> TenderView:
        await issue_award_letter(transaction, actor, tender_id, data.number)
        tender = await get_tender(transaction, tender_id)
        return TenderView.of(await tender_view_now(transaction, actor.tenant, tender))

    @post(
        "/contract",
        summary="Record the signed contract (commitment_officer)",
        **requires(Action.CONTRACT_SIGN, errors=(400, 409), standing=IN_TRANSACTION),
    )
    async def contract(
        self,
        tender_id: Id,
        data: JSONBody[ContractInput],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> TenderView:
        await sign_contract(transaction, actor, tender_id, data)
        tender = await get_tender(transaction, tender_id)
        return TenderView.of(await tender_view_now(transaction, actor.tenant, tender))
