from pathlib import Path

import pytest

from hub.core.errors import ConfigurationError
from hub.core.settings import Settings


def test_prefixed_variables_win_over_plain_database_url() -> None:
    settings = Settings.from_env(
        {
            "LPSE_HUB_DATABASE_URL": "postgresql://a@h/one",
            "DATABASE_URL": "postgresql://b@h/two",
            "LPSE_HUB_PORT": "9000",
            "LPSE_HUB_DATA_DIR": "/srv/hub",
        }
    )
    assert settings.database_url == "postgresql://a@h/one"
    assert settings.port == 9000
    assert settings.data_dir == Path("/srv/hub")


def test_plain_database_url_is_accepted() -> None:
    assert Settings.from_env({"DATABASE_URL": "postgresql://b@h/two"}).database_url == "postgresql://b@h/two"


def test_no_url_means_the_embedded_server() -> None:
    assert Settings.from_env({}).database_url is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LPSE_HUB_PORT": "eighty"}, "LPSE_HUB_PORT must be an integer"),
        ({"LPSE_HUB_PORT": "70000"}, "LPSE_HUB_PORT must be between"),
        ({"DATABASE_URL": "mysql://x"}, "must be a postgresql:// URL"),
    ],
)
def test_bad_values_fail_fast_naming_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env(env)


def test_trusted_proxies_are_none_unless_named_and_must_be_addresses() -> None:
    assert Settings.from_env({}).trusted_proxies == ()
    named = Settings.from_env({"LPSE_HUB_TRUSTED_PROXIES": " 10.42.0.0/16, ::1 ,"})
    assert named.trusted_proxies == ("10.42.0.0/16", "::1")
    for wrong in ("*", "ingress-nginx", "10.0.0.0/33"):
        with pytest.raises(ConfigurationError, match="LPSE_HUB_TRUSTED_PROXIES"):
            Settings.from_env({"LPSE_HUB_TRUSTED_PROXIES": wrong})
