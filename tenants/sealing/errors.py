"""What can go wrong with sealed bids, their keys and their receipts.

These extend the hub's tree (drawn in ``hub.core.errors``)::

    HubError
    ├── InvalidInput              a bundle, key or field that breaks the format
    ├── Unprocessable
    │   ├── TamperedBid           a bid that does not decrypt or does not match its manifest
    │   ├── InvalidReceipt        a receipt that is malformed or whose signature does not verify
    │   ├── BadSignature          a vendor's signature missing, not verifying, or by a key not valid
    │   └── ShareRefused          a share of a tender key that does not open or does not belong
    └── KeyUnwrapError            a wrapped key does not open with its wrapping key and context

Malformed input that can be judged without a key (a bundle's JSON, a public key's text) is
``InvalidInput``; what is found wrong only by decrypting or verifying has its own class, so the
caller can tell "you sent something unreadable" from "this was altered or is not yours".
"""

from __future__ import annotations

from hub.core.errors import HubError, Unprocessable


class KeyUnwrapError(HubError):
    """A key of the hierarchy (tender key under tenant key, tenant key under master key) did not open.

    Either the wrapping key is not the one it was wrapped with, the context names another owner, or
    the stored bytes were altered. It is the operator's problem, never the caller's.
    """

    title = "Key unwrap failed"


class TamperedBid(Unprocessable):
    """A sealed bid did not open: wrong tender key, altered bytes, moved to another tender, tenant or
    vendor, or contents that do not match their own manifest. The detail names what failed."""

    title = "Tampered bid"


class InvalidReceipt(Unprocessable):
    """A bid receipt that is not well formed, or whose signature does not verify with the given key."""

    title = "Invalid receipt"


class BadSignature(Unprocessable):
    """A vendor's signature over a bid that does not hold up: missing, not verifying, or made with a
    key that is not one of the vendor's keys valid at the time. A 422: the request is well formed and
    the caller may bid, but the bid is not shown to be the vendor's."""

    title = "Bad signature"


class ShareRefused(Unprocessable):
    """A share of a tender's key that cannot count towards its opening: it does not open, is not the
    one sealed to its holder, or the shares do not rebuild the key. ``reason`` names the case in a
    word the audit trail and the API both use (``does-not-open``, ``wrong-share``, ...)."""

    title = "Share refused"

    def __init__(self, detail: str, *, reason: str, field: str | None = "share") -> None:
        super().__init__(detail, field=field, reason=reason)
