"""Following another hub's feed: a neighbouring province's, or a national aggregator's source.

``sync_peer`` pulls the peer's feed page by page. Each page is applied in one transaction: its
releases are appended to this hub's copy of the peer's history (``changes``, origin = the peer),
their tenders upserted into the catalogue marked with their origin, its audit checkpoints checked
and kept (``federation.catalogue.peer_checkpoints``), and the peer's cursor moved on. A sync killed
at any point leaves the last whole page applied and the cursor just after it, so the next sync
resumes there and neither drops nor repeats an entry. Entries of a kind this hub does not know
are skipped.

The catalogue row of a peer's tender is read from its OCDS release, so any publisher of OCDS
releases in this feed format can be followed, not only another lpse-hub.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation.catalogue.entries import upsert_entry
from federation.catalogue.feed import CHECKPOINT, RELEASE
from federation.catalogue.models import Change, Peer
from federation.catalogue.ocds import METHOD_DETAILS, fold
from federation.catalogue.peer_checkpoints import keep_peer_checkpoint, peer_keys, pin_peer_keys
from hub.core.database import hub_sessions
from hub.core.errors import Conflict, InvalidInput, NotFound

NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,63}")
CATEGORY_BACK = {"goods": "goods", "works": "construction", "services": "other_services"}
METHOD_BACK = {v: k for k, v in METHOD_DETAILS.items()}
STATUS_BACK = {
    "active": "announced",
    "complete": "award_announced",
    "unsuccessful": "failed",
    "cancelled": "cancelled",
}
Fetch = Callable[[str, str | None, int], Awaitable[Mapping[str, Any]]]
FetchKeys = Callable[[str], Awaitable[list[Any]]]


async def add_peer(session: AsyncSession, name: str, url: str) -> Peer:
    if not NAME.fullmatch(name):
        raise InvalidInput("a peer's name is 2-64 lower-case letters, digits and dashes", field="name")
    if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", url):
        raise InvalidInput("a peer's URL is its http(s) base address", field="url")
    if await session.get(Peer, name) is not None:
        raise Conflict(f"peer {name!r} exists already")
    peer = Peer(name=name, url=url.rstrip("/"))
    session.add(peer)
    await session.flush()
    return peer


async def list_peers(session: AsyncSession) -> list[Peer]:
    return list((await session.execute(select(Peer).order_by(Peer.name))).scalars())


async def http_fetch(url: str, after: str | None, limit: int) -> Mapping[str, Any]:
    params: dict[str, Any] = {"limit": limit}
    if after:
        params["after"] = after
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.get(f"{url}/api/feed", params=params)
        response.raise_for_status()
        return dict(response.json())


async def http_fetch_keys(url: str) -> list[Any]:
    """The peer's published checkpoint keys; none from a publisher that has no such route."""
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.get(f"{url}/api/audit/checkpoint-keys")
        if response.status_code == 404:
            return []
        response.raise_for_status()
        keys = response.json()
        return list(keys) if isinstance(keys, list) else []


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one sync brought: pages, release entries, checkpoints newly kept, and one sentence per
    checkpoint refused (``refused``) or contradicting one kept before (``conflicts``)."""

    peer: str
    pages: int
    entries: int
    cursor: str | None
    checkpoints: int = 0
    refused: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()


@dataclass(slots=True)
class _Tally:
    pages: int = 0
    entries: int = 0
    checkpoints: int = 0
    refused: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    def report(self, name: str, cursor: str | None) -> SyncReport:
        refused, conflicts = tuple(self.refused), tuple(self.conflicts)
        return SyncReport(name, self.pages, self.entries, cursor, self.checkpoints, refused, conflicts)


async def sync_peer(
    engine: AsyncEngine,
    name: str,
    *,
    fetch: Fetch = http_fetch,
    fetch_keys: FetchKeys = http_fetch_keys,
    limit: int = 500,
    max_pages: int | None = None,
) -> SyncReport:
    """Pull the peer's feed from its stored cursor until it has nothing new (or ``max_pages``)."""
    tally = _Tally()
    while max_pages is None or tally.pages < max_pages:
        async with hub_sessions(engine)() as session:
            peer = await session.get(Peer, name)
            if peer is None:
                raise NotFound(f"no peer {name!r}: add it with `lpse-hub peer add`")
            url, cursor = peer.url, peer.cursor
        page = await fetch(url, cursor, limit)
        items = list(page.get("entries", []))
        if not items:
            return tally.report(name, cursor)
        keys = await _keys_for(engine, name, url, items, fetch_keys, tally)
        async with hub_sessions(engine)() as session, session.begin():
            peer = await session.get(Peer, name, with_for_update=True)
            assert peer is not None
            if peer.cursor != cursor:  # another sync of this peer moved on meanwhile: take its place
                continue
            for item in items:
                await _apply(session, name, item, keys, tally)
            peer.cursor, peer.synced_at = str(page["next"]), datetime.now().astimezone()
        tally.pages += 1
    return tally.report(name, cursor)


