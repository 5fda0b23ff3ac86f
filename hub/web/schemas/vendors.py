"""Vendors (*penyedia*) as the API shows them: the hub-wide record, its standing in one tenant, a
verification, a suspension and its signing keys; and what a caller sends to register, verify or
suspend one, or to register and revoke its keys."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

import msgspec

from federation.vendors import Eligibility, Vendor, VendorSigningKey, VendorSuspension, VendorVerification
from tenants.sealing import encode_signing_public_key


class VendorUser(msgspec.Struct, frozen=True):
    """The vendor's first user: the person who registers it, and signs in for it afterwards."""

    email: str
    name: str
    password: str
    """At least as strong as the hub's password rule asks; never shown again."""


class VendorRegistration(msgspec.Struct, frozen=True):
    """A company registering itself once for every LPSE of the hub."""

    name: str
    npwp: str
    """Tax number (NPWP): 15 digits (classic) or 16 (NIK-based), with or without dots and dashes."""
    address: str
    home_regency_code: str
    """Kemendagri code of the regency or city where the company is domiciled (four digits)."""
    kbli: list[str]
    """Business fields, KBLI 2020 codes of five digits."""
    user: VendorUser
    nib: str | None = None
    """Business identification number from OSS (13 digits), when the company has one."""


class VerificationRequest(msgspec.Struct, frozen=True):
    """What a verifier checked of the vendor's documents (*verifikasi penyedia*)."""

    checked: list[str]
    """The documents checked, e.g. ``["NPWP", "NIB", "akta pendirian"]``; at least one."""
    note: str | None = None


class SuspensionRequest(msgspec.Struct, frozen=True):
    """Why and until when this tenant bars the vendor from its tenders (a sanction of one LPSE)."""

    reason: str
    ends_on: date
    """The last day of the suspension, on the tenant's clock; after today."""


class VendorView(msgspec.Struct, frozen=True):
    """A vendor as registered once for the whole hub."""

    id: int
    name: str
    npwp: str
    """Digits only."""
    nib: str | None
    address: str
    home_regency_code: str
    kbli: list[str]
    status: str
    """``registered`` (not checked yet), ``verified`` (valid in every tenant) or ``merged``."""
    merged_into_id: int | None
    """With ``merged``: the vendor this record was found to duplicate, which carries on."""
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, vendor: Vendor) -> VendorView:
        return cls(
            id=vendor.id,
            name=vendor.name,
            npwp=vendor.npwp,
            nib=vendor.nib,
            address=vendor.address,
            home_regency_code=vendor.home_regency_code,
            kbli=list(vendor.kbli),
            status=vendor.status,
            merged_into_id=vendor.merged_into_id,
            created_at=vendor.created_at,
            updated_at=vendor.updated_at,
        )


class VendorPublicView(msgspec.Struct, frozen=True, tag_field="view", tag="public"):
    """A verified vendor as anyone sees it: who it is and where it is domiciled, nothing more. Its
    tax number, address and standing are for the tenant's officials (``VendorStandingView``)."""

    id: int
    name: str
    home_regency_code: str
    """Kemendagri code of the regency or city where the company is domiciled."""

    @classmethod
    def of(cls, vendor: Vendor) -> VendorPublicView:
        return cls(id=vendor.id, name=vendor.name, home_regency_code=vendor.home_regency_code)


class VendorStandingView(msgspec.Struct, frozen=True, tag_field="view", tag="official"):
    """A vendor as one tenant's officials see it: the hub-wide record and whether it may bid here."""

    id: int
    name: str
    npwp: str
    nib: str | None
    address: str
    home_regency_code: str
    status: str
    may_bid_here: bool
    """Verified (by any tenant), not merged away, and not suspended in this tenant today."""
    reason: str | None
    """Why it may not bid here; ``None`` when it may."""
    kbli: list[str]

    @classmethod
    def of(cls, vendor: Vendor, eligibility: Eligibility) -> VendorStandingView:
        return cls(
            id=vendor.id,
            name=vendor.name,
            npwp=vendor.npwp,
            nib=vendor.nib,
            address=vendor.address,
            home_regency_code=vendor.home_regency_code,
            status=vendor.status,
            may_bid_here=bool(eligibility),
            reason=eligibility.reason,
            kbli=list(vendor.kbli),
        )


