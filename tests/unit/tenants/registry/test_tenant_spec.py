import pytest

from hub.core.errors import InvalidInput
from tenants.registry import TenantSpec, resolve_spec


def test_missing_details_come_from_the_regions_table() -> None:
    tenant = resolve_spec(TenantSpec(slug="kota-ambon", code="8171"))
    assert (tenant.name, tenant.kind, tenant.province_code, tenant.timezone) == (
        "Kota Ambon",
        "city",
        "81",
        "Asia/Jayapura",
    )
    assert tenant.schema == "t_8171"


def test_host_names_are_normalised() -> None:
    tenant = resolve_spec(TenantSpec(slug="kab-malang", code="3507", hosts=("LPSE.MalangKab.go.id.",)))
    assert [h.host for h in tenant.hosts] == ["lpse.malangkab.go.id"]


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (TenantSpec(slug="Kab Malang", code="3507"), "slug"),
        (TenantSpec(slug="-malang", code="3507"), "slug"),
        (TenantSpec(slug="kab-malang", code="3599"), "code"),
        (TenantSpec(slug="kab-malang", code="3507", timezone="Europe/Paris"), "timezone"),
        (TenantSpec(slug="kab-malang", code="3507", kind="city"), "kind"),
        (TenantSpec(slug="kab-malang", code="3507", kind="village"), "kind"),
        (TenantSpec(slug="kab-malang", code="3507", name="  "), "name"),
        (TenantSpec(slug="kab-malang", code="3507", hosts=("not a host",)), "host"),
    ],
)
def test_bad_input_is_refused_naming_the_field(spec: TenantSpec, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        resolve_spec(spec)
    assert refused.value.field == field
