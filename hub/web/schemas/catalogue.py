"""The public catalogue as the API shows it: a search page, one tender, the change feed, and the OCDS
release and record packages.

These routes answer pre-encoded bytes (``hub.web.controllers.catalogue.cached``: the ETag is the
hash of the bytes); the structs here are what is encoded, so the document describes the very
bytes sent. An OCDS release stays a mapping, as stored when its change was published: its shape is
the OCDS 1.1 release schema's, which the tests hold every release to.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec

from federation.catalogue.facets import Facets
from federation.catalogue.feed import CHECKPOINT, RELEASE, CheckpointEntry, FeedEntry, ReleaseEntry
from federation.catalogue.models import LOCAL, CatalogueEntry, ShownEntry
from federation.catalogue.records import public_ocid
from hub.web.schemas.audit import CheckpointView

RELEASE_SCHEMA = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"

Release = Annotated[
    dict[str, Any],
    msgspec.Meta(
        description=f"An OCDS 1.1 release, as {RELEASE_SCHEMA} describes it, with the bids extension."
    ),
]
"""One OCDS 1.1 release (``release-schema.json``) as the hub published it: ``ocid`` with the hub's
prefix, ``id`` unique per change, ``tag`` naming the change (``tender``, ``award``, ...)."""

Releases = Annotated[
    list[dict[str, Any]],
    msgspec.Meta(
        min_length=1,
        description=f"OCDS 1.1 releases in the order published, each as {RELEASE_SCHEMA} describes it.",
    ),
]


class TenantOfEntry(msgspec.Struct, frozen=True):
    """The LPSE that runs the tender."""

    slug: str
    code: str
    """Kemendagri code of the regency, city or province."""
    name: str


class CatalogueEntryView(msgspec.Struct, frozen=True):
    """One public tender, with what its stage has made public so far: nothing of the bids before
    the opening, nothing of the winner before the award announcement."""

    ocid: str
    """The tender's OCDS id: ``<hub prefix>-<tenant code>-<tender id>``, or a peer's own."""
    origin: str | None
    """``null`` for this hub's tenders; the name of the peer hub a followed tender comes from."""
    tenant: TenantOfEntry
    province: str
    """Two-digit Kemendagri code of the province."""
    tender_id: int
    """The tender's id in its tenant (``/t/{slug}/api/tenders/{tender_id}``)."""
    title: str
    agency: str
    """The agency (satker) that procures."""
    category: str
    method: str
    evaluation: str
    fiscal_year: int
    budget: int
    """The budget ceiling (*pagu*), whole rupiah."""
    owner_estimate: int
    """The owner's estimate (*HPS*), whole rupiah."""
    kbli: list[str]
    status: str
    stage: str
    """Where the tender is now; before the opening it moves with the clock (announcement, bid
    submission, bid opening)."""
    announced_at: datetime
    submission_starts_at: datetime | None
    submission_ends_at: datetime | None
    opened_at: datetime | None
    awarded_at: datetime | None
    """When the award was announced."""
    bidders: int | None
    """Bids at the opening; ``null`` before it."""
    winner: str | None
    award_value: int | None
    contract_value: int | None
    contract_signed_on: date | None

    @classmethod
    def of(cls, entry: CatalogueEntry | ShownEntry, prefix: str, now: datetime) -> CatalogueEntryView:
        return cls(
            ocid=public_ocid(prefix, entry.ocid) if entry.origin == LOCAL else entry.ocid,
            origin=entry.origin or None,
            tenant=TenantOfEntry(entry.tenant_slug, entry.tenant_code, entry.tenant_name),
            province=entry.province_code,
            tender_id=entry.tender_id,
            title=entry.title,
            agency=entry.agency,
            category=entry.category,
            method=entry.method,
            evaluation=entry.evaluation,
            fiscal_year=entry.fiscal_year,
            budget=entry.budget,
            owner_estimate=entry.owner_estimate,
            kbli=list(entry.kbli),
            status=entry.status,
            stage=entry.stage_at(now),
            announced_at=entry.announced_at,
            submission_starts_at=entry.submission_starts_at,
            submission_ends_at=entry.submission_ends_at,
            opened_at=entry.opened_at,
            awarded_at=entry.awarded_at,
            bidders=entry.bidders,
            winner=entry.winner,
            award_value=entry.award_value,
            contract_value=entry.contract_value,
            contract_signed_on=entry.contract_signed_on,
        )


class TotalView(msgspec.Struct, frozen=True):
    """How many tenders the search matches."""

    value: int
    exact: bool
    """``false``: estimated from a sample of the catalogue, to two significant figures."""


class FacetsView(msgspec.Struct, frozen=True):
    """The matches counted by value of each facet (exact or estimated as ``total`` is)."""

    category: dict[str, int]
    method: dict[str, int]
    status: dict[str, int]
    tenant: dict[str, int]
    """By tenant slug."""


class SearchPageView(msgspec.Struct, frozen=True):
    """One page of a catalogue search, in the order asked for."""

    results: list[CatalogueEntryView]
    total: TotalView | None
    """On the first page only (and with ``facets=true``); ``null`` on the pages a cursor reaches."""
    facets: FacetsView | None
    """As ``total``."""
    next_cursor: str | None
    """Pass it as ``cursor`` for the next page; ``null`` on the last page."""

    @classmethod
    def of(
        cls,
        entries: list[ShownEntry],
        facets: Facets | None,
        next_cursor: str | None,
        prefix: str,
        now: datetime,
    ) -> SearchPageView:
        return cls(
            results=[CatalogueEntryView.of(e, prefix, now) for e in entries],
            total=TotalView(facets.total, facets.exact) if facets else None,
            facets=msgspec.convert(facets.counts, FacetsView) if facets else None,
            next_cursor=next_cursor,
        )