class VerificationView(msgspec.Struct, frozen=True):
    """A verification recorded by a verifier of one tenant, recognised by every tenant."""

    id: int
    vendor_id: int
    tenant_code: str
    """The tenant whose verifier checked the documents."""
    verifier_account_id: int
    checked: list[str]
    note: str | None
    verified_at: datetime

    @classmethod
    def of(cls, verification: VendorVerification) -> VerificationView:
        return cls(
            id=verification.id,
            vendor_id=verification.vendor_id,
            tenant_code=verification.tenant_code,
            verifier_account_id=verification.verifier_account_id,
            checked=list(verification.checked),
            note=verification.note,
            verified_at=verification.verified_at,
        )


class SuspensionView(msgspec.Struct, frozen=True):
    """A suspension in this tenant: the vendor may not bid in its tenders up to ``ends_on``."""

    id: int
    vendor_id: int
    reason: str
    ends_on: date
    suspended_by: int
    """The account that suspended it."""
    created_at: datetime
    lifted_at: datetime | None

    @classmethod
    def of(cls, suspension: VendorSuspension) -> SuspensionView:
        return cls(
            id=suspension.id,
            vendor_id=suspension.vendor_id,
            reason=suspension.reason,
            ends_on=suspension.ends_on,
            suspended_by=suspension.suspended_by,
            created_at=suspension.created_at,
            lifted_at=suspension.lifted_at,
        )


class SigningKeyRegistration(msgspec.Struct, frozen=True):
    """The public half of a signing key a vendor's user made on its own machine
    (``lpse-hub vendor key create``), to register for its vendor."""

    public_key: str
    """``ed25519:`` and the raw 32-byte key in unpadded base64url, as ``vendor key create`` prints it."""
    replaces: str | None = None
    """A rotation: the key id of the vendor's key this one replaces, revoked as ``rotated`` at once."""


class SigningKeyRevocation(msgspec.Struct, frozen=True):
    """Why a vendor's signing key must sign nothing more."""

    reason: Literal["compromised", "left_company", "retired"]
    """``compromised`` (lost, stolen, copied), ``left_company`` (its holder no longer acts for the
    vendor) or ``retired``."""


class PublicSigningKeyView(msgspec.Struct, frozen=True):
    """A vendor's signing key as anyone sees it, to check the signature of a bid it signed: valid from
    ``registered_at`` until ``revoked_at``."""

    key_id: str
    """The name bundles give the key (``signer``): the first 16 bytes of the SHA-256 of the raw key."""
    vendor_id: int
    public_key: str
    """``ed25519:`` and the raw 32-byte key in unpadded base64url."""
    registered_at: datetime
    revoked_at: datetime | None
    revoke_reason: str | None
    """``rotated``, ``compromised``, ``left_company`` or ``retired``."""
    replaced_by: str | None
    """With ``rotated``: the key id of its successor."""

    @classmethod
    def of(cls, key: VendorSigningKey) -> PublicSigningKeyView:
        return cls(**_key_fields(key))


class SigningKeyView(PublicSigningKeyView, frozen=True):
    """A signing key of the caller's vendor, with who registered and who revoked it."""

    account_id: int
    """The vendor's user who registered it."""
    revoked_by: int | None

    @classmethod
    def of(cls, key: VendorSigningKey) -> SigningKeyView:
        return cls(**_key_fields(key), account_id=key.account_id, revoked_by=key.revoked_by)


def _key_fields(key: VendorSigningKey) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "vendor_id": key.vendor_id,
        "public_key": encode_signing_public_key(key.public_key),
        "registered_at": key.registered_at,
        "revoked_at": key.revoked_at,
        "revoke_reason": key.revoke_reason,
        "replaced_by": key.replaced_by,
    }
