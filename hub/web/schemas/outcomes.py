"""What follows the opening, as the API shows it: the evaluation, the award, objections (sanggah),
the letter of award (SPPBJ) and the contract.

Times are ISO 8601 strings in the tenant's zone (WIB, WITA or WIT), as the tender view writes them;
money is whole rupiah. The same structs describe a step's own answer and the parts of the tender
view that show the outcome, so the two never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal
from zoneinfo import ZoneInfo

import msgspec
from litestar.enums import RequestEncodingType
from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema

from hub.web.uploads import ReceivedFile, ReceivedForm
from tenants.registry import TenantRef
from tenants.tenders.award.objections import MAX_FILES, Attachment
from tenants.tenders.evaluation.assessments import AssessmentInput
from tenants.tenders.evaluation.ranking import Ranking
from tenants.tenders.outcome_models import Award, Contract, Objection, ObjectionFile
from tenants.tenders.views import award_view, contract_view, localized, objection_view


class AspectVerdictView(msgspec.Struct, frozen=True):
    """The committee's verdict on one aspect of a bid (the latest one recorded counts)."""

    passed: bool
    reason: str
    scores: dict[str, int] | msgspec.UnsetType = msgspec.UNSET
    """The technical scores per criterion: only in a scored tender's technical aspect."""


class BidderResultView(msgspec.Struct, frozen=True):
    """Where one bid stands: passed every aspect (and ranked), failed one (and why), or pending."""

    vendor_id: int
    vendor: str | None
    price: int | None
    """``None`` when the sealed bid could not be opened (it fails administration)."""
    received_at: str
    """When the bid's final version was received, on the database clock: it breaks ties."""
    status: Literal["passed", "failed", "pending"]
    failed_stage: str | None
    """The aspect it failed (administrative, qualification, technical, price) or
    ``qualification_verification``."""
    reason: str | None
    technical_score: float | None
    combined_score: float | None
    """Merit point and quality-and-cost tenders: the weighted technical and price score."""
    rank: int | None
    """1 for the best bid that passed; ``None`` for a bid that did not (or not yet)."""
    qualification_verified: bool | None
    """The proof of qualification (pembuktian kualifikasi); ``None`` until checked."""
    aspects: dict[str, AspectVerdictView]
    """The verdicts recorded so far, by aspect."""


class EvaluationView(msgspec.Struct, frozen=True):
    """The ranking the committee's assessments make so far: seen by the tenant's officials only,
    until the award announcement (or the failure) publishes it."""

    round: int
    """Evaluation round: an upheld objection reopens evaluation in the next one."""
    complete: bool
    """Every bid has failed an aspect or passed them all."""
    leader: int | None
    """The vendor to verify, then to award: the best-ranked one not failed in verification."""
    bidders: list[BidderResultView]
    """The ranked bids first, best first, then those out of the running."""

    @classmethod
    def of(cls, tender_round: int, ranking: Ranking, tenant: TenantRef) -> EvaluationView:
        results = ranking.ranked + [r for r in ranking.results if r.rank is None]
        return cls(
            round=tender_round,
            complete=ranking.complete,
            leader=ranking.leader.vendor_id if ranking.leader else None,
            bidders=msgspec.convert(
                localized([r.as_json() for r in results], ZoneInfo(tenant.timezone)),
                list[BidderResultView],
            ),
        )


class PublishedResultsView(msgspec.Struct, frozen=True):
    """The evaluation results as published with the award announcement or the failure, frozen then."""

    round: int
    published_at: str
    winner: int | None
    """``None`` when the tender failed."""
    price: int | None
    reserves: list[int]
    """The reserve winners (pemenang cadangan 1 and 2), in order."""
    bidders: list[BidderResultView]

    @classmethod
    def of(cls, results: dict[str, Any], zone: ZoneInfo) -> PublishedResultsView:
        return msgspec.convert(localized(results, zone), cls)


class AwardDecisionView(msgspec.Struct, frozen=True):
    """The award just decided; it is public with its announcement (at once in direct procurement)."""

    round: int
    vendor_id: int
    price: int
    """The winning bid's price, or the negotiated price in direct procurement."""
    reserves: list[int]
    """The reserve winners (pemenang cadangan 1 and 2), in order."""

    @classmethod
    def of(cls, award: Award) -> AwardDecisionView:
        return cls(
            round=award.round, vendor_id=award.vendor_id, price=award.price, reserves=list(award.reserves)
        )


class AwardLetterView(msgspec.Struct, frozen=True):
    """The letter of award (SPPBJ, surat penunjukan penyedia barang/jasa)."""

    number: str
    issued_at: str | None


