"""Committee-held tender keys over HTTP (issue 16): members register keys, the tenant_admin sets the
custody of new tenders and the recovery key, holders give their shares back after the close."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.policy import Action
from hub.core.errors import Conflict
from hub.web.auth import requires
from hub.web.openapi import problem_responses
from hub.web.problems import problem_response
from hub.web.schemas.custody import (
    GivenShareBody,
    GiveOutcomeView,
    KeyCustodyRules,
    KeyCustodyView,
    KeySharesView,
    KeyShareView,
    MemberKeyRegistration,
    MemberKeyView,
    RecoveryKeyRegistration,
)
from hub.web.schemas.tenders import Id
from tenants.sealing.key_shares import decode_member_public_key, decode_sealed
from tenants.sealing.tender_keys import encode_public_key
from tenants.tenders import Actor
from tenants.tenders.acting import get_tender
from tenants.tenders.bidding.given_shares import give_share, given_slots, opening_key
from tenants.tenders.custody import key_shares, member_keys, register_member_key
from tenants.tenders.custody.rules import CustodyRules, custody_rules, set_key_custody, set_recovery_key
from tenants.tenders.views import localized
from tenants.vocabulary import KeyCustody

Slot = Annotated[
    int, Parameter(ge=0, le=15, description="The share's slot, as the tender's key-shares list it.")
]


def _custody(rules: CustodyRules) -> KeyCustodyView:
    return KeyCustodyView(rules.key_custody.value, rules.share_threshold, rules.recovery_fingerprint)


class MemberKeyController(Controller):
    path = "/api/member-keys"
    tags = ["key custody"]  # noqa: RUF012

    @post(
        "/",
        summary="Register the caller's member key, made on their machine (replaces their current one)",
        **requires(Action.MEMBER_KEYS, errors=(400,)),
    )
    async def register(
        self,
        data: JSONBody[MemberKeyRegistration],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> MemberKeyView:
        return MemberKeyView.of(await register_member_key(transaction, actor, data.public_key))

    @get(
        "/",
        summary="The member keys of this LPSE, revoked ones too (public: shares are sealed to them)",
        responses=problem_responses(400),
    )
    async def index(
        self,
        tenant_session: NamedDependency[AsyncSession],
        account_id: Annotated[int | None, Parameter(ge=1, description="Only this account's keys.")] = None,
    ) -> list[MemberKeyView]:
        return [MemberKeyView.of(key) for key in await member_keys(tenant_session, account_id)]


class KeyCustodyController(Controller):
    path = "/api/procurement-rules"
    tags = ["key custody"]  # noqa: RUF012

    @get("/key-custody", summary="Who holds the keys of new tenders, and the recovery key's fingerprint")
    async def show(self, tenant_session: NamedDependency[AsyncSession]) -> KeyCustodyView:
        return _custody(await custody_rules(tenant_session))

    @put(
        "/key-custody",
        summary="Choose who holds the keys of tenders announced from now on (tenant_admin)",
        **requires(Action.RULES_CHANGE, errors=(400,)),
    )
    async def change(
        self,
        data: JSONBody[KeyCustodyRules],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> KeyCustodyView:
        return _custody(await set_key_custody(transaction, actor, data.key_custody, data.share_threshold))

    @put(
        "/recovery-key",
        summary="Register the LPSE's offline recovery key, kept on paper (tenant_admin)",
        **requires(Action.RULES_CHANGE, errors=(400,)),
    )
    async def recovery(
        self,
        data: JSONBody[RecoveryKeyRegistration],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> KeyCustodyView:
        raw = decode_member_public_key(data.public_key)
        return _custody(await set_recovery_key(transaction, actor, raw))


class KeyShareController(Controller):
    path = "/api/tenders/{tender_id:int}"
    tags = ["key custody"]  # noqa: RUF012

    @get(
        "/key-shares",
        summary="A committee-held tender's shares, each sealed to its holder (public: only the holder "
        "opens one)",
        responses=problem_responses(400, 404, 409),
    )
    async def shares(self, tender_id: Id, tenant_session: NamedDependency[AsyncSession]) -> KeySharesView:
        tender = await get_tender(tenant_session, tender_id)
        if tender.key_custody != KeyCustody.COMMITTEE or tender.share_threshold is None:
            raise Conflict(f"tender {tender_id}'s key is held by the hub, not in shares")
        given = set(await given_slots(tenant_session, tender_id))
        return KeySharesView(
            threshold=tender.share_threshold,
            shares=[KeyShareView.of(share, given) for share in await key_shares(tenant_session, tender_id)],
            opening_key=encode_public_key(tender.opening_public_key) if tender.opening_public_key else None,
        )

    @post(
        "/opening-key",
        summary="The opening's one-time key, made at the first request after the close (share holders)",
        status_code=200,
        **requires(Action.KEY_SHARE_GIVE, errors=(400, 404, 409)),
    )
    async def opening_key(
        self,
        tender_id: Id,
        actor: NamedDependency[Actor],
        state: State,
        transaction: NamedDependency[AsyncSession],
    ) -> KeySharesView:
        made = await opening_key(transaction, actor, tender_id, state.master, state.outage_rule)
        given = set(made.given)
        return KeySharesView(
            threshold=made.threshold,
            shares=[KeyShareView.of(share, given) for share in made.shares],
            opening_key=encode_public_key(made.public_key),
        )

    @post(
        "/key-shares/{slot:int}",
        summary="Give back one's share, sealed to the opening's key; the last one needed opens the bids",
        status_code=200,
        **requires(Action.KEY_SHARE_GIVE, errors=(400, 404, 409, 422)),
    )
    async def give(
        self,
        tender_id: Id,
        slot: Slot,
        data: JSONBody[GivenShareBody],
        request: Request[Any, Any, State],
        actor: NamedDependency[Actor],
        state: State,
        transaction: NamedDependency[AsyncSession],
    ) -> Response[Any] | GiveOutcomeView:
        await get_tender(transaction, tender_id)  # another LPSE's tender is not found, whatever the body
        sealed = decode_sealed(data.sealed_share)
        outcome = await give_share(
            transaction,
            actor,
            tender_id,
            slot,
            sealed,
            state.master,
            unsealer=state.unsealing,
            outages=state.outage_rule,
        )
        if outcome.refused is not None:
            # Answered, not raised: the transaction commits the refusal's audit entry.
            return problem_response(request, outcome.refused)
        assert outcome.threshold is not None
        opening = localized(outcome.opening, ZoneInfo(actor.tenant.timezone)) if outcome.opening else None
        return GiveOutcomeView(outcome.given, outcome.threshold, opening is not None, opening)
