"""What each portal page shows, read through the services that own it (no SQL here).

The home page and a regency's page are catalogue searches (``search_catalogue``) and the registry's
tenants with their probe history; a tender's page is its catalogue row, its compiled OCDS release
(bidders, prices, awards, contract: what the open data says), the tenant's own public view of it
when the tender is this hub's (the whole schedule, documents, evaluation results with reasons,
objections and answers: what the tenant API shows anybody), and its red flags.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation.catalogue.facets import FacetCache
from federation.catalogue.flagged import flags_of_tender
from federation.catalogue.models import LOCAL, CatalogueEntry, ShownEntry
from federation.catalogue.query import CatalogueQuery
from federation.catalogue.records import compiled, public_ocid, releases_of
from federation.catalogue.red_flags import DEFAULTS, Flag
from federation.catalogue.search import CataloguePage, find_entry, search_catalogue
from hub.core.clock import database_now
from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import NotFound
from hub.web.portal.uptime import UptimeCache, Uptimes
from monitoring.probes import availability, latest_probes
from tenants.regions import timezone_of
from tenants.registry import TenantRef, TenantStatus, resolve_tenant, tenant_refs
from tenants.tenders import visible_tender
from tenants.tenders.views import tender_view_now

NEWEST = 10
UPTIME_PERIOD = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Regency:
    """One LPSE of the hub as the portal lists it: its uptime over ``UPTIME_PERIOD``."""

    slug: str
    name: str
    timezone: str
    share_up: float | None
    """Probes that found it up, of those made in the period; ``None`` when none was made."""
    last_up: bool | None
    last_probe_at: datetime | None


@dataclass(frozen=True, slots=True)
class Listing:
    """Tenders of the catalogue as a page lists them, each with its ocid, zone and stage now."""

    entries: list[ShownEntry]
    ocids: dict[int, str]
    zones: dict[int, str]
    stages: dict[int, str]


@dataclass(frozen=True, slots=True)
class Home:
    query: CatalogueQuery
    results: Listing
    page: CataloguePage
    searched: bool
    newest: Listing
    tenants: list[TenantRef]
    """Every active tenant, for the search form's choice of regency."""
    regencies: list[Regency] | None
    """Every tenant with its uptime, when the page lists them (a province's few); ``None`` when it
    links to ``/lpse`` instead."""


