"""The database timeouts: read from the environment, checked, and given to every connection."""

from __future__ import annotations

import pytest

from hub.core.database import connect_args
from hub.core.errors import ConfigurationError
from hub.core.settings import Settings


def test_timeouts_are_read_in_seconds_with_fractions() -> None:
    settings = Settings.from_env(
        {
            "LPSE_HUB_DATABASE_CONNECT_TIMEOUT_SECONDS": "2.5",
            "LPSE_HUB_DATABASE_STATEMENT_TIMEOUT_SECONDS": "10",
            "LPSE_HUB_DATABASE_COMMAND_TIMEOUT_SECONDS": "12",
            "LPSE_HUB_DATABASE_LOCK_TIMEOUT_SECONDS": "0",
            "LPSE_HUB_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS": "90",
            "LPSE_HUB_DATABASE_POOL_TIMEOUT_SECONDS": "3",
            "LPSE_HUB_READINESS_TIMEOUT_SECONDS": "0.8",
        }
    )
    assert settings.database_connect_timeout_seconds == 2.5
    assert settings.database_statement_timeout_seconds == 10
    assert settings.database_command_timeout_seconds == 12
    assert settings.database_lock_timeout_seconds == 0
    assert settings.database_idle_in_transaction_timeout_seconds == 90
    assert settings.database_pool_timeout_seconds == 3
    assert settings.readiness_timeout_seconds == 0.8


def test_the_defaults_bound_a_request_and_answer_a_probe_within_2_seconds() -> None:
    settings = Settings.from_env({})
    assert settings.database_connect_timeout_seconds == 5
    assert settings.database_statement_timeout_seconds == 30
    assert settings.database_command_timeout_seconds > settings.database_statement_timeout_seconds
    assert settings.readiness_timeout_seconds < 2


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LPSE_HUB_DATABASE_CONNECT_TIMEOUT_SECONDS": "soon"}, "CONNECT_TIMEOUT_SECONDS must be a number"),
        ({"LPSE_HUB_DATABASE_STATEMENT_TIMEOUT_SECONDS": "nan"}, "must be a finite number"),
        ({"LPSE_HUB_DATABASE_LOCK_TIMEOUT_SECONDS": "-1"}, "LOCK_TIMEOUT_SECONDS must be >= 0"),
        ({"LPSE_HUB_DATABASE_CONNECT_TIMEOUT_SECONDS": "0"}, "CONNECT_TIMEOUT_SECONDS must be > 0"),
        ({"LPSE_HUB_READINESS_TIMEOUT_SECONDS": "0"}, "READINESS_TIMEOUT_SECONDS must be > 0"),
        ({"LPSE_HUB_DATABASE_COMMAND_TIMEOUT_SECONDS": "30"}, "COMMAND_TIMEOUT_SECONDS must exceed"),
    ],
)
def test_a_timeout_the_hub_cannot_run_with_fails_fast_naming_the_variable(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env(env)


def test_a_request_connection_carries_every_timeout() -> None:
    args = connect_args(Settings(database_statement_timeout_seconds=1.5, database_lock_timeout_seconds=0))
    assert args["timeout"] == 5
    assert args["command_timeout"] == 35
    assert args["server_settings"] == {
        "application_name": "lpse-hub",
        "statement_timeout": "1500",
        "lock_timeout": "0",  # 0 disables, as in PostgreSQL
        "idle_in_transaction_session_timeout": "60000",
    }


def test_a_tiny_timeout_is_not_rounded_to_none() -> None:
    settings = Settings(database_statement_timeout_seconds=0.0001, database_command_timeout_seconds=0)
    args = connect_args(settings)
    assert args["server_settings"]["statement_timeout"] == "1"
    assert args["command_timeout"] is None


def test_a_long_running_command_is_bounded_only_in_connecting() -> None:
    """Migrations, provisioning a province, a catalogue rebuild, an audit verification: their
    statements may take longer than any request's should."""
    args = connect_args(Settings(), long_running=True)
    assert args == {"timeout": 5, "server_settings": {"application_name": "lpse-hub"}}
