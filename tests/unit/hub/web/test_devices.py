"""Device cookies: only a genuine, unexpired cookie for the email being tried counts."""

from __future__ import annotations

from hub.core.master_key import MasterKey
from hub.web.devices import LIFETIME_SECONDS, DeviceCookies

ISSUER = "https://lpse.jatimprov.go.id"
EMAIL = "Pokja@MalangKab.go.id"


def cookies() -> DeviceCookies:
    return DeviceCookies(MasterKey.parse(MasterKey.generate()), ISSUER)


def test_a_cookie_names_its_device_for_its_own_email_only() -> None:
    devices = cookies()
    value = devices.new_value(EMAIL, now=1_000_000)
    device = devices.read(value, " pokja@malangkab.go.id ", now=1_000_100)
    assert device is not None
    assert devices.read(value, "ppk@malangkab.go.id", now=1_000_100) is None


def test_a_forged_expired_or_foreign_cookie_counts_for_nothing() -> None:
    devices = cookies()
    value = devices.new_value(EMAIL, now=1_000_000)
    encoded, _, signature = value.partition(".")
    assert devices.read(encoded + "." + "0" * len(signature), EMAIL, now=1_000_000) is None
    assert devices.read(value, EMAIL, now=1_000_000 + LIFETIME_SECONDS) is None
    assert cookies().read(value, EMAIL, now=1_000_000) is None  # another hub's master key
    assert devices.read("not a cookie", EMAIL) is None
    assert devices.read("", EMAIL) is None
