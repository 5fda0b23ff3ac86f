"""The red flags of a review: for the province's auditors (APIP), which published tenders to look at.

The flags are ``federation.catalogue.flagged.flags_of`` over the province's tenders announced in the
review's period, at the default thresholds (the page says which), each placed in the LPSE that
published it and given its tenders' titles from the catalogue (one query). The period is read on the
announcement's calendar date in UTC, as ``RedFlagQuery`` reads it, where the review's other figures
read each LPSE's own clock: a tender announced before 07:00 WIB on the first day of the period is
counted in the figures and left out of the flags (and one on the day after the period's last, in).
A contract past its end (H07) is judged on the review's date, as its trace judges late contracts
(``monitoring.reviews.trace.review_date``): the period's last day, or today if sooner. The review of a
past period shows what was late then, and one of the running month nothing that is not late yet.

    found = await review_flags(session, "ocds-lpsehub", "35", period)
    found.per_indicator()["R018"], [f.tenant_name for f in found.flags]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.catalogue.flagged import RedFlagQuery, flags_of, judged_on
from federation.catalogue.models import LOCAL, CatalogueEntry
from federation.catalogue.records import public_ocid
from federation.catalogue.red_flags import DEFAULTS, INDICATORS, Flag, Thresholds
from monitoring.reviews.period import Period
from monitoring.reviews.trace import review_date


def _days(n: float) -> str:
    return f"{n:g} hari"


def _share(n: float) -> str:
    return f"{n * 100:g}%"


INDONESIAN: dict[str, tuple[str, Callable[[Thresholds], str], Callable[[Thresholds], str]]] = {
    # code: (name, what raises it, its threshold), the names after the law's and LPSE's own terms
    "R003": (
        "Masa pemasukan penawaran singkat",
        lambda t: "masa pemasukan penawaran tender terbuka atau seleksi kurang dari ambang batas",
        lambda t: _days(t.short_submission_days),
    ),
    "R018": (
        "Penawar tunggal",
        lambda t: "hanya satu peserta memasukkan penawaran dalam tender terbuka atau seleksi",
        lambda t: "1 peserta",
    ),
    "R028": (
        "Harga penawaran identik",
        lambda t: "dua peserta atau lebih menawar harga yang persis sama",
        lambda t: "2 peserta",
    ),
    "R036": (
        "Penawaran terendah digugurkan",
        lambda t: "pemenang ditetapkan, dan penawaran terendah digugurkan dalam evaluasi",
        lambda t: "penawaran terendah",
    ),
    "H01": (
        "Nilai pemenang mendekati HPS",
        lambda t: "nilai penetapan pemenang sama dengan atau di atas ambang batas dari HPS",
        lambda t: _share(t.estimate_ratio),
    ),
    "H02": (
        "Satker didominasi satu penyedia",
        lambda t: (
            f"satu penyedia memenangkan sedikitnya ambang batas dari tender satker yang "
            f"ditetapkan pemenangnya (paling sedikit {t.dominance_min_awards} tender)"
        ),
        lambda t: _share(t.dominance_share),
    ),
    "H03": (
        "Nilai kontrak melebihi nilai pemenang",
        lambda t: "nilai kontrak di atas nilai penetapan pemenang yang dilaksanakannya",
        lambda t: "nilai penetapan pemenang",
    ),
    "H04": (
        "Jadwal diubah menjelang batas penawaran",
        lambda t: "jadwal tender diubah kurang dari ambang batas sebelum masa pemasukan penawaran berakhir",
        lambda t: _days(t.late_amendment_days),
    ),
    "H05": (
        "Tender ulang dimenangkan peserta tender yang gagal",
        lambda t: "pemenang tender ulang sudah menawar, atau ditetapkan pemenang, dalam tender yang diulang",
        lambda t: "penyedia yang sama",
    ),
    "H06": (
        "Pembayaran melebihi nilai kontrak",
        lambda t: "jumlah pembayaran (termin) kontrak di atas nilai kontrak menurut adendum terakhirnya",
        lambda t: "nilai kontrak",
    ),
    "H07": (
        "Kontrak lewat masa berakhir tanpa progres selesai",
        lambda t: (
            "masa kontrak berakhir lebih dari ambang batas sebelum akhir periode, dan progres fisik "
            "terakhir di bawah 100% atau tidak pernah dilaporkan"
        ),
        lambda t: _days(t.overdue_grace_days),
    ),
}
"""Every indicator of ``federation.catalogue.red_flags.INDICATORS``, in Indonesian (a test holds the
two to the same codes)."""


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator as the page defines it once: its code, names, what raises it and its threshold."""

    code: str
    name: str  # Indonesian
    english: str
    definition: str
    threshold: str


