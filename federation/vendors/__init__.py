"""Vendors (*penyedia*) registered once for the hub, verified once, suspended per tenant; the keys
with which they sign their bids."""

from federation.vendors.key_log import KeyLogReport, verify_vendor_key_log
from federation.vendors.merging import merge_vendors
from federation.vendors.models import (
    KeyRevocation,
    Vendor,
    VendorEvent,
    VendorEventKind,
    VendorKeyEvent,
    VendorSigningKey,
    VendorStatus,
    VendorSuspension,
    VendorVerification,
)
from federation.vendors.registration import (
    get_vendor,
    list_vendors,
    merged_family,
    parse_status,
    public_vendor,
    register_vendor,
    vendor_detail,
    vendor_history,
    vendor_users,
    verifications_of,
)
from federation.vendors.signing_keys import (
    KnownKey,
    keys_of_vendors,
    own_signing_keys,
    public_signing_keys,
    register_signing_key,
    require_signing_key,
    revoke_signing_key,
)
from federation.vendors.suspensions import (
    Eligibility,
    VendorIneligible,
    can_bid_in,
    local_today,
    require_eligible,
    suspend_vendor,
    suspension_in,
    tenant_schema_of,
)
from federation.vendors.validation import format_npwp, normalise_npwp
from federation.vendors.verification import is_verified, verify_vendor

__all__ = [
    "Eligibility",
    "KeyLogReport",
    "KeyRevocation",
    "KnownKey",
    "Vendor",
    "VendorEvent",
    "VendorEventKind",
    "VendorIneligible",
    "VendorKeyEvent",
    "VendorSigningKey",
    "VendorStatus",
    "VendorSuspension",
    "VendorVerification",
    "can_bid_in",
    "format_npwp",
    "get_vendor",
    "is_verified",
    "keys_of_vendors",
    "list_vendors",
    "local_today",
    "merge_vendors",
    "merged_family",
    "normalise_npwp",
    "own_signing_keys",
    "parse_status",
    "public_signing_keys",
    "public_vendor",
    "register_signing_key",
    "register_vendor",
    "require_eligible",
    "require_signing_key",
    "revoke_signing_key",
    "suspend_vendor",
    "suspension_in",
    "tenant_schema_of",
    "vendor_detail",
    "vendor_history",
    "vendor_users",
    "verifications_of",
    "verify_vendor",
    "verify_vendor_key_log",
]
