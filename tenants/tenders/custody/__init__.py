"""Committee-held tender keys (issue 16): member keys, the key split at announcement, shares given back."""

from tenants.tenders.custody.member_keys import current_member_keys, member_keys, register_member_key
from tenants.tenders.custody.models import GivenShare, MemberKey, TenderKeyShare
from tenants.tenders.custody.shares import RECOVERY, custody_record, key_shares, share_tender_key

__all__ = [
    "RECOVERY",
    "GivenShare",
    "MemberKey",
    "TenderKeyShare",
    "current_member_keys",
    "custody_record",
    "key_shares",
    "member_keys",
    "register_member_key",
    "share_tender_key",
]
