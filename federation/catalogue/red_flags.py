"""Red flags: procurement risk indicators computed from compiled OCDS releases, each explained.

Pure functions over compiled releases (dicts, as ``records.compiled`` makes them); one function per
indicator returns a ``Flag`` per tender (or per buyer) it flags, with the threshold and the facts that
raised it. The definitions follow the Open Contracting Partnership's Cardinal (open-contracting/cardinal-rs,
``docs/cli/indicators/R/*.md``) where it has one (codes ``R...``); the others are the hub's own (codes
``H...``) from the procurement-integrity literature. The fields read are those of OCDS 1.1 and its bids
extension: ``tender.tenderPeriod``, ``tender.numberOfTenderers``/``tenderers``, ``tender.value``,
``tender.amendments`` (``date``, ``rationale``), ``awards`` (``status``, ``value``, ``suppliers``),
``contracts`` (``awardID``, ``value``, ``status``, ``period.endDate``, and of their ``implementation``
the ``transactions`` and the physical progress reports among the ``milestones``), ``bids.details``
(``status``, ``value``, ``tenderers``). An indicator whose fields a release lacks does not flag it (no
data is no evidence). H07 also needs the date it is judged on (``as_of``): the indicators stay pure
functions, and without that date H07 says nothing.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

Release = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Every indicator's threshold, with its default and where that default comes from."""

    short_submission_days: int = 15
    """R003: a tenderPeriod shorter than this many whole days. Cardinal's default (15). Indonesian rules
    (Peraturan LKPP 12/2021) set minimum periods per method that this hub does not encode yet: set this
    to the rule that applies."""
    competitive_methods: tuple[str, ...] = ("open", "selective")
    """R003 and R018 apply to these ``tender.procurementMethod`` values: Cardinal's R018 default."""
    estimate_ratio: float = 0.99
    """H01: an active award's value at or above this share of ``tender.value`` (the HPS). The hub's
    default, after the literature's "winning bid very close to the estimate"."""
    dominance_share: float = 0.5
    """H02: one supplier won at least this share of a buyer's awarded tenders. The hub's default."""
    dominance_min_awards: int = 3
    """H02: only buyers with at least this many awarded tenders (a share of 1 of 1 says nothing)."""
    late_amendment_days: float = 3.0
    """H04: an amendment dated less than this many days before the tenderPeriod's end. The hub's
    default."""
    overdue_grace_days: int = 0
    """H07: a contract is past its end once more than this many whole days have passed since its
    ``period.endDate`` (the date's own calendar day). The hub's default (0: the day after the end);
    set it to the days a late report may take to be published."""


DEFAULTS = Thresholds()


@dataclass(frozen=True, slots=True)
class Flag:
    code: str
    name: str
    ocid: str | None  # None for a flag on a buyer (H02): the tenders are in the facts
    buyer_id: str | None
    buyer: str | None
    threshold: float | int | str
    facts: dict[str, Any]
    explanation: str
    explanation_id: str = ""  # the same in Indonesian
    tenders: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


INDICATORS: dict[str, str] = {
    "R003": "Short submission period",
    "R018": "Single bid received",
    "R028": "Identical bid prices",
    "R036": "Lowest bid disqualified",
    "H01": "Award value very close to the estimate",
    "H02": "Buyer dominated by one supplier",
    "H03": "Contract value above the award",
    "H04": "Submission period amended close to its end",
    "H05": "Re-tender won by a bidder of the failed tender",
    "H06": "Payments above the contract value",
    "H07": "Contract past its end with no progress",
}


