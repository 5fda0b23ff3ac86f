"""The exception tree is mapped to HTTP once: by class, a subclass taking its nearest ancestor's status."""

from __future__ import annotations

from hub.core.errors import (
    Conflict,
    DatabaseUnavailable,
    Forbidden,
    HubError,
    InsufficientScope,
    InvalidInput,
    InvalidToken,
    NotFound,
    TenantNotFound,
    TenantSuspended,
    TooManyAttempts,
    Unauthenticated,
)
from hub.web.problems import _from_hub_error, status_of


def test_each_class_of_the_tree_has_its_status() -> None:
    cases = {
        InvalidInput("x"): 400,
        Unauthenticated("x"): 401,
        InvalidToken("x"): 401,
        Forbidden("x"): 403,
        InsufficientScope("x", scopes=("lpse",)): 403,
        NotFound("x"): 404,
        TenantNotFound("x"): 404,
        Conflict("x"): 409,
        TooManyAttempts("x", retry_after=3): 429,
        TenantSuspended("x"): 503,
        DatabaseUnavailable("x"): 503,
        HubError("x"): 500,
    }
    assert {type(error).__name__: status_of(error) for error in cases} == {
        type(error).__name__: status for error, status in cases.items()
    }


def test_a_token_without_the_scope_gets_the_rfc_6750_challenge() -> None:
    problem = _from_hub_error(InsufficientScope("needs lpse", scopes=("lpse", "audit:read")))
    assert problem.status_code == 403
    assert problem.headers == {
        "WWW-Authenticate": 'Bearer realm="lpse-hub", error="insufficient_scope", scope="lpse audit:read"'
    }
    assert problem.extra == {"scopes": ["lpse", "audit:read"]}


def test_an_invalid_token_is_named_so_and_a_missing_one_is_not() -> None:
    invalid = _from_hub_error(InvalidToken("expired"))
    missing = _from_hub_error(Unauthenticated("no token"))
    assert invalid.headers == {"WWW-Authenticate": 'Bearer realm="lpse-hub", error="invalid_token"'}
    assert missing.headers == {"WWW-Authenticate": 'Bearer realm="lpse-hub"'}