class AwardView(msgspec.Struct, frozen=True):
    """An award as the public sees it, once announced (a direct procurement's, once decided)."""

    round: int
    vendor_id: int
    price: int
    reserves: list[int]
    decided_at: str | None
    announced_at: str | None
    objection_ends_at: str | None
    """The end of the objection period (masa sanggah) this announcement opened."""
    withdrawn_at: str | None
    """Set when an upheld objection withdrew the award and reopened evaluation."""
    letter: AwardLetterView | None

    @classmethod
    def of(cls, award: Award, zone: ZoneInfo) -> AwardView:
        return msgspec.convert(award_view(award, zone), cls)


class FailureView(msgspec.Struct, frozen=True):
    """Why and when a tender failed (gagal tender)."""

    at: str | None
    reason: str | None


class ObjectionFileView(msgspec.Struct, frozen=True):
    """A document supporting an objection; downloaded at ``objections/files/{id}``."""

    id: int
    name: str
    size: int
    sha256: str


class ObjectionView(msgspec.Struct, frozen=True):
    """An objection (sanggah) to an announced award, and the committee's answer once given."""

    id: int
    round: int
    """The evaluation round whose award it objects to."""
    vendor_id: int
    grounds: str
    lodged_at: str | None
    files: list[ObjectionFileView]
    answer: str | None
    upheld: bool | None
    """An upheld objection withdraws the award and reopens evaluation."""
    answered_at: str | None

    @classmethod
    def of(cls, objection: Objection, files: list[ObjectionFile], zone: ZoneInfo) -> ObjectionView:
        return msgspec.convert(objection_view(objection, files, zone), cls)


class ContractView(msgspec.Struct, frozen=True):
    """The signed contract, recorded by the commitment officer (PPK)."""

    number: str
    vendor_id: int
    value: int
    """Never above the awarded price."""
    signed_on: date
    starts_on: date
    ends_on: date

    @classmethod
    def of(cls, contract: Contract) -> ContractView:
        return msgspec.convert(contract_view(contract), cls)


@dataclass(frozen=True, slots=True)
class Assessments:
    """Verdicts on bids' aspects, recorded all or nothing."""

    assessments: list[AssessmentInput]


@dataclass(frozen=True, slots=True)
class Verification:
    """The result of checking the top-ranked bidder's proof of qualification."""

    vendor_id: int
    passed: bool
    reason: str = ""
    """Required when it did not pass: the bidder and the public read it."""


@dataclass(frozen=True, slots=True)
class AwardChoice:
    vendor_id: int
    """The top-ranked, verified bidder (the invited vendor in direct procurement)."""


@dataclass(frozen=True, slots=True)
class AwardLetter:
    number: str
    """The letter's number, 3 to 100 characters."""


@dataclass(frozen=True, slots=True)
class ObjectionAnswer:
    answer: str
    upheld: bool
    """True withdraws the award and reopens evaluation in a new round."""


@dataclass(frozen=True, slots=True)
class ObjectionForm:
    """An objection as a bidder sends it: a form, multipart when it carries documents."""

    grounds: str
    """Why the award is wrong, 20 to 20,000 characters."""
    files: list[ReceivedFile]
    """Up to 5 supporting documents, of the types tender documents may have."""

    @classmethod
    def of(cls, form: ReceivedForm) -> ObjectionForm:
        return cls(form.text("grounds") or "", form.files_of("files"))

    async def attachments(self) -> list[Attachment]:
        return [Attachment(f.name, f.content_type, await f.read()) for f in self.files]


_GROUNDS = Schema(
    type=OpenAPIType.STRING,
    min_length=20,
    max_length=20_000,
    description="Why the award is wrong: the committee answers it, and the public reads both.",
)
OBJECTION_FORM = Schema(
    type=OpenAPIType.OBJECT,
    title="ObjectionForm",
    required=["grounds"],
    properties={
        "grounds": _GROUNDS,
        "files": Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY),
            max_items=MAX_FILES,
            description="Supporting documents, of the types tender documents may have.",
        ),
    },
)
OBJECTION_WITHOUT_FILES = Schema(
    type=OpenAPIType.OBJECT,
    title="ObjectionWithoutFiles",
    required=["grounds"],
    properties={"grounds": _GROUNDS},
)


@dataclass
class ObjectionFormOperation(Operation):
    """The objection route's body: a form the handler reads itself, so that one without documents
    may come URL-encoded as well as multipart (as HTTP clients send a form without files)."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            content={
                RequestEncodingType.MULTI_PART.value: OpenAPIMediaType(schema=OBJECTION_FORM),
                RequestEncodingType.URL_ENCODED.value: OpenAPIMediaType(schema=OBJECTION_WITHOUT_FILES),
            },
            description="The objection's grounds and its documents (`files`, repeated).",
            required=True,
        )
