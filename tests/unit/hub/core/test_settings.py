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
        ({"LPSE_HUB_PUBLICATION_SWEEP_SECONDS": "-1"}, "LPSE_HUB_PUBLICATION_SWEEP_SECONDS must be >= 0"),
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


def test_the_owner_url_is_for_schema_changes_and_names_the_serving_role() -> None:
    settings = Settings.from_env(
        {
            "LPSE_HUB_DATABASE_URL": "postgresql://lpse_hub_web:pw@db/lpse",
            "LPSE_HUB_OWNER_DATABASE_URL": "postgresql://lpse_owner:pw@db/lpse",
        }
    )
    assert settings.serving_role == "lpse_hub_web"
    assert settings.schema_changing_url == "postgresql://lpse_owner:pw@db/lpse"


def test_one_url_means_one_role_and_nothing_to_grant() -> None:
    one = Settings.from_env({"DATABASE_URL": "postgresql://hub@db/lpse"})
    assert one.serving_role is None
    assert one.schema_changing_url == "postgresql://hub@db/lpse"
    same_user = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://hub@db/lpse",
            "LPSE_HUB_OWNER_DATABASE_URL": "postgresql://hub@db2/lpse",
        }
    )
    assert same_user.serving_role is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LPSE_HUB_OWNER_DATABASE_URL": "postgresql://owner@db/lpse"}, "needs LPSE_HUB_DATABASE_URL"),
        (
            {"DATABASE_URL": "postgresql://db/lpse", "LPSE_HUB_OWNER_DATABASE_URL": "postgresql://o@db/lpse"},
            "must name its user",
        ),
        (
            {"DATABASE_URL": "postgresql://h@db/lpse", "LPSE_HUB_OWNER_DATABASE_URL": "mysql://o@db/lpse"},
            "LPSE_HUB_OWNER_DATABASE_URL must be a postgresql:// URL",
        ),
    ],
)
def test_a_wrong_owner_url_fails_fast(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env(env)


SECRETS = {
    "master_key": "bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmch",
    "upstream_client_secret": "upstream-client-s3cret",
    "database password": "s3cret-db-password",
    "database password in the query": "q-s3cret",
    "owner's database password": "s3cret-owner-password",
}


def secret_settings() -> Settings:
    return Settings(
        database_url=(
            f"postgresql://hub:{SECRETS['database password']}@db.internal:5432/lpse"
            f"?sslmode=require&password={SECRETS['database password in the query']}"
        ),
        owner_database_url="postgresql://owner:" + SECRETS["owner's database password"] + "@db.internal/lpse",
        master_key=SECRETS["master_key"],
        upstream_issuer="https://sso.example.go.id",
        upstream_client_id="lpse-hub",
        upstream_client_secret=SECRETS["upstream_client_secret"],
    )


def test_the_settings_repr_and_str_show_no_secret() -> None:
    settings = secret_settings()
    for shown in (repr(settings), str(settings), f"{settings!r}", repr({"settings": settings})):
        leaked = {name for name, secret in SECRETS.items() if secret in shown}
        assert not leaked, shown
    # What is not secret is still there to read (and a masked value says it is set).
    assert "db.internal:5432/lpse" in repr(settings)
    assert "hub:***@" in repr(settings)
    assert "master_key='***'" in repr(settings)
    assert "upstream_client_id='lpse-hub'" in repr(settings)


def test_an_unset_secret_reads_as_none_in_the_repr() -> None:
    assert "master_key=None" in repr(Settings())


def test_the_heap_is_frozen_at_start_unless_turned_off() -> None:
    assert Settings.from_env({}).freeze_heap is True
    assert Settings.from_env({"LPSE_HUB_FREEZE_HEAP": "false"}).freeze_heap is False
    assert Settings.from_env({"LPSE_HUB_FREEZE_HEAP": "0"}).freeze_heap is False