async def _keys_for(
    engine: AsyncEngine, name: str, url: str, items: list[Any], fetch_keys: FetchKeys, tally: _Tally
) -> dict[str, str]:
    """The peer's checkpoint keys for the page's checkpoints, fetched (outside any transaction, so
    no transaction of this hub waits on the network) only when the page names a kid not kept yet."""
    kids = {
        str(item["checkpoint"].get("kid"))
        for item in items
        if item.get("kind") == CHECKPOINT and isinstance(item.get("checkpoint"), Mapping)
    }
    async with hub_sessions(engine)() as session:
        keys = await peer_keys(session, name)
    if kids <= keys.keys():
        return keys
    published = await fetch_keys(url)
    async with hub_sessions(engine)() as session, session.begin():
        tally.conflicts += await pin_peer_keys(session, name, published)
        return await peer_keys(session, name)


async def _apply(
    session: AsyncSession, origin: str, item: Mapping[str, Any], keys: Mapping[str, str], tally: _Tally
) -> None:
    kind = item.get("kind", RELEASE)  # a publisher of releases alone may name no kind
    if kind == CHECKPOINT:
        outcome = await keep_peer_checkpoint(session, origin, item.get("checkpoint"), keys)
        tally.checkpoints += int(outcome.kept)
        if outcome.problem:
            (tally.conflicts if outcome.conflict else tally.refused).append(outcome.problem)
    elif kind == RELEASE:
        await _apply_release(session, origin, item)
        tally.entries += 1


async def _apply_release(session: AsyncSession, origin: str, item: Mapping[str, Any]) -> None:
    release = dict(item["release"])
    ocid = str(item["ocid"])
    session.add(Change(origin=origin, ocid=ocid, tags=list(item.get("tags", [])), release=release))
    await upsert_entry(
        session, origin, ocid, entry_from_release(release, origin), datetime.now().astimezone()
    )


def _when(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw) if raw else None


def entry_from_release(release: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """A catalogue row from an OCDS release of a peer."""
    tender = release.get("tender", {})
    entity = tender.get("procuringEntity", {})
    code = str(entity.get("id", "")).removeprefix("ID-LPSE-") or "?"
    name = str(entity.get("name", "")).removeprefix("LPSE ")
    buyer = release.get("buyer", {}).get("name", "")
    # Announced awards: ``pending`` during the objection period, ``active`` after (not ``cancelled``).
    awards = [a for a in release.get("awards", []) if a.get("status") in ("active", "pending")]
    contracts = release.get("contracts", [])
    status = STATUS_BACK.get(tender.get("status", "active"), "announced")
    if status == "announced" and "numberOfTenderers" in tender:
        status = "opened"
    if contracts:
        status = "contracted"
    period = tender.get("tenderPeriod", {})
    budget = release.get("planning", {}).get("budget", {}).get("amount", {}).get("amount")
    estimate = tender.get("value", {}).get("amount", 0)
    kbli = [
        i["classification"]["id"]
        for i in tender.get("items", [])
        if i.get("classification", {}).get("scheme") == "KBLI"
    ]
    signed = contracts[0].get("dateSigned") if contracts else None
    published = _when(tender.get("datePublished")) or _when(release.get("date")) or datetime.now(UTC)
    return {
        "tenant_code": code,
        "tenant_slug": f"{origin}:{code}",
        "tenant_name": name,
        "province_code": code[:2],
        "tender_id": int(tender["id"]) if str(tender.get("id", "")).isdigit() else 0,
        "title": str(tender.get("title", ""))[:300],
        "agency": str(buyer)[:200],
        "category": CATEGORY_BACK.get(tender.get("mainProcurementCategory", ""), "other_services"),
        "method": METHOD_BACK.get(tender.get("procurementMethodDetails", ""), "tender"),
        "evaluation": "lowest_price" if tender.get("awardCriteria") == "priceOnly" else "merit_point",
        "fiscal_year": published.year,
        "budget": int(budget if budget is not None else estimate),
        "owner_estimate": int(estimate),
        "kbli": kbli,
        "status": status,
        "stage": status,
        "announced_at": published,
        "submission_starts_at": _when(period.get("startDate")),
        "submission_ends_at": _when(period.get("endDate")),
        "opened_at": None,
        "awarded_at": _when(awards[-1].get("date")) if awards else None,
        "bidders": tender.get("numberOfTenderers"),
        "winner": awards[-1]["suppliers"][0]["name"] if awards and awards[-1].get("suppliers") else None,
        "award_value": awards[-1]["value"]["amount"] if awards else None,
        "contract_value": contracts[0]["value"]["amount"] if contracts else None,
        "contract_signed_on": date.fromisoformat(signed[:10]) if signed else None,
        "search_text": fold(" ".join([str(tender.get("title", "")), str(buyer), name, *kbli])),
    }
