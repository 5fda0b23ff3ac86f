"""Who may do what: the one policy table, read by the HTTP route guards and by the services.

Every action a caller can take is an ``Action``. Its ``Rule`` says which OAuth scopes a token must
carry for it (any one of them), which roles the caller must hold (in the tenant of the request, or
hub-wide), and whether a machine client (client credentials, acting as itself) may take it at all.

Two doors read this table, and no other check of roles or scopes is written anywhere:

- the route guard (``hub.web.policy``) refuses a request whose token lacks the scope (403,
  ``insufficient_scope``) or is a machine's where a person is needed, before anything is read;
- the service refuses an account without the role (``require``), in the transaction of the change,
  from the memberships as they are now: a role granted or revoked counts at the next request.

A scope narrows what a token may do; it never adds to what its account may do. A token with
``review:read`` lets an e-monev system read the coordination review on behalf of a province auditor,
and nothing else; the ``lpse`` scope lets an application act in procurement as the person.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.accounts import roles_in
from federation.identity.models import Role
from hub.core.errors import Forbidden, InsufficientScope


class Scope(StrEnum):
    """What a token may be used for. Clients are granted a subset; persons consent to it."""

    OPENID = "openid"
    PROFILE = "profile"
    EMAIL = "email"
    OFFLINE_ACCESS = "offline_access"
    PROCUREMENT = "lpse"
    TENDERS_READ = "tenders:read"
    AUDIT_READ = "audit:read"
    REVIEW_READ = "review:read"
    PLANS_WRITE = "plans:write"
    MONEV_WRITE = "monev:write"


SCOPE_MEANINGS: Mapping[Scope, tuple[str, str]] = MappingProxyType(
    {
        # (Indonesian, English): what the consent page says a scope allows.
        Scope.OPENID: (
            "Mengetahui siapa Anda (nomor akun Anda di hub).",
            "Know who you are (your account number at the hub).",
        ),
        Scope.PROFILE: ("Melihat nama Anda.", "See your name."),
        Scope.EMAIL: ("Melihat alamat email Anda.", "See your email address."),
        Scope.OFFLINE_ACCESS: (
            "Tetap masuk atas nama Anda setelah Anda menutup aplikasi (token penyegaran).",
            "Stay signed in as you after you close the application (a refresh token).",
        ),
        Scope.PROCUREMENT: (
            "Bertindak dalam pengadaan atas nama Anda, sejauh peran Anda mengizinkan: mengirim "
            "penawaran, menyanggah, membuat paket dan tender, mengevaluasi, menetapkan pemenang, "
            "menandatangani kontrak, di setiap LPSE tempat Anda memegang peran.",
            "Act in procurement as you, as far as your roles allow: submit bids, lodge objections, "
            "create packages and tenders, evaluate, award, sign contracts, in every LPSE where you "
            "hold a role.",
        ),
        Scope.TENDERS_READ: (
            "Membaca tender sebagaimana Anda melihatnya sebagai pejabat (draf dan evaluasi yang belum "
            "diumumkan), tanpa dapat mengubah apa pun.",
            "Read tenders as you see them as an official (drafts, unpublished evaluations), without "
            "changing anything.",
        ),
        Scope.AUDIT_READ: (
            "Membaca jejak audit dan memeriksa keutuhannya, sejauh peran auditor Anda mengizinkan.",
            "Read the audit trail and check that it holds, as far as your auditor role allows.",
        ),
        Scope.REVIEW_READ: (
            "Membaca angka rapat koordinasi (rakor) provinsi, sejauh peran Anda mengizinkan.",
            "Read the province's coordination review (rakor) figures, as far as your role allows.",
        ),
        Scope.PLANS_WRITE: (
            "Mencatat rencana umum pengadaan (RUP) beserta pagunya, sejauh peran Anda mengizinkan.",
            "Record the procurement plan (RUP) and its budget ceilings, as far as your role allows.",
        ),
        Scope.MONEV_WRITE: (
            "Mencatat pelaksanaan kontrak (progres fisik, pembayaran, adendum), sejauh peran Anda "
            "mengizinkan.",
            "Record how contracts are carried out (physical progress, payments, amendments), as far "
            "as your role allows.",
        ),
    }
)

SUPPORTED_SCOPES: tuple[str, ...] = tuple(scope.value for scope in Scope)


class Action(StrEnum):
    """Everything a caller can ask the hub to do that not everybody may."""

    AGENCY_ADD = "agency.add"
    RULES_CHANGE = "procurement-rules.change"
    PACKAGE_CREATE = "package.create"
    TENDER_PREPARE = "tender.prepare"  # create, announce, reschedule, cancel, documents, answers
    TENDER_RUN = "tender.run"  # open bids, evaluate, verify, award, announce, fail, re-tender
    OBJECTION_ANSWER = "objection.answer"
    DIRECT_INVITE = "direct-procurement.invite"
    CONTRACT_SIGN = "contract.sign"  # the letter of award (SPPBJ) and the contract
    OFFICIAL_READ = "tender.read-as-official"  # drafts, evaluations before they are published
    VENDOR_ACT = "vendor.act"  # register, ask, bid, offer, lodge an objection: as the caller's vendor
    VENDOR_KEYS = "vendor.keys"  # register, rotate, revoke and list the caller's vendor's signing keys
    MEMBER_KEYS = "member.keys"  # register the caller's own member key (committee-held tender keys)
    KEY_SHARE_GIVE = "key-share.give"  # give back one's share of a tender key for its opening
    TENDER_FOLLOW = "tender.follow"  # documents and questions: a registered vendor's or an official's
    ACCOUNT_READ = "account.read"  # the caller's own account and roles
    VENDOR_READ_PRIVATE = "vendor.read-private"  # NPWP, address, standing; unverified vendors too
    VENDOR_VERIFY = "vendor.verify"
    VENDOR_SUSPEND = "vendor.suspend"
    VENDOR_MERGE = "vendor.merge"
    AUDIT_READ = "audit.read"
    REVIEW_READ = "review.read"
    TENANT_PROVISION = "tenant.provision"  # create a regency's tenant from the regions table
    PLAN_RECORD = "plan.record"  # record the procurement plan (RUP): import, add, revise plan items
    CONTRACT_MONITOR = "contract.monitor"  # record a contract's progress, payments, milestones, amendments


TENANT_ROLES = (
    Role.TENANT_ADMIN,
    Role.COMMITMENT_OFFICER,
    Role.SELECTION_COMMITTEE,
    Role.PROCUREMENT_OFFICER,
    Role.VERIFIER,
    Role.AUDITOR,
)
ANY_ROLE = (*TENANT_ROLES, Role.HUB_ADMIN, Role.PROVINCE_AUDITOR)


@dataclass(frozen=True, slots=True)
class Rule:
    """What an action needs. ``roles`` empty: any active account (a vendor's user, for instance)."""

    scopes: tuple[Scope, ...]
    roles: tuple[Role, ...] = ()
    hub_wide: bool = False
    """The roles count only where held hub-wide (no tenant): merging vendors, the province's review."""
    machines: bool = False
    """A machine client's token (no person behind it) may take it; otherwise a person is needed."""


_ACT = (Scope.PROCUREMENT,)

POLICY: Mapping[Action, Rule] = MappingProxyType(
    {
        Action.AGENCY_ADD: Rule(_ACT, (Role.TENANT_ADMIN,)),
        Action.RULES_CHANGE: Rule(_ACT, (Role.TENANT_ADMIN,)),
        Action.PACKAGE_CREATE: Rule(_ACT, (Role.COMMITMENT_OFFICER,)),
        Action.TENDER_PREPARE: Rule(_ACT, (Role.SELECTION_COMMITTEE,)),
        # Which of the two runs a given tender is the tender's business (direct procurement or
        # not): ``tenants.tenders.acting.runner_tender`` narrows it once the tender is read.
        Action.TENDER_RUN: Rule(_ACT, (Role.SELECTION_COMMITTEE, Role.PROCUREMENT_OFFICER)),
        Action.OBJECTION_ANSWER: Rule(_ACT, (Role.SELECTION_COMMITTEE,)),
        # Those who may hold a share of a tender key: its runners. The tenant admin (the head of the
        # procurement unit) holds the tenant's recovery key on paper, and gives its share back.
        Action.MEMBER_KEYS: Rule(_ACT, (Role.SELECTION_COMMITTEE, Role.PROCUREMENT_OFFICER)),
        Action.KEY_SHARE_GIVE: Rule(
            _ACT, (Role.SELECTION_COMMITTEE, Role.PROCUREMENT_OFFICER, Role.TENANT_ADMIN)
        ),
        Action.DIRECT_INVITE: Rule(_ACT, (Role.PROCUREMENT_OFFICER,)),
        Action.CONTRACT_SIGN: Rule(_ACT, (Role.COMMITMENT_OFFICER,)),
        Action.OFFICIAL_READ: Rule((Scope.PROCUREMENT, Scope.TENDERS_READ), ANY_ROLE),
        Action.VENDOR_ACT: Rule(_ACT),
        # Hub-wide: a vendor's keys sign its bids in every tenant. Being a vendor's user is the
        # service's check (a person's account with a vendor), as for VENDOR_ACT.
        Action.VENDOR_KEYS: Rule(_ACT),
        # Who sees what of it (a registered vendor, or an official) is the service's business.
        Action.TENDER_FOLLOW: Rule((Scope.PROCUREMENT, Scope.TENDERS_READ)),
        Action.ACCOUNT_READ: Rule(
            (Scope.PROCUREMENT, Scope.TENDERS_READ, Scope.AUDIT_READ, Scope.REVIEW_READ), machines=True
        ),
        # The public sees a verified vendor's name and regency; a tenant's officials see the rest.
        Action.VENDOR_READ_PRIVATE: Rule((Scope.PROCUREMENT, Scope.TENDERS_READ), ANY_ROLE),
        Action.VENDOR_VERIFY: Rule(_ACT, (Role.VERIFIER,)),
        Action.VENDOR_SUSPEND: Rule(_ACT, (Role.TENANT_ADMIN, Role.VERIFIER)),
        Action.VENDOR_MERGE: Rule(_ACT, (Role.HUB_ADMIN,), hub_wide=True),
        Action.AUDIT_READ: Rule(
            (Scope.PROCUREMENT, Scope.AUDIT_READ),
            (Role.AUDITOR, Role.PROVINCE_AUDITOR, Role.TENANT_ADMIN, Role.HUB_ADMIN),
        ),
        Action.REVIEW_READ: Rule(
            (Scope.PROCUREMENT, Scope.REVIEW_READ), (Role.HUB_ADMIN, Role.PROVINCE_AUDITOR), hub_wide=True
        ),
        Action.TENANT_PROVISION: Rule(_ACT, (Role.HUB_ADMIN,), hub_wide=True),
        # The regency's e-planning and e-budgeting (machine clients of the tenant) send the plan too.
        Action.PLAN_RECORD: Rule(
            (Scope.PROCUREMENT, Scope.PLANS_WRITE),
            (Role.TENANT_ADMIN, Role.COMMITMENT_OFFICER),
            machines=True,
        ),
        # The commitment officer (PPK) owns the contract; the regency's e-monev reports as itself.
        Action.CONTRACT_MONITOR: Rule(
            (Scope.PROCUREMENT, Scope.MONEV_WRITE), (Role.COMMITMENT_OFFICER,), machines=True
        ),
    }
)


def rule_of(action: Action) -> Rule:
    return POLICY[action]


def check_scopes(action: Action, granted: Iterable[str]) -> None:
    """``InsufficientScope`` unless the token carries one of the scopes the action needs."""
    needed = rule_of(action).scopes
    if not set(granted).intersection(needed):
        raise InsufficientScope(
            f"this token was not granted the scope this needs ({' or '.join(needed)})",
            scopes=tuple(s.value for s in needed),
        )


def role_for(action: Action, held: Collection[Role]) -> Role | None:
    """The first role of the action's rule among ``held`` (the roles an account holds in the tenant,
    hub-wide ones included); ``Forbidden`` if none. ``None`` for an action that needs no role."""
    rule = rule_of(action)
    if not rule.roles:
        return None
    for role in rule.roles:
        if role in held and (role.is_hub_role or not rule.hub_wide):
            return role
    names = " or ".join(r.value for r in rule.roles)
    where = "hub-wide" if rule.hub_wide else "in this tenant"
    raise Forbidden(f"this needs the role {names} {where}")


async def require(
    session: AsyncSession, account_id: int, tenant_id: int | None, action: Action
) -> Role | None:
    """``role_for`` the roles the account holds now in the tenant (``tenant_id`` ``None``: hub-wide)."""
    rule = rule_of(action)
    if not rule.roles:
        return None
    return role_for(action, await roles_in(session, account_id, None if rule.hub_wide else tenant_id))


__all__ = [
    "ANY_ROLE",
    "POLICY",
    "SCOPE_MEANINGS",
    "SUPPORTED_SCOPES",
    "TENANT_ROLES",
    "Action",
    "Rule",
    "Scope",
    "check_scopes",
    "require",
    "role_for",
    "rule_of",
]
