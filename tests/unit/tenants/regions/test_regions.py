from tenants.regions import RegionKind, all_regions, find_region, regions_of_province


def test_the_table_has_every_province_regency_and_city() -> None:
    regions = all_regions().values()
    assert sum(r.kind is RegionKind.PROVINCE for r in regions) == 34
    assert sum(r.kind is not RegionKind.PROVINCE for r in regions) == 514


def test_slugs_are_unique_and_readable() -> None:
    slugs = [r.slug for r in all_regions().values()]
    assert len(set(slugs)) == len(slugs)
    assert find_region("3507").slug == "kab-malang"  # type: ignore[union-attr]
    assert find_region("3573").slug == "kota-malang"  # type: ignore[union-attr]
    assert find_region("35").slug == "prov-jawa-timur"  # type: ignore[union-attr]


def test_names_are_written_as_people_write_them() -> None:
    assert find_region("31").name == "DKI Jakarta"  # type: ignore[union-attr]
    assert find_region("7206").name == "Kabupaten Toli-Toli"  # type: ignore[union-attr]


def test_jawa_timur_has_38_regencies_and_cities_plus_the_province() -> None:
    regions = regions_of_province("35")
    assert len(regions) == 39
    assert regions[0].kind is RegionKind.PROVINCE


def test_time_zone_follows_the_province() -> None:
    assert find_region("3507").timezone == "Asia/Jakarta"  # type: ignore[union-attr]
    assert find_region("5171").timezone == "Asia/Makassar"  # type: ignore[union-attr]  # Denpasar
    assert find_region("9471").timezone == "Asia/Jayapura"  # type: ignore[union-attr]  # Jayapura