@dataclass(frozen=True, slots=True)
class TenderPage:
    entry: CatalogueEntry
    ocid: str
    timezone: str
    stage: str
    local: bool
    release: dict[str, Any] | None
    """The compiled OCDS release (this hub's tenders only)."""
    view: dict[str, Any] | None
    """The tenant's public view of the tender, when the tenant serves it here."""
    tenant_slug: str | None
    flags: list[Flag] = field(default_factory=list)

    def _released(self, *path: str) -> list[dict[str, Any]]:
        found: Any = self.release or {}
        for key in path:
            found = found.get(key) or {} if isinstance(found, dict) else {}
        return list(found) if isinstance(found, list) else []

    def _viewed(self, key: str) -> Any:
        return (self.view or {}).get(key)

    @property
    def buyer(self) -> str:
        return str(((self.release or {}).get("buyer") or {}).get("name") or self.entry.agency)

    @property
    def schedule(self) -> list[dict[str, Any]]:
        """Every stage's window from the tenant's view; the release's two periods without it."""
        if self.view is not None:
            return list(self._viewed("schedule") or [])
        tender = (self.release or {}).get("tender") or {}
        periods = (("clarification", "enquiryPeriod"), ("bid_submission", "tenderPeriod"))
        return [
            {"stage": stage, "starts_at": tender[key].get("startDate"), "ends_at": tender[key].get("endDate")}
            for stage, key in periods
            if isinstance(tender.get(key), dict)
        ]

    @property
    def amendments(self) -> list[dict[str, Any]]:
        return self._released("tender", "amendments")

    @property
    def bids(self) -> list[dict[str, Any]]:
        """Each bid as the opening published it (tenderer, time, price, status), from the opening on."""
        return self._released("bids", "details")

    @property
    def awards(self) -> list[dict[str, Any]]:
        return self._released("awards")

    @property
    def contracts(self) -> list[dict[str, Any]]:
        return self._released("contracts")

    @property
    def planning(self) -> dict[str, Any]:
        """The plan item (RUP) the tender's package is procured under, as OCDS ``planning`` says it."""
        found = (self.release or {}).get("planning")
        return dict(found) if isinstance(found, dict) else {}

    @staticmethod
    def paid(contract: dict[str, Any]) -> int:
        """What a contract's published transactions (payments) add up to, in rupiah."""
        transactions = (contract.get("implementation") or {}).get("transactions") or []
        return sum(int((t.get("value") or {}).get("amount") or 0) for t in transactions)

    @property
    def documents(self) -> list[dict[str, Any]]:
        return list(self._viewed("documents") or [])

    @property
    def results(self) -> list[dict[str, Any]]:
        """Each bidder's evaluation result with its reason, once published."""
        return list((self._viewed("results") or {}).get("bidders") or [])

    @property
    def objections(self) -> list[dict[str, Any]]:
        return list(self._viewed("objections") or [])

    @property
    def reason(self) -> str | None:
        """Why the tender failed or was cancelled, when it did."""
        failed = self._viewed("failed") or {}
        tender = (self.release or {}).get("tender") or {}
        found = self._viewed("cancel_reason") or failed.get("reason") or tender.get("statusDetails")
        return str(found) if found else None


@dataclass(frozen=True, slots=True)
class RegencyPage:
    regency: Regency
    open_now: Listing
    newest: Listing


def listing(entries: list[ShownEntry], prefix: str, zones: dict[str, str], now: datetime) -> Listing:
    """``entries`` with what a page shows beside each: its public ocid, its tenant's zone (the
    registry's, else its province's) and its stage at ``now``."""
    return Listing(
        entries,
        {e.id: public_ocid(prefix, e.ocid) if e.origin == LOCAL else e.ocid for e in entries},
        {e.id: zones.get(e.tenant_slug) or timezone_of(e.province_code) for e in entries},
        {e.id: e.stage_at(now) for e in entries},
    )


async def every_uptime(engine: AsyncEngine) -> Uptimes:
    """Every tenant's availability over the last ``UPTIME_PERIOD``, in a session of its own (what
    ``UptimeCache`` renews in the background)."""
    async with hub_sessions(engine)() as session:
        now = await database_now(session)
        return await availability(session, now - UPTIME_PERIOD, now)


async def regencies(
    session: AsyncSession, now: datetime, tenants: Sequence[TenantRef], cache: UptimeCache | None = None
) -> list[Regency]:
    """``tenants`` with their availability over the last ``UPTIME_PERIOD`` (from ``cache`` when
    given: computing every tenant's costs about 95 ms, see ``hub.web.portal.uptime``) and their
    latest probe."""

    if cache is not None:
        shares = await cache.get()
    else:
        codes = [t.code for t in tenants]
        shares = await availability(session, now - UPTIME_PERIOD, now, tenant_codes=codes)
    latest = {p.tenant_code: p for p in await latest_probes(session)}
    found = []
    for t in tenants:
        share, probe = shares.get(t.code), latest.get(t.code)
        found.append(
            Regency(
                t.slug,
                t.name,
                t.timezone,
                share.share_up if share else None,
                probe.up if probe else None,
                probe.probed_at if probe else None,
            )
        )
    return found


async def every_regency(session: AsyncSession, cache: UptimeCache | None = None) -> list[Regency]:
    """Every active tenant with its uptime and latest probe (``/lpse``)."""
    now = await database_now(session)
    return await regencies(session, now, await tenant_refs(session, status=TenantStatus.ACTIVE), cache)


