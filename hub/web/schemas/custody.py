"""Committee-held tender keys over HTTP: member keys, the shares of a tender, giving one back."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from tenants.sealing.key_shares import encode_sealed
from tenants.sealing.tender_keys import encode_public_key
from tenants.tenders.custody import MemberKey, TenderKeyShare


class KeyHolderView(msgspec.Struct, frozen=True):
    slot: int
    holder: Literal["member", "recovery"]
    account_id: int | None
    """The committee member; none for the recovery share, sealed to the LPSE's recovery key."""
    fingerprint: str
    """Of the key the share is sealed to."""


class KeyCustodyRecord(msgspec.Struct, frozen=True):
    """Who holds a tender's private key until its opening (public, from the announcement on)."""

    mode: Literal["hub", "committee"]
    """``hub``: wrapped under the tenant's key, under the hub's master key (tenders before issue 16,
    and LPSEs that did not choose committee custody); ``committee``: in shares, ``threshold`` of
    which open it, the private key stored nowhere."""
    threshold: int | None = None
    holders: list[KeyHolderView] = []
    used: list[int] | None = None
    """Once opened: the slots whose shares opened it."""


class MemberKeyRegistration(msgspec.Struct, frozen=True):
    """The public half of an X25519 key the member made on their own machine
    (``lpse-hub member key create``); it replaces the member's current key."""

    public_key: str
    """``x25519:`` and the raw 32-byte key in unpadded base64url, as ``member key create`` prints it."""


class MemberKeyView(msgspec.Struct, frozen=True):
    """A member's key: shares of committee-held tender keys are sealed to it while it is current."""

    id: int
    account_id: int
    public_key: str
    fingerprint: str
    registered_at: str
    revoked_at: str | None
    revoke_reason: str | None

    @classmethod
    def of(cls, key: MemberKey) -> MemberKeyView:
        return cls(
            id=key.id,
            account_id=key.account_id,
            public_key=encode_public_key(key.public_key),
            fingerprint=key.fingerprint,
            registered_at=key.registered_at.isoformat(),
            revoked_at=key.revoked_at.isoformat() if key.revoked_at else None,
            revoke_reason=key.revoke_reason,
        )


class KeyCustodyRules(msgspec.Struct, frozen=True):
    """Who holds the keys of tenders announced from now on, and how many shares open them."""

    key_custody: Literal["hub", "committee"]
    share_threshold: int | None = None
    """Shares that open a committee-held tender; none: a majority of its committee."""


class KeyCustodyView(msgspec.Struct, frozen=True):
    key_custody: str
    share_threshold: int | None
    recovery_fingerprint: str | None
    """The fingerprint of the tenant's offline recovery key, if it has one."""


class RecoveryKeyRegistration(msgspec.Struct, frozen=True):
    public_key: str
    """``x25519:`` and the raw key, as ``lpse-hub tenant recovery-key create`` prints it."""


class KeyShareView(msgspec.Struct, frozen=True):
    """One share of a committee-held tender key, sealed to its holder's key (public: only that key
    opens it)."""

    slot: int
    holder: Literal["member", "recovery"]
    account_id: int | None
    fingerprint: str
    """Of the key the share is sealed to: a member compares it with their own key's."""
    sealed_share: str
    """HPKE-sealed to the holder's key (``tenants.sealing.key_shares``), unpadded base64url."""
    given: bool

    @classmethod
    def of(cls, share: TenderKeyShare, given: set[int]) -> KeyShareView:
        return cls(
            slot=share.slot,
            holder="recovery" if share.is_recovery else "member",
            account_id=share.holder_account_id,
            fingerprint=share.holder_fingerprint,
            sealed_share=encode_sealed(share.sealed_share),
            given=share.slot in given,
        )


class KeySharesView(msgspec.Struct, frozen=True):
    """A committee-held tender's shares, its threshold, and the opening's one-time key once made."""

    threshold: int
    shares: list[KeyShareView]
    opening_key: str | None
    """``x25519:...``: give a share back sealed to it; none before the first request after the close."""


class GivenShareBody(msgspec.Struct, frozen=True):
    sealed_share: str
    """The share, unsealed on the holder's machine and sealed again to the opening's one-time key
    (``lpse-hub opening share`` does both), unpadded base64url."""


class GiveOutcomeView(msgspec.Struct, frozen=True):
    given: list[int]
    """The slots whose shares are in."""
    threshold: int
    opened: bool
    opening: dict[str, Any] | None = None
    """The opening record, once this share reached the threshold."""
