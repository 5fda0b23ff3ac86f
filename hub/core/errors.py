"""The hub's own exceptions, raised by services and mapped once to HTTP and once to the CLI.

::

    HubError
    ├── ConfigurationError        settings the hub cannot start with
    ├── InvalidInput              a value breaks a rule (400; CLI exit 2)
    ├── Unauthenticated           no valid credentials (401)
    ├── Forbidden                 valid credentials, not the role this needs here (403)
    ├── NotFound                  no such thing (404)
    │   └── TenantNotFound
    ├── Conflict                  it exists already, or the state forbids it (409)
    ├── TooManyAttempts           rate-limited; ``retry_after`` seconds (429)
    ├── TenantSuspended           the tenant exists but does not serve (503)
    └── DatabaseUnavailable       PostgreSQL cannot be reached or is not migrated (503)

Each carries a short ``title`` (the same for every instance of the class) and a ``detail``
sentence for the person who made the request. ``field`` names the offending input, when
there is one.
"""

from __future__ import annotations


class HubError(Exception):
    """Base of every error the hub raises on purpose."""

    title = "Hub error"
    status = 500
    exit_code = 1

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class ConfigurationError(HubError):
    title = "Invalid configuration"


class InvalidInput(HubError):
    title = "Invalid input"
    status = 400
    exit_code = 2


class Unauthenticated(HubError):
    title = "Unauthenticated"
    status = 401


class Forbidden(HubError):
    title = "Forbidden"
    status = 403


class TooManyAttempts(HubError):
    title = "Too many attempts"
    status = 429

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class NotFound(HubError):
    title = "Not found"
    status = 404


class TenantNotFound(NotFound):
    title = "Unknown tenant"


class Conflict(HubError):
    title = "Conflict"
    status = 409


class TenantSuspended(HubError):
    title = "Tenant suspended"
    status = 503


class DatabaseUnavailable(HubError):
    title = "Database unavailable"
    status = 503
