"""``GET /metrics``, scraped and parsed with prometheus-client's own parser, as Prometheus reads it.

A tender driven over HTTP moves the domain series; requests are counted by route template and by
the tenant the registry resolved, and timed without a tenant label; a deleted tenant's series go.
The process's counters outlive a test, so each test compares scrapes before and after.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import hub_sessions
from tenants.registry import delete_tenant
from tests.e2e.procurement import Client, Desk, ok, person, regency, vendor

BIDS_ROUTE = "/t/{slug}/api/tenders/{tender_id}/bids"


@dataclass(frozen=True)
class Scrape:
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float]
    families: dict[str, list[dict[str, str]]]

    def value(self, name: str, **labels: str) -> float:
        return self.samples.get((name, tuple(sorted(labels.items()))), 0.0)

    def labels_of(self, family: str) -> list[dict[str, str]]:
        return self.families.get(family, [])


async def scrape(client: Client) -> Scrape:
    answer = await client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    families: dict[str, list[dict[str, str]]] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
            families.setdefault(family.name, []).append(sample.labels)
    return Scrape(samples, families)


async def test_a_tender_moves_the_domain_series(client: Client, clean_identity: AsyncEngine) -> None:
    engine = clean_identity
    malang = await regency(client, engine, "kab-malang", "3507")
    verifier = await person(engine, "verifier", "kab-malang")
    arum, bayu, citra = [
        await vendor(client, engine, name, "3507", verifier, "kab-malang")
        for name in ("arum", "bayu", "citra")
    ]
    before = await scrape(client)
    desk = Desk(client, engine, malang)
    await desk.announce("Rehabilitasi Jalan Desa Ngadas", owner_estimate=900_000_000)
    announced = await scrape(client)
    assert announced.value("lpsehub_tenders", tenant="kab-malang", stage="announcement") == 1
    await desk.bids({arum: 850_000_000, bayu: 870_000_000})
    refused = await desk.bid(citra, 800_000_000)  # never registered for this tender
    assert refused.status_code == 403
    await desk.open()
    after = await scrape(client)

    def moved(name: str, **labels: str) -> float:
        return after.value(name, **labels) - before.value(name, **labels)

    assert moved("lpsehub_tenders_announced_total", tenant="kab-malang") == 1
    assert moved("lpsehub_bids_accepted_total", tenant="kab-malang") == 2
    assert moved("lpsehub_bids_refused_total", tenant="kab-malang", reason="not_allowed") == 1
    assert moved("lpsehub_bid_openings_total", tenant="kab-malang") == 1
    assert after.value("lpsehub_tenders", tenant="kab-malang", stage="evaluation") == 1
    assert after.value("lpsehub_tenders", tenant="kab-malang", stage="announcement") == 0
    posted = {"route": BIDS_ROUTE, "method": "POST", "tenant": "kab-malang"}
    assert moved("lpsehub_http_requests_total", **posted, status_class="2xx") == 2
    assert moved("lpsehub_http_requests_total", **posted, status_class="4xx") == 1
    assert after.value("lpsehub_http_request_duration_seconds_count", route=BIDS_ROUTE, method="POST") >= 3
    assert all("tenant" not in labels for labels in after.labels_of("lpsehub_http_request_duration_seconds"))
    assert after.value("lpsehub_database_up") == 1
    assert after.value("lpsehub_feed_position") >= 2  # the announcement and the opening were published


async def test_requests_count_under_the_tenant_the_registry_resolved(
    client: Client, clean_identity: AsyncEngine
) -> None:
    await regency(client, clean_identity, "kab-blitar", "3505")
    before = await scrape(client)
    ok(await client.get("/t/kab-blitar/api/agencies"), 200)
    assert (await client.get("/t/kab-tidak-ada/api/agencies")).status_code == 404
    after = await scrape(client)
    route = {"route": "/t/{slug}/api/agencies", "method": "GET"}
    counted = "lpsehub_http_requests_total"
    assert (
        after.value(counted, **route, status_class="2xx", tenant="kab-blitar")
        - before.value(counted, **route, status_class="2xx", tenant="kab-blitar")
        == 1
    )
    tenants = {labels.get("tenant") for labels in after.labels_of("lpsehub_http_requests")}
    assert "kab-tidak-ada" not in tenants  # a label value never comes from the path as sent


async def test_a_deleted_tenants_series_go(client: Client, clean_identity: AsyncEngine) -> None:
    await regency(client, clean_identity, "kab-kediri", "3506")
    ok(await client.get("/t/kab-kediri/api/agencies"), 200)
    counted = (await scrape(client)).labels_of("lpsehub_http_requests")
    assert any(labels.get("tenant") == "kab-kediri" for labels in counted)
    async with hub_sessions(clean_identity)() as session, session.begin():
        await delete_tenant(session, "kab-kediri")
    gone = await scrape(client)
    assert not any("kab-kediri" in labels.values() for family in gone.families.values() for labels in family)