def indicators(thresholds: Thresholds = DEFAULTS) -> list[Indicator]:
    return [
        Indicator(code, name, INDICATORS[code], define(thresholds), threshold(thresholds))
        for code, (name, define, threshold) in INDONESIAN.items()
    ]


@dataclass(frozen=True, slots=True)
class FlaggedTender:
    ocid: str
    title: str


@dataclass(frozen=True, slots=True)
class PlacedFlag:
    """A red flag in the LPSE that published its tender(s), with their titles."""

    flag: Flag
    tenant_slug: str
    tenant_name: str
    tenders: tuple[FlaggedTender, ...]
    """The flagged tender; for a flag on a buyer (H02), the tenders its dominant supplier won."""


@dataclass(frozen=True, slots=True)
class ReviewFlags:
    """The red flags of the province's tenders announced in the period, at ``thresholds``."""

    flags: tuple[PlacedFlag, ...] = ()
    thresholds: Thresholds = DEFAULTS

    def per_indicator(self) -> Counter[str]:
        return Counter(f.flag.code for f in self.flags)

    def per_tenant(self) -> dict[str, Counter[str]]:
        """Each LPSE with a flag (by name, in the flags' order): its flags per indicator."""
        found: dict[str, Counter[str]] = {}
        for placed in self.flags:
            found.setdefault(placed.tenant_name, Counter())[placed.flag.code] += 1
        return found


async def review_flags(session: AsyncSession, prefix: str, province_code: str, period: Period) -> ReviewFlags:
    """The red flags of the province's published tenders announced in ``period`` (UTC dates)."""
    query = RedFlagQuery(province=province_code, since=period.start.isoformat(), until=period.end.isoformat())
    flags = await flags_of(session, prefix, query, DEFAULTS, review_date(period, await judged_on(session)))
    named = {ocid for f in flags for ocid in _ocids(f)}
    local = {public_ocid(prefix, e.ocid): e for e in await _entries(session, prefix, named)}
    placed = []
    for flag in flags:
        entries = [local[ocid] for ocid in _ocids(flag) if ocid in local]
        slug, name = (entries[0].tenant_slug, entries[0].tenant_name) if entries else ("", flag.buyer or "")
        tenders = tuple(
            FlaggedTender(ocid, local[ocid].title if ocid in local else "") for ocid in _ocids(flag)
        )
        placed.append(PlacedFlag(flag, slug, name, tenders))
    return ReviewFlags(tuple(placed), DEFAULTS)


def _ocids(flag: Flag) -> list[str]:
    return [flag.ocid] if flag.ocid is not None else list(flag.tenders)


async def _entries(session: AsyncSession, prefix: str, ocids: set[str]) -> list[CatalogueEntry]:
    ids = [ocid.removeprefix(f"{prefix}-") for ocid in ocids if ocid.startswith(f"{prefix}-")]
    if not ids:
        return []
    query = select(CatalogueEntry).where(CatalogueEntry.origin == LOCAL, CatalogueEntry.ocid.in_(ids))
    return list((await session.scalars(query)).all())
