"""Indonesia's provinces, regencies and cities with their Kemendagri codes (package data).

The table is the official list of administrative regions (see ``data/SOURCE.md``): 34 provinces
and 514 regencies (*kabupaten*) and cities (*kota*). A regency's code starts with its province's
two digits. Every tenant of the hub is one of these regions.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files

__all__ = ["Region", "RegionKind", "all_regions", "find_region", "regions_of_province", "timezone_of"]


class RegionKind(StrEnum):
    PROVINCE = "province"
    REGENCY = "regency"  # kabupaten
    CITY = "city"  # kota


# Indonesia's three time zones by province: WIB (UTC+7), WITA (UTC+8), WIT (UTC+9).
_WITA_PROVINCES = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT_PROVINCES = {"81", "82", "91", "94"}
_UPPERCASE_WORDS = {"DKI", "DI"}


@dataclass(frozen=True, slots=True)
class Region:
    """One province, regency or city, as the regions table names it."""

    code: str
    official_name: str
    kind: RegionKind
    province_code: str

    @property
    def name(self) -> str:
        """The name as people write it: 'Kabupaten Malang', 'DKI Jakarta'."""
        return " ".join(
            word if word in _UPPERCASE_WORDS else "-".join(p.capitalize() for p in word.split("-"))
            for word in self.official_name.split()
        )

    @property
    def slug(self) -> str:
        """A stable URL name: 'kab-malang', 'kota-malang', 'prov-jawa-timur'."""
        words = self.official_name.lower()
        if self.kind is RegionKind.PROVINCE:
            words = "prov " + words
        words = re.sub(r"^kabupaten ", "kab ", words)
        return re.sub(r"[^a-z0-9]+", "-", words).strip("-")

    @property
    def timezone(self) -> str:
        return timezone_of(self.province_code)


def timezone_of(province_code: str) -> str:
    """The IANA time zone of a province (the one its regencies' clocks follow)."""
    if province_code in _WIT_PROVINCES:
        return "Asia/Jayapura"
    if province_code in _WITA_PROVINCES:
        return "Asia/Makassar"
    return "Asia/Jakarta"


def _rows(name: str) -> list[dict[str, str]]:
    text = files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def all_regions() -> dict[str, Region]:
    """Every region by code: provinces first, then regencies and cities, in the table's order."""
    regions = {
        row["code"]: Region(row["code"], row["name"], RegionKind.PROVINCE, row["code"])
        for row in _rows("provinces.csv")
    }
    for row in _rows("regencies.csv"):
        kind = RegionKind.CITY if row["name"].startswith("KOTA ") else RegionKind.REGENCY
        regions[row["code"]] = Region(row["code"], row["name"], kind, row["province_code"])
    return regions


def find_region(code: str) -> Region | None:
    return all_regions().get(code)


def regions_of_province(province_code: str) -> list[Region]:
    """The province itself, then its regencies and cities; empty if the code is no province."""
    return [r for r in all_regions().values() if r.province_code == province_code]
