"""The hub's own exceptions, raised by services and mapped once to HTTP and once to the CLI.

::

    HubError
    ├── ConfigurationError        settings the hub cannot start with
    │   └── MasterKeyMissing      an external database and no LPSE_HUB_MASTER_KEY
    ├── InvalidInput              a value breaks a rule
    ├── Unprocessable             well formed, but it does not hold up
    │   ├── InvalidRows           rows of a batch (a plan import) that break rules: each named
    │   ├── TamperedBid           (tenants.sealing) a bid that does not open or match its manifest
    │   ├── InvalidReceipt        (tenants.sealing) a receipt malformed or not verifying
    │   └── BadSignature          (tenants.sealing) a vendor's signature missing, wrong, or by a key
    │                             not valid for it
    ├── Unauthenticated           no valid credentials
    │   └── InvalidToken          a token was sent, but it is invalid, expired or revoked
    ├── Forbidden                 valid credentials, not the role this needs here
    │   └── InsufficientScope     the token was not granted the scope this needs
    ├── NotFound                  no such thing
    │   └── TenantNotFound
    ├── Conflict                  it exists already, or the state forbids it
    │   └── VendorIneligible      (federation.vendors) suspended, unverified or merged away here
    ├── TooManyAttempts           rate-limited; ``retry_after`` seconds
    ├── TenantSuspended           the tenant exists but does not serve
    ├── DatabaseUnavailable       PostgreSQL cannot be reached or is not migrated
    ├── WorkerUnavailable         a worker process the request needed stopped; retry
    └── KeyUnwrapError            (tenants.sealing) a stored key does not open: the operator's problem

Each carries a short ``title`` (the same for every instance of the class) and a ``detail``
sentence for the person who made the request. ``field`` names the offending input, when
there is one; ``reason`` names the case in a word, when one class covers several. What a class
means to a protocol (an HTTP status, an exit code) is decided where that protocol lives:
``hub.web.problems`` and ``cli.command_runner``.
"""

from __future__ import annotations

from dataclasses import dataclass


class HubError(Exception):
    """Base of every error the hub raises on purpose."""

    title = "Hub error"

    def __init__(self, detail: str, *, field: str | None = None, reason: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.reason = reason
        """A refusal's case in one word, where callers tell cases of one class apart (a share of a
        tender key refused as ``early``, ``duplicate``...): the audit chain and the problem's
        ``reason`` both carry it."""


class ConfigurationError(HubError):
    title = "Invalid configuration"


class MasterKeyMissing(ConfigurationError):
    """The hub runs on an external database without ``LPSE_HUB_MASTER_KEY``: it refuses to start
    rather than make a key that would live (and die) on one machine's disk."""

    title = "Master key missing"


class InvalidInput(HubError):
    title = "Invalid input"


class Unprocessable(HubError):
    title = "Unprocessable"


class InvalidRows(Unprocessable):
    """Some rows of a batch that is taken whole or not at all (a plan import) break rules: ``rows``
    names each offending row by its index in the batch (0 for the first), the field and why, up to
    a cap, so that a file is mended in one pass, not one error at a time."""

    title = "Invalid rows"

    def __init__(self, detail: str, *, rows: list[RowError]) -> None:
        super().__init__(detail)
        self.rows = rows


@dataclass(frozen=True, slots=True)
class RowError:
    """One rule one row of a batch breaks: its index (0 for the first), the field, and why."""

    index: int
    field: str
    detail: str

    def to_dict(self) -> dict[str, object]:
        return {"index": self.index, "field": self.field, "detail": self.detail}


class Unauthenticated(HubError):
    title = "Unauthenticated"


class InvalidToken(Unauthenticated):
    title = "Invalid token"


class Forbidden(HubError):
    title = "Forbidden"


class InsufficientScope(Forbidden):
    """The caller may do this, but not with this token: it was not granted one of ``scopes``."""

    title = "Insufficient scope"

    def __init__(self, detail: str, *, scopes: tuple[str, ...]) -> None:
        super().__init__(detail)
        self.scopes = scopes


class TooManyAttempts(HubError):
    title = "Too many attempts"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class NotFound(HubError):
    title = "Not found"


class TenantNotFound(NotFound):
    title = "Unknown tenant"


class Conflict(HubError):
    title = "Conflict"


class TenantSuspended(HubError):
    title = "Tenant suspended"


class DatabaseUnavailable(HubError):
    title = "Database unavailable"


class WorkerUnavailable(HubError):
    """A worker process doing the request's CPU work (the opening's decryption) stopped before it
    answered: nothing of the request was kept, and the same request later finds a new worker."""

    title = "Worker unavailable"