def _when(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _amount(holder: Any) -> float | None:
    try:  # read for every bid of a million tenders: the common case first
        amount = holder["value"]["amount"]
    except (KeyError, TypeError, IndexError):
        return None
    return float(amount) if type(amount) is int or type(amount) is float else None


def _buyer(release: Release) -> tuple[str | None, str | None]:
    buyer = release.get("buyer") or {}
    return buyer.get("id"), buyer.get("name")


def _flag(
    code: str, release: Release, threshold: float | str, facts: dict[str, Any], en: str, id_: str
) -> Flag:
    buyer_id, buyer = _buyer(release)
    return Flag(code, INDICATORS[code], release.get("ocid"), buyer_id, buyer, threshold, facts, en, id_)


def _active_awards(release: Release) -> list[dict[str, Any]]:
    return [a for a in release.get("awards") or [] if a.get("status") == "active"]


def _competitive(release: Release, t: Thresholds) -> bool:
    return (release.get("tender") or {}).get("procurementMethod") in t.competitive_methods


def _submitted_bids(release: Release) -> list[dict[str, Any]]:
    details = (release.get("bids") or {}).get("details") or []
    return [b for b in details if b.get("status") in ("valid", "disqualified", "pending")]


def short_submission_period(releases: Iterable[Release], t: Thresholds = DEFAULTS) -> list[Flag]:
    """R003: ``tender.tenderPeriod`` (end - start) shorter than ``short_submission_days`` whole days."""
    return [f for r in releases for f in _short_submission_period(r, t)]


def _short_submission_period(r: Release, t: Thresholds, as_of: date | None = None) -> list[Flag]:
    flags: list[Flag] = []
    period = (r.get("tender") or {}).get("tenderPeriod") or {}
    start, end = _when(period.get("startDate")), _when(period.get("endDate"))
    if start is None or end is None or not _competitive(r, t):
        return flags
    days = (end - start).days
    if days < t.short_submission_days:
        facts = {"startDate": period["startDate"], "endDate": period["endDate"], "days": days}
        flags.append(
            _flag(
                "R003",
                r,
                t.short_submission_days,
                facts,
                f"Bids could be submitted for {days} whole days, under {t.short_submission_days}: "
                "little time for bidders other than a forewarned one.",
                f"Masa pemasukan penawaran {days} hari, kurang dari {t.short_submission_days} hari.",
            )
        )
    return flags


def _tenderers(release: Release) -> int | None:
    tender = release.get("tender") or {}
    number = tender.get("numberOfTenderers")
    if isinstance(number, int):
        return number
    if "tenderers" in tender:
        return len(tender["tenderers"])
    return None


def single_bid(releases: Iterable[Release], t: Thresholds = DEFAULTS) -> list[Flag]:
    """R018: a competitive procedure (``procurementMethod`` open or selective) with one tenderer
    (``tender.numberOfTenderers``, else the length of ``tender.tenderers``)."""
    return [f for r in releases for f in _single_bid(r, t)]


def _single_bid(r: Release, t: Thresholds, as_of: date | None = None) -> list[Flag]:
    flags: list[Flag] = []
    number = _tenderers(r)
    if number == 1 and _competitive(r, t):
        method = r["tender"]["procurementMethod"]
        flags.append(
            _flag(
                "R018",
                r,
                1,
                {"numberOfTenderers": 1, "procurementMethod": method},
                f"Only one tenderer bid in an {method} procedure: no competition.",
                "Hanya satu peserta memasukkan penawaran dalam tender terbuka.",
            )
        )
    return flags


def identical_bid_prices(releases: Iterable[Release], t: Thresholds = DEFAULTS) -> list[Flag]:
    """R028: different tenderers submitted bids (``bids.details``) with the same price."""
    return [f for r in releases for f in _identical_bid_prices(r, t)]


def _identical_bid_prices(r: Release, t: Thresholds, as_of: date | None = None) -> list[Flag]:
    flags: list[Flag] = []
    priced = [(a, b) for b in _submitted_bids(r) if (a := _amount(b)) is not None]
    if len({a for a, _ in priced}) == len(priced) and all(
        len(b.get("tenderers") or ()) < 2 for _, b in priced
    ):
        return flags  # every price different, each of one tenderer: the common case, decided fast
    by_price: dict[float, set[str]] = defaultdict(set)
    for amount, bid in priced:
        by_price[amount].update(str(x.get("id")) for x in bid.get("tenderers") or [])
    same = {amount: sorted(ids) for amount, ids in by_price.items() if len(ids) > 1}
    if same:
        facts = {"prices": [{"amount": a, "tenderers": ids} for a, ids in sorted(same.items())]}
        flags.append(
            _flag(
                "R028",
                r,
                "2 tenderers",
                facts,
                "Different tenderers bid exactly the same price: a sign of collusion.",
                "Beberapa peserta menawar harga yang persis sama.",
            )
        )
    return flags


def lowest_bid_disqualified(releases: Iterable[Release], t: Thresholds = DEFAULTS) -> list[Flag]:
    """R036: an active award, and the lowest submitted bid (``bids.details``) was disqualified."""
    return [f for r in releases for f in _lowest_bid_disqualified(r, t)]


def _lowest_bid_disqualified(r: Release, t: Thresholds, as_of: date | None = None) -> list[Flag]:
    flags: list[Flag] = []
    priced = [(a, b) for b in _submitted_bids(r) if (a := _amount(b)) is not None]
    if not _active_awards(r) or not any(b.get("status") == "valid" for _, b in priced):
        return flags
    lowest, bid = min(priced, key=lambda p: p[0])
    if bid.get("status") == "disqualified":
        facts = {"lowestBid": lowest, "bidId": bid.get("id"), "tenderers": bid.get("tenderers")}
        flags.append(
            _flag(
                "R036",
                r,
                "lowest bid",
                facts,
                f"The lowest bid ({lowest:,.0f}) was disqualified and a dearer one won.",
                f"Penawaran terendah ({lowest:,.0f}) digugurkan dan penawaran lebih mahal menang.",
            )
        )
    return flags


def award_close_to_estimate(releases: Iterable[Release], t: Thresholds = DEFAULTS) -> list[Flag]:
    """H01: an active award's value is at least ``estimate_ratio`` of ``tender.value`` (the HPS)."""
    return [f for r in releases for f in _award_close_to_estimate(r, t)]


def _award_close_to_estimate(r: Release, t: Thresholds, as_of: date | None = None) -> list[Flag]:
    flags: list[Flag] = []
    estimate = _amount(r.get("tender"))
    if not estimate:
        return flags
    for award in _active_awards(r):
        value = _amount(award)
        if value is not None and value / estimate >= t.estimate_ratio:
            ratio = round(value / estimate, 4)
            facts = {"award": award.get("id"), "awardValue": value, "estimate": estimate, "ratio": ratio}
            flags.append(
                _flag(
                    "H01",
                    r,
                    t.estimate_ratio,
                    facts,
                    f"The award is {ratio:.2%} of the owner's estimate: the winner may have known it.",
                    f"Nilai pemenang {ratio:.2%} dari HPS: pemenang mungkin mengetahui HPS.",
                )
            )
    return flags


@dataclass(frozen=True, slots=True)
class Win:
    """What H02 keeps of a tender with an active award: a whole province's wins fit in memory."""

    buyer_id: str
    buyer: str | None
    ocid: str
    suppliers: dict[str, str]  # id -> name


def wins_of(release: Release) -> Win | None:
    """The tender's active awards' suppliers, with its buyer; ``None`` without either."""
    buyer_id, buyer = _buyer(release)
    suppliers = {
        s["id"]: s.get("name", "") for a in _active_awards(release) for s in a.get("suppliers") or []
    }
    if buyer_id is None or not suppliers:
        return None
    return Win(buyer_id, buyer, release.get("ocid", ""), suppliers)


def buyer_dominated_by_supplier(releases: Iterable[Release], t: Thresholds = DEFAULTS) -> list[Flag]:
    """H02: among a buyer's tenders with an active award (at least ``dominance_min_awards`` of them),
    one supplier won at least ``dominance_share``. One flag per buyer, over the releases given."""
    return dominated_buyers([w for r in releases if (w := wins_of(r)) is not None], t)


def dominated_buyers(wins: Iterable[Win], t: Thresholds = DEFAULTS) -> list[Flag]:
    """H02 over the wins of any set of tenders (``wins_of`` each)."""
    won: dict[str, list[tuple[str, str]]] = defaultdict(list)  # buyer id -> (ocid, supplier id)
    names: dict[str, tuple[str | None, dict[str, str]]] = {}
    for w in wins:
        known = names.setdefault(w.buyer_id, (w.buyer, {}))
        known[1].update(w.suppliers)
        won[w.buyer_id].extend((w.ocid, supplier) for supplier in w.suppliers)
    flags = []
    for buyer_id, pairs in sorted(won.items()):
        tenders = len({ocid for ocid, _ in pairs})
        if tenders < t.dominance_min_awards:
            continue
        supplier, count = Counter(s for _, s in pairs).most_common(1)[0]
        share = count / tenders
        if share >= t.dominance_share:
            buyer, suppliers = names[buyer_id]
            facts = {
                "supplierId": supplier,
                "supplier": suppliers.get(supplier),
                "won": count,
                "awardedTenders": tenders,
                "share": round(share, 4),
            }
            flags.append(
                Flag(
                    "H02",
                    INDICATORS["H02"],
                    None,
                    buyer_id,
                    buyer,
                    t.dominance_share,
                    facts,
                    f"{suppliers.get(supplier)} won {count} of this buyer's {tenders} awarded tenders.",
                    f"{suppliers.get(supplier)} memenangkan {count} dari {tenders} tender satker ini.",
                    sorted(ocid for ocid, s in pairs if s == supplier),
                )
            )
    return flags


def contract_above_award(releases: Iterable[Release], t: Thresholds = DEFAULTS) -> list[Flag]:
    """H03: a contract's value is above the value of the award it implements (``awardID``)."""
    return [f for r in releases for f in _contract_above_award(r, t)]


def _contract_above_award(r: Release, t: Thresholds, as_of: date | None = None) -> list[Flag]:
    flags: list[Flag] = []
    awards = {a.get("id"): _amount(a) for a in r.get("awards") or []}
    for contract in r.get("contracts") or []:
        award, value = awards.get(contract.get("awardID")), _amount(contract)
        if award is not None and value is not None and value > award:
            facts = {"contract": contract.get("id"), "contractValue": value, "awardValue": award}
            flags.append(
                _flag(
                    "H03",
                    r,
                    "award value",
                    facts,
                    f"The contract ({value:,.0f}) is worth more than the award ({award:,.0f}).",
                    f"Nilai kontrak ({value:,.0f}) melebihi nilai penetapan pemenang ({award:,.0f}).",
                )
            )
    return flags


def late_amendment(releases: Iterable[Release], t: Thresholds = DEFAULTS) -> list[Flag]:
    """H04: an amendment (``tender.amendments[].date``) less than ``late_amendment_days`` before the
    ``tenderPeriod``'s end (as compiled: the last one set): the rules changed when bidders had no time
    to react. Amendments after the end (a later stage moved) are not counted; OCDS 1.1 amendments carry
    no structured old values, so an extension is measured against the new end."""
    return [f for r in releases for f in _late_amendment(r, t)]


def _late_amendment(r: Release, t: Thresholds, as_of: date | None = None) -> list[Flag]:
    flags: list[Flag] = []
    tender = r.get("tender") or {}
    end = _when((tender.get("tenderPeriod") or {}).get("endDate"))
    if end is None:
        return flags
    for amendment in tender.get("amendments") or []:
        when = _when(amendment.get("date"))
        if when is None:
            continue
        days = (end - when).total_seconds() / 86400
        if 0 <= days < t.late_amendment_days:
            facts = {
                "amendmentDate": amendment["date"],
                "tenderPeriodEnd": tender["tenderPeriod"]["endDate"],
                "daysBeforeEnd": round(days, 2),
                "rationale": amendment.get("rationale"),
                "description": amendment.get("description"),
            }
            flags.append(
                _flag(
                    "H04",
                    r,
                    t.late_amendment_days,
                    facts,
                    f"The tender was amended {days:.1f} days before bids closed.",
                    f"Tender diubah {days:.1f} hari sebelum batas pemasukan penawaran.",
                )
            )
    return flags


def repeated_process(release: Release) -> str | None:
    """The ocid of the unsuccessful process this release re-tenders (``relatedProcesses``, relationship
    ``unsuccessfulProcess``, scheme ``ocid``), if any."""
    for process in release.get("relatedProcesses") or []:
        if process.get("scheme") == "ocid" and "unsuccessfulProcess" in (process.get("relationship") or []):
            identifier = process.get("identifier")
            return identifier if isinstance(identifier, str) else None
    return None


def _participants(release: Release) -> dict[str, str]:
    """Who took part in a process, by id: its tenderers, bidders and awarded suppliers."""
    found: dict[str, str] = {}
    tender = release.get("tender") or {}
    for party in tender.get("tenderers") or []:
        found[party.get("id")] = party.get("name", "")
    for bid in (release.get("bids") or {}).get("details") or []:
        for party in bid.get("tenderers") or []:
            found[party.get("id")] = party.get("name", "")
    for award in release.get("awards") or []:
        for party in award.get("suppliers") or []:
            found[party.get("id")] = party.get("name", "")
    found.pop(None, None)  # type: ignore[call-overload]
    return found


def retender_won_by_earlier_bidder(release: Release, earlier: Release | None) -> list[Flag]:
    """H05: a re-tender (``relatedProcesses`` ``unsuccessfulProcess``) whose active award went to a
    tenderer of the process it repeats: failing a tender and repeating it is how a chosen bidder who
    lost, or was not ready, gets a second chance. ``earlier`` is the repeated process's compiled
    release (``None`` when it is not known: no flag)."""
    repeats = repeated_process(release)
    if repeats is None or earlier is None:
        return []
    before = _participants(earlier)
    flags = []
    for award in _active_awards(release):
        for supplier in award.get("suppliers") or []:
            if supplier.get("id") not in before:
                continue
            name = supplier.get("name") or before[supplier["id"]]
            was = (
                "awarded"
                if any(
                    s.get("id") == supplier["id"]
                    for a in earlier.get("awards") or []
                    for s in a.get("suppliers") or []
                )
                else "a tenderer"
            )
            facts = {
                "repeats": repeats,
                "repeatedStatus": (earlier.get("tender") or {}).get("status"),
                "supplierId": supplier["id"],
                "supplier": name,
                "inRepeated": was,
            }
            flags.append(
                _flag(
                    "H05",
                    release,
                    "same supplier",
                    facts,
                    f"{name} won this re-tender and was {was} in the process it repeats ({repeats}).",
                    f"{name} menang tender ulang dan sudah ikut dalam tender yang diulang ({repeats}).",
                )
            )
    return flags


def payments_above_contract(releases: Iterable[Release], t: Thresholds = DEFAULTS) -> list[Flag]:
    """H06: a contract's payments (``contracts[].implementation.transactions[].value.amount``) add up
    to more than its value (``contracts[].value.amount``, which is its latest amendment's): money paid
    for work the contract never priced, or a payment recorded twice."""
    return [f for r in releases for f in _payments_above_contract(r, t)]


def _payments_above_contract(r: Release, t: Thresholds, as_of: date | None = None) -> list[Flag]:
    flags: list[Flag] = []
    for contract in r.get("contracts") or []:
        value = _amount(contract)
        transactions = (contract.get("implementation") or {}).get("transactions") or []
        counted = [(tx.get("id"), a) for tx in transactions if (a := _amount(tx)) is not None]
        paid = sum(a for _, a in counted)
        if value is None or not counted or paid <= value:
            continue
        facts = {
            "contract": contract.get("id"),
            "contractValue": value,
            "paid": paid,
            "transactions": [{"id": i, "amount": a} for i, a in counted],
        }
        flags.append(
            _flag(
                "H06",
                r,
                "contract value",
                facts,
                f"{len(counted)} payments add up to {paid:,.0f}, above the contract's value ({value:,.0f}).",
                f"{len(counted)} pembayaran berjumlah {paid:,.0f}, melebihi nilai kontrak ({value:,.0f}).",
            )
        )
    return flags


PHYSICAL_PROGRESS = "physicalProgress"
"""The ``code`` of a contract's milestones that report its physical progress (*progres fisik*). OCDS
1.1 has no field for a share of work done: the e-monev publishes each report as a ``reporting``
milestone with this code, met on the day reported, its percentage in the title ("Progres fisik
62.5%"), as ``federation.catalogue.ocds_implementation`` writes it."""
_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")


def last_progress(contract: dict[str, Any]) -> tuple[float, str] | None:
    """A contract's last physical progress report: its percentage and ``dateMet`` (the latest date; of
    reports on the same day, the last listed); ``None`` without one that says both."""
    reports = []
    for milestone in (contract.get("implementation") or {}).get("milestones") or []:
        if not isinstance(milestone, dict) or milestone.get("code") != PHYSICAL_PROGRESS:
            continue
        found = _PERCENT.search(str(milestone.get("title") or ""))
        met = _when(milestone.get("dateMet"))
        if found is not None and met is not None:
            reports.append((met, float(found[1].replace(",", ".")), milestone["dateMet"]))
    if not reports:
        return None
    _, percent, met_on = max(enumerate(reports), key=lambda n: (n[1][0], n[0]))[1]
    return percent, met_on


def contract_past_end_without_progress(
    releases: Iterable[Release], as_of: date, t: Thresholds = DEFAULTS
) -> list[Flag]:
    """H07: on ``as_of``, more than ``overdue_grace_days`` have passed since a contract's
    ``period.endDate`` and its work was not reported complete: no physical progress report, or the last
    one below 100%. A late contract owes the buyer a fine (*denda keterlambatan*) or an amendment
    extending it; one that is neither is paid for work nobody says was done. A cancelled contract
    (``status`` ``cancelled``) is not counted."""
    return [f for r in releases for f in _past_end_without_progress(r, t, as_of)]


def _past_end_without_progress(r: Release, t: Thresholds, as_of: date | None = None) -> list[Flag]:
    flags: list[Flag] = []
    if as_of is None:
        return flags
    for contract in r.get("contracts") or []:
        end = _when((contract.get("period") or {}).get("endDate"))
        if end is None or contract.get("status") == "cancelled":
            continue
        days = (as_of - end.date()).days
        last = last_progress(contract)
        if days <= t.overdue_grace_days or (last is not None and last[0] >= 100):
            continue
        ended = end.date().isoformat()
        facts = {
            "contract": contract.get("id"),
            "endDate": contract["period"]["endDate"],
            "daysPast": days,
            "asOf": as_of.isoformat(),
            "lastProgress": last[0] if last else None,
            "lastProgressDate": last[1] if last else None,
        }
        if last is None:
            en, id_ = "no progress report was published", "belum ada laporan progres fisik"
        else:
            on = last[1][:10]
            en, id_ = (
                f"its last progress report says {last[0]:g}% ({on})",
                f"progres terakhir {last[0]:g}% ({on})",
            )
        flags.append(
            _flag(
                "H07",
                r,
                t.overdue_grace_days,
                facts,
                f"The contract ended on {ended}, {days} days before {as_of.isoformat()}, and {en}.",
                f"Kontrak berakhir {ended}, {days} hari sebelum {as_of.isoformat()}, dan {id_}.",
            )
        )
    return flags


TENDER_CHECKS: dict[str, Callable[[Release, Thresholds, date | None], list[Flag]]] = {
    "R003": _short_submission_period,
    "R018": _single_bid,
    "R028": _identical_bid_prices,
    "R036": _lowest_bid_disqualified,
    "H01": _award_close_to_estimate,
    "H03": _contract_above_award,
    "H04": _late_amendment,
    "H06": _payments_above_contract,
    "H07": _past_end_without_progress,
}
"""The indicators read off one tender's compiled release alone (and the date judged on: H07)."""
ACROSS_TENDERS = ("H02", "H05")
"""The indicators that read other tenders too: a buyer's wins (H02), the process re-tendered (H05)."""
CHECKS: tuple[str, ...] = ("R003", "R018", "R028", "R036", "H01", "H02", "H03", "H04", "H05", "H06", "H07")
"""Every indicator's code, in the order flags are listed."""


def tender_flags(
    release: Release,
    thresholds: Thresholds = DEFAULTS,
    indicators: Iterable[str] = CHECKS,
    as_of: date | None = None,
) -> list[Flag]:
    """The flags of one tender's own indicators (``TENDER_CHECKS``) among ``indicators``, judged on
    ``as_of`` (H07: none without it)."""
    return [
        f
        for code in indicators
        if (check := TENDER_CHECKS.get(code))
        for f in check(release, thresholds, as_of)
    ]


def red_flags(
    releases: Iterable[Release],
    thresholds: Thresholds = DEFAULTS,
    indicators: Iterable[str] | None = None,
    as_of: date | None = None,
) -> list[Flag]:
    """Every flag of the chosen indicators (all by default) over these compiled releases, indicator by
    indicator, judged on ``as_of`` (H07: none without it); H05 looks up the repeated process among the
    same releases."""
    chosen = list(releases)
    codes = [c for c in CHECKS if indicators is None or c in set(indicators)]
    by_ocid = {r.get("ocid"): r for r in chosen}
    flags: list[Flag] = []
    for code in codes:
        if code == "H02":
            flags += buyer_dominated_by_supplier(chosen, thresholds)
        elif code == "H05":
            for r in chosen:
                flags += retender_won_by_earlier_bidder(r, by_ocid.get(repeated_process(r)))
        else:
            flags += [f for r in chosen for f in TENDER_CHECKS[code](r, thresholds, as_of)]
    return flags
