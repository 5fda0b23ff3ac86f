"""What the province's office pages count and list beyond the services: red flags per LPSE (a tender's
by its ocid, a buyer's by its id) and the regions still to provision."""

from __future__ import annotations

from federation.catalogue.red_flags import Flag
from hub.web.portal.office_province import count_flags, tenant_code_of, unprovisioned
from tenants.registry import Tenant

PREFIX = "ocds-lpsehub"


def flag(code: str, ocid: str | None, buyer_id: str | None = None) -> Flag:
    return Flag(code, "name", ocid, buyer_id, "Dinas", 0, {}, "explained")


def test_a_flag_is_placed_by_its_tender_or_its_buyer() -> None:
    assert tenant_code_of(flag("R018", f"{PREFIX}-3507-12"), PREFIX) == "3507"
    assert tenant_code_of(flag("H02", None, "ID-SATKER-3579-4"), PREFIX) == "3579"
    assert tenant_code_of(flag("H02", None, "elsewhere"), PREFIX) is None


def test_flags_are_counted_per_indicator_with_zeros_and_per_lpse_most_first() -> None:
    flags = [
        flag("R018", f"{PREFIX}-3507-1"),
        flag("R018", f"{PREFIX}-3579-2"),
        flag("H01", f"{PREFIX}-3579-3"),
        flag("H02", None, "ID-SATKER-3579-1"),
    ]
    counts = count_flags(flags, PREFIX, ["R003", "R018", "H01", "H02"])
    assert counts.by_indicator == {"R003": 0, "R018": 2, "H01": 1, "H02": 1}
    assert counts.by_tenant == [("3579", 3), ("3507", 1)]


def test_the_regions_to_provision_are_the_provinces_own_not_taken() -> None:
    malang = Tenant(slug="kab-malang", code="3507", name="Kabupaten Malang", province_code="35")
    free = unprovisioned([malang])
    codes = {region.code for region in free}
    assert "3579" in codes  # Kota Batu, in Jawa Timur
    assert "3507" not in codes  # provisioned
    assert "35" not in codes  # the province itself is not a regency
    assert all(region.province_code == "35" for region in free)
    assert unprovisioned([]) == []
