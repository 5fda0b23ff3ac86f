"""The exception tree is mapped to HTTP once: by class, a subclass taking its nearest ancestor's status."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar, get
from litestar.testing import TestClient
from sqlalchemy.exc import DBAPIError

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
from hub.web.problems import _from_hub_error, database_refused, problem_details_plugin, status_of


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


class _DriverError(Exception):
    """What asyncpg raises, reduced to what the mapping reads: its SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _answer_to_database_error(sqlstate: str) -> Any:
    @get("/write", sync_to_thread=False)
    def write() -> None:
        raise DBAPIError("UPDATE ...", None, _DriverError(sqlstate))

    app = Litestar(
        [write], exception_handlers={DBAPIError: database_refused}, plugins=[problem_details_plugin()]
    )
    with TestClient(app) as client:
        return client.get("/write")


@pytest.mark.parametrize(
    ("sqlstate", "status"),
    [
        ("23505", 409),
        ("40001", 409),
        ("40P01", 409),
        ("22P02", 400),
        ("57014", 503),
        ("55P03", 503),
        ("53300", 503),
        ("57P03", 503),
    ],
)
def test_a_lost_race_is_a_conflict_and_a_timeout_or_a_full_server_is_unavailable(
    sqlstate: str, status: int
) -> None:
    answer = _answer_to_database_error(sqlstate)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("sqlstate", ["40001", "40P01"])
def test_a_serialization_failure_or_deadlock_says_to_send_it_again(sqlstate: str) -> None:
    answer = _answer_to_database_error(sqlstate)
    assert answer.headers["retry-after"] == "1"
    assert "send this again" in answer.json()["detail"]