async def home(
    session: AsyncSession,
    prefix: str,
    query: CatalogueQuery,
    caches: tuple[FacetCache | None, UptimeCache | None],
    searched: bool,
    regencies_listed_up_to: int,
) -> Home:
    """The province at a glance: the search's page (every tender when nothing is asked), the newest
    tenders, and every regency with its uptime when there are at most ``regencies_listed_up_to``;
    ``caches`` keep the facet counts and the uptime."""
    facet_cache, uptime_cache = caches
    now = await database_now(session)
    tenants = await tenant_refs(session, status=TenantStatus.ACTIVE)
    zones = {t.slug: t.timezone for t in tenants}
    page = await search_catalogue(session, query, facet_cache)
    results = listing(page.entries, prefix, zones, now)
    newest = results  # nothing asked: the results are the newest tenders already, read once
    if searched:
        latest = await search_catalogue(session, CatalogueQuery(limit=NEWEST, facets=False))
        newest = listing(latest.entries, prefix, zones, now)
    listed = len(tenants) <= regencies_listed_up_to
    return Home(
        query,
        results,
        page,
        searched,
        newest,
        tenants,
        await regencies(session, now, tenants, uptime_cache) if listed else None,
    )


async def regency_page(session: AsyncSession, prefix: str, slug: str) -> RegencyPage:
    """A regency's LPSE: its uptime, the tenders taking bids now, the newest; ``NotFound`` for a
    slug that is no active tenant of this hub."""
    tenant = await resolve_tenant(session, slug=slug)  # TenantNotFound is a NotFound
    if not tenant.is_active:
        raise NotFound(f"no tenant {slug!r}")
    now = await database_now(session)
    [regency] = await regencies(session, now, [tenant])
    zones = {tenant.slug: tenant.timezone}
    open_now = await search_catalogue(
        session, CatalogueQuery(tenant=slug, open_now=True, sort="closing", limit=50, facets=False)
    )
    newest = await search_catalogue(session, CatalogueQuery(tenant=slug, limit=NEWEST, facets=False))
    return RegencyPage(
        regency, listing(open_now.entries, prefix, zones, now), listing(newest.entries, prefix, zones, now)
    )


async def tender_page(session: AsyncSession, engine: AsyncEngine, prefix: str, ocid: str) -> TenderPage:
    """Everything public of the tender ``ocid``; ``NotFound`` if the catalogue has no such tender."""
    entry = await find_entry(session, prefix, ocid)
    now = await database_now(session)
    local = entry.origin == LOCAL
    release, view, flags, slug = None, None, [], None
    timezone = timezone_of(entry.province_code)
    if local:
        release = compiled(await releases_of(session, prefix, ocid))
        view, timezone, slug = await _tenant_view(session, engine, entry, timezone)
        flags = await flags_of_tender(session, prefix, entry.ocid, DEFAULTS)
    return TenderPage(entry, ocid, timezone, entry.stage_at(now), local, release, view, slug, flags)


async def _tenant_view(
    session: AsyncSession, engine: AsyncEngine, entry: CatalogueEntry, fallback: str
) -> tuple[dict[str, Any] | None, str, str | None]:
    """The tenant's public view of the tender, its zone and slug: nothing from a tenant that is
    gone or suspended (the catalogue still shows what was published)."""
    try:
        tenant = await resolve_tenant(session, slug=entry.tenant_slug)
    except NotFound:
        return None, fallback, None
    if not tenant.is_active:
        return None, tenant.timezone, None
    async with tenant_session(engine, tenant.schema) as tenant_db:
        try:
            tender = await visible_tender(tenant_db, entry.tender_id, official=False)
        except NotFound:
            return None, tenant.timezone, tenant.slug
        return await tender_view_now(tenant_db, tenant, tender), tenant.timezone, tenant.slug