class ReleaseEntryView(msgspec.Struct, frozen=True, tag_field="kind", tag=RELEASE):
    """One public change of a tender (``kind`` ``release``)."""

    cursor: str
    """This entry's position in the feed: pass it as ``after`` to resume right after this entry."""
    ocid: str
    tags: list[str]
    """The release's tags (``tender``, ``tenderUpdate``, ``award``, ``contract``...)."""
    release: Release

    @classmethod
    def of(cls, entry: ReleaseEntry, prefix: str) -> ReleaseEntryView:
        return cls(entry.cursor, public_ocid(prefix, entry.ocid), list(entry.tags), entry.published(prefix))


class CheckpointEntryView(msgspec.Struct, frozen=True, tag_field="kind", tag=CHECKPOINT):
    """A tenant's audit chain head signed by the hub (``kind`` ``audit.checkpoint``): the same object
    as ``GET /api/audit/checkpoints`` serves. Keep it; check the hub against it later."""

    cursor: str
    """As a release entry's."""
    checkpoint: CheckpointView

    @classmethod
    def of(cls, entry: CheckpointEntry) -> CheckpointEntryView:
        return cls(entry.cursor, CheckpointView.of(entry.checkpoint))


FeedEntryView = ReleaseEntryView | CheckpointEntryView


def feed_entry_view(entry: FeedEntry, prefix: str) -> FeedEntryView:
    if isinstance(entry, CheckpointEntry):
        return CheckpointEntryView.of(entry)
    return ReleaseEntryView.of(entry, prefix)


class FeedPageView(msgspec.Struct, frozen=True):
    """The entries after a cursor, in an order a follower never skips past. Each entry's ``kind``
    says what it is; a reader skips the kinds it does not know (more may come)."""

    entries: list[FeedEntryView]
    next: str
    """The cursor to ask from next (``after``); the same one when there was nothing new."""


class PublisherView(msgspec.Struct, frozen=True, omit_defaults=True):
    """Who publishes the package (OCDS ``publisher``)."""

    name: str
    scheme: str | None = None
    uid: str | None = None
    uri: str | None = None


class PackageLinksView(msgspec.Struct, frozen=True, omit_defaults=True):
    """Pagination (OCDS ``links``)."""

    next: str | None = None
    """The URI of the next page: on every page of the release packages, the last one included (it
    answers `404` until more releases come), so a harvester resumes where it stopped."""
    prev: str | None = None


class ReleasePackageView(msgspec.Struct, frozen=True, omit_defaults=True, rename="camel"):
    """An OCDS 1.1 release package (``release-package-schema.json``): releases with the metadata
    that says who published them and when."""

    uri: str
    """This package's URI: the page asked for."""
    version: str
    """The OCDS version, ``1.1``."""
    published_date: datetime
    """When the package's last change was published."""
    publisher: PublisherView
    releases: Releases
    license: str | None = None
    publication_policy: str | None = None
    extensions: list[str] | None = None
    links: PackageLinksView | None = None


class RecordView(msgspec.Struct, frozen=True, rename="camel"):
    """An OCDS record: every release of one tender, and the compiled release (its state now)."""

    ocid: str
    releases: Releases
    compiled_release: Release


class RecordPackageView(msgspec.Struct, frozen=True, omit_defaults=True, rename="camel"):
    """An OCDS 1.1 record package (``record-package-schema.json``)."""

    uri: str
    version: str
    published_date: datetime
    """When the tender's last release was published."""
    publisher: PublisherView
    records: list[RecordView]
    license: str | None = None
    publication_policy: str | None = None
    extensions: list[str] | None = None
    links: PackageLinksView | None = None


class RedFlagView(msgspec.Struct, frozen=True):
    """One red flag: an indicator that a tender (or, for ``H02``, a buyer) raised, with the threshold
    and the facts (values from its compiled OCDS release) that raised it."""

    code: str
    name: str
    ocid: str | None
    """The tender's ocid; ``null`` for a flag on a buyer (``H02``): its tenders are in ``tenders``."""
    buyer_id: str | None
    buyer: str | None
    threshold: float | str
    facts: dict[str, Any]
    explanation: str
    explanation_id: str
    """The explanation in Indonesian."""
    tenders: list[str]


class RedFlagsView(msgspec.Struct, frozen=True):
    """The red flags of the tenders the filters select, a page of them: ordered by indicator, then
    tender (or buyer); ``offset + limit`` below ``total`` means more follow."""

    flags: list[RedFlagView]
    total: int
    """How many flags the filters select, on every page."""
    counts: dict[str, int]
    """Of those, how many of each indicator (every indicator named, 0 included)."""
    offset: int
    limit: int
    tenders: int
    """How many tenders' compiled releases were checked."""
    thresholds: dict[str, Any]
    as_of: str
    """The date (YYYY-MM-DD) H07 judged contracts' ends on: ``to`` if given, else the hub's today."""
