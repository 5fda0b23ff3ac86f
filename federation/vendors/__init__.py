"""Vendors (*penyedia*) registered once for the hub, verified once, suspended per tenant."""

from federation.vendors.merging import merge_vendors
from federation.vendors.models import (
    Vendor,
    VendorEvent,
    VendorEventKind,
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
    "Vendor",
    "VendorEvent",
    "VendorEventKind",
    "VendorIneligible",
    "VendorStatus",
    "VendorSuspension",
    "VendorVerification",
    "can_bid_in",
    "format_npwp",
    "get_vendor",
    "is_verified",
    "list_vendors",
    "local_today",
    "merge_vendors",
    "merged_family",
    "normalise_npwp",
    "parse_status",
    "public_vendor",
    "register_vendor",
    "require_eligible",
    "suspend_vendor",
    "suspension_in",
    "tenant_schema_of",
    "vendor_detail",
    "vendor_history",
    "vendor_users",
    "verifications_of",
    "verify_vendor",
]
