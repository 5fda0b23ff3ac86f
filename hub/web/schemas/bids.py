"""Taking part in a tender, as the API takes and shows it: documents, registration, clarification,
sealed bids and their receipts, and the opening.

Times are ISO 8601 strings in the tenant's zone (WIB, WITA or WIT), as the tender view writes them;
money is whole rupiah.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

import msgspec
from litestar.enums import RequestEncodingType
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)

from hub.core.errors import InvalidInput
from hub.web.schemas.custody import KeyCustodyRecord
from tenants.sealing import decode_receipt_public_key, fingerprint
from tenants.tenders.bid_key_models import ReceiptKey
from tenants.tenders.documents import ALLOWED_TYPES
from tenants.tenders.models import Clarification, Document, Registration
from tenants.tenders.views import localized

SEALED_BID_TYPE = "application/vnd.lpse-hub.sealed-bid+json"
"""The media type of a sealed bid bundle (``tenants.sealing``, format version 1)."""


class UploadedDocument(msgspec.Struct, frozen=True):
    """A tender document (dokumen pemilihan) as stored."""

    id: int
    name: str
    size: int
    """Bytes."""
    sha256: str
    """Hex SHA-256 of the bytes; the download's ``Digest`` header repeats it."""

    @classmethod
    def of(cls, document: Document) -> UploadedDocument:
        return cls(id=document.id, name=document.name, size=document.size, sha256=document.sha256)


_BINARY = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
DOCUMENT_UPLOAD = Schema(
    type=OpenAPIType.OBJECT,
    title="DocumentUpload",
    required=["file"],
    properties={
        "file": Schema(
            type=OpenAPIType.STRING,
            format=OpenAPIFormat.BINARY,
            description="PDF, an Office document, ZIP or an image; 1 byte to 20 MiB; named at most "
            "200 characters, without control characters.",
        )
    },
)


@dataclass
class DocumentUploadOperation(Operation):
    """The document route's body: a form the handler streams to disk itself, once the caller's
    token and role are checked (``hub.web.uploads``)."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            content={RequestEncodingType.MULTI_PART.value: OpenAPIMediaType(schema=DOCUMENT_UPLOAD)},
            description="A tender document as a browser sends it: one multipart form field.",
            required=True,
        )


class RegistrationView(msgspec.Struct, frozen=True):
    """The caller's vendor, registered for the tender: it may now download its documents, ask
    questions and bid."""

    tender_id: int
    vendor_id: int

    @classmethod
    def of(cls, registration: Registration) -> RegistrationView:
        return cls(tender_id=registration.tender_id, vendor_id=registration.vendor_id)


@dataclass(frozen=True, slots=True)
class Question:
    question: str
    """5 to 4,000 characters, asked during the clarification stage (aanwijzing)."""


@dataclass(frozen=True, slots=True)
class Answer:
    answer: str
    """Seen by every registered vendor; the asker stays anonymous to them."""


class QuestionAsked(msgspec.Struct, frozen=True):
    id: int
    question: str

    @classmethod
    def of(cls, item: Clarification) -> QuestionAsked:
        return cls(id=item.id, question=item.question)


class QuestionAnswered(msgspec.Struct, frozen=True):
    id: int
    answer: str

    @classmethod
    def of(cls, item: Clarification) -> QuestionAnswered:
        assert item.answer is not None  # just answered
        return cls(id=item.id, answer=item.answer)


class ClarificationView(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A question of the clarification stage and its answer, as the caller may see it."""

    id: int
    question: str
    asked_at: str | None
    answer: str | None
    """``None`` until the committee answers."""
    answered_at: str | None
    yours: bool
    """Asked by the caller's own vendor."""
    vendor_id: int | msgspec.UnsetType = msgspec.UNSET
    """Who asked: shown to the tenant's officials only."""

    @classmethod
    def of(cls, view: Mapping[str, Any]) -> ClarificationView:
        """From ``tenants.tenders.views.clarification_view``."""
        return msgspec.convert(view, cls)


KEY_ID_PATTERN = "^[0-9a-f]{4}(:[0-9a-f]{4}){7}$"
"""A vendor's signing key id (``tenants.sealing.signing_key_id``)."""

SEALED_BY_HUB_UPLOAD = Schema(
    type=OpenAPIType.OBJECT,
    title="SealedByHubUpload",
    required=["price", "files", "signer", "signature"],
    properties={
        "price": Schema(
            type=OpenAPIType.INTEGER,
            minimum=1,
            maximum=2**63 - 1,
            description="The offered price, whole rupiah.",
        ),
        "files": Schema(
            type=OpenAPIType.ARRAY, items=_BINARY, description="The bid's documents, at least one."
        ),
        "signer": Schema(
            type=OpenAPIType.STRING,
            pattern=KEY_ID_PATTERN,
            description="The key id of the vendor's signing key (registered at "
            "`/api/vendors/me/signing-keys`) that signed the content statement.",
        ),
        "signature": Schema(
            type=OpenAPIType.STRING,
            pattern="^[A-Za-z0-9_-]{86}$",
            description="The vendor's Ed25519 signature (base64url, unpadded) over the content statement "
            "of this bid: `lpse-hub bid statement v1` and a line feed, then the canonical JSON of "
            '`{"files": [{"name", "sha256", "size"}, ...], "price", "tender", "tenant", "v": 1, '
            '"vendor"}`, files in the order sent (`lpse-hub bid statement --signing-key` makes it).',
        ),
    },
)


@dataclass
class SealedByHubOperation(Operation):
    """The sealed-by-hub route's body: a form the handler streams to disk itself."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            content={RequestEncodingType.MULTI_PART.value: OpenAPIMediaType(schema=SEALED_BY_HUB_UPLOAD)},
            description="A bid for the hub to seal with the tender's key: the form a browser sends.",
            required=True,
        )


def bid_price(text: str | None) -> int:
    """The ``price`` field of the sealed-by-hub form: whole rupiah, 1 to 2^63 - 1."""
    if text is None or not text.strip().isascii() or not text.strip().isdigit():
        raise InvalidInput("the price is a whole number of rupiah", field="price")
    price = int(text)
    if not 0 < price < 2**63:
        raise InvalidInput("the price is out of range", field="price")
    return price


class BidReceipt(msgspec.Struct, frozen=True):
    """The hub's signed word that it accepted a sealed bid, verifiable offline by anyone with the
    key ``kid`` of ``/api/receipt-keys``: Ed25519 over the canonical JSON (sorted keys, no spaces) of
    every field but ``signature``. Sent exactly as signed, so keep its bytes as received."""

    bundle_sha256: str
    """SHA-256 of the exact bundle bytes received (``sha256sum`` of the file): with the bundle, proof
    of what was submitted."""
    key_fingerprint: str
    """The tender key the bundle was sealed for."""
    kid: str
    """The receipt key that signed."""
    received_at: str
    """The hub's clock at receipt, UTC, with microseconds and a ``Z``."""
    signature: str
    """Base64url, unpadded."""
    tender: int
    tenant: str
    """The tenant's code."""
    v: int
    """The receipt format's version: 2 (version 1 signed ``ciphertext_sha256``, the ciphertext's
    hash, instead of ``bundle_sha256`` and ``key_fingerprint``)."""
    vendor: int


class OpenedFileView(msgspec.Struct, frozen=True):
    name: str
    size: int


class OpenedBidView(msgspec.Struct, frozen=True):
    """One bid as the opening found it: its price and files, or why it did not open."""

    vendor_id: int
    vendor: str | None
    """The vendor's name."""
    received_at: str
    ciphertext_sha256: str
    """What its receipt signed: since receipt v2 the whole bundle's SHA-256, before that the
    ciphertext's."""
    status: Literal["ok", "tampered", "missing"]
    """``missing``: the audit log records this bid as the vendor's last, but it was not among the
    current bids (superseded or removed in the database): nothing to open, and it shows."""
    price: int | None
    """``None`` for a bid that did not open."""
    files: list[OpenedFileView] | msgspec.UnsetType = msgspec.UNSET
    """Only for a bid that opened."""
    problem: str | msgspec.UnsetType = msgspec.UNSET
    """Only for a bid that did not open: what was wrong with it."""
    failed_checks: list[str] | msgspec.UnsetType = msgspec.UNSET
    """Only for a bid that did not open: ``receipt`` (the stored bundle is not the one its signed
    receipt names), ``audit`` (not the one its ``bid.received`` entry records), ``signature`` (not
    signed by a key of its vendor valid when it was received), any of these (never decrypted), or
    ``decryption``; ``signature`` alone also for a bid the hub sealed whose vendor's statement
    signature fails once decrypted (its price is not shown); ``presence`` for a ``missing`` bid."""
    signer: str | msgspec.UnsetType | None = msgspec.UNSET
    """Only for a bid that opened: the key id of the vendor's signing key that signed it (see
    ``/api/vendors/{vendor_id}/signing-keys``); ``None`` for an unsigned bid."""
    signature: Literal["verified", "unsigned"] | msgspec.UnsetType = msgspec.UNSET
    """Only for a bid that opened: ``verified`` (signed by its vendor with a key valid when received),
    or ``unsigned`` (sealed before vendors signed their bids: bundle version 1)."""


class OpeningView(msgspec.Struct, frozen=True):
    """The public record of the opening (pembukaan penawaran): every current bid, opened."""

    opened_at: str
    opened_by: int
    """The account of the committee member (or procurement officer) who opened."""
    bids: list[OpenedBidView]
    """In the order received."""
    count: int
    tampered: int
    """How many bids did not open or did not match their manifest."""
    missing: int = 0
    """How many bids the audit log records as received were not there to open (openings before
    this count was kept say nothing of it)."""
    key_custody: KeyCustodyRecord | None = None
    """Who held the key, and for a committee-held one whose shares opened it (openings before
    issue 16 say nothing of it)."""

    @classmethod
    def of(cls, opening: Mapping[str, Any]) -> OpeningView:
        """From the tender's opening record, its times in the tenant's zone
        (``tenants.tenders.views.localized``)."""
        return msgspec.convert(opening, cls)

    @classmethod
    async def shown(cls, opening: Mapping[str, Any], zone: ZoneInfo) -> OpeningView:
        """``of`` the tender's opening record with its times in ``zone`` (``localized``), its lines
        ``LINES_PER_STEP`` at a time, the event loop free between them: 2,000 lines localized and
        converted at once held the loop for one step of 33 ms (issue 20, docs/BENCHMARKS.md)."""
        bids: list[Any] = opening["bids"]
        lines: list[OpenedBidView] = []
        for start in range(0, len(bids), LINES_PER_STEP):
            if start:
                await asyncio.sleep(0)  # let the loop serve what waits before the next lines
            step = localized(bids[start : start + LINES_PER_STEP], zone)
            lines += msgspec.convert(step, list[OpenedBidView])
        head = msgspec.convert(localized({**opening, "bids": []}, zone), cls)
        return msgspec.structs.replace(head, bids=lines)


LINES_PER_STEP = 250
"""Opening lines localized and converted in one step of the event loop: about 4 ms of CPU."""


class ReceiptKeyView(msgspec.Struct, frozen=True):
    """A public key of the hub that signs (or signed) bid receipts."""

    kid: str
    """The name receipts give the key in their ``kid``."""
    public_key: str
    """``ed25519:`` and the raw 32-byte key in unpadded base64url."""
    fingerprint: str
    """The key's SHA-256 in eight groups of four hex digits, to compare by eye or keep in a record."""
    created_at: str
    retired_at: str | None
    """When it stopped signing; receipts it signed stay valid."""

    @classmethod
    def of(cls, key: ReceiptKey) -> ReceiptKeyView:
        return cls(
            kid=key.kid,
            public_key=key.public_key,
            fingerprint=fingerprint(decode_receipt_public_key(key.public_key)),
            created_at=key.created_at.isoformat(),
            retired_at=key.retired_at.isoformat() if key.retired_at else None,
        )


def _b64url(what: str) -> Schema:
    return Schema(
        type=OpenAPIType.STRING, pattern="^[A-Za-z0-9_-]+$", description=f"{what}, unpadded base64url"
    )


SEALED_BUNDLE = Schema(
    type=OpenAPIType.OBJECT,
    title="SealedBundle",
    description=(
        "A bid sealed on the vendor's machine for the tender's key (`tender_key` of the tender): one "
        "UTF-8 JSON object, sorted keys, no spaces, exactly these fields. It opens only after the "
        "deadline, by the committee, and only for this tenant, tender and vendor."
    ),
    required=[
        "ciphertext",
        "enc",
        "key_fingerprint",
        "nonce",
        "tender",
        "tenant",
        "v",
        "vendor",
        "wrapped_key",
    ],
    additional_properties=False,
    properties={
        "ciphertext": _b64url("The key commitment, then AES-256-GCM of the bid's container"),
        "enc": _b64url("HPKE encapsulated key, 32 bytes"),
        "key_fingerprint": Schema(
            type=OpenAPIType.STRING,
            pattern="^[0-9a-f]{4}(:[0-9a-f]{4}){7}$",
            description="The tender key sealed for (`key_fingerprint` of the tender).",
        ),
        "nonce": _b64url("AES-GCM nonce, 12 bytes"),
        "tender": Schema(type=OpenAPIType.INTEGER, minimum=1),
        "tenant": Schema(
            type=OpenAPIType.STRING, pattern="^[0-9A-Za-z._-]{1,32}$", description="The tenant's code."
        ),
        "v": Schema(type=OpenAPIType.INTEGER, const=1, description="The bundle format's version."),
        "vendor": Schema(type=OpenAPIType.INTEGER, minimum=1, description="The caller's vendor."),
        "wrapped_key": _b64url("HPKE-sealed data key, 48 bytes"),
    },
)


@dataclass
class SealedBidOperation(Operation):
    """The bid route's body, which the handler reads as bytes (a receipt signs their digest), so
    Litestar cannot describe it from a parameter."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            content={SEALED_BID_TYPE: OpenAPIMediaType(schema=SEALED_BUNDLE)},
            description="The sealed bundle, as `lpse-hub bid seal` writes it.",
            required=True,
        )


def _file_response(description: str) -> OpenAPIResponse:
    binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
    return OpenAPIResponse(
        description=description,
        headers={
            "Content-Disposition": OpenAPIHeader(
                schema=Schema(type=OpenAPIType.STRING), description='attachment; filename="<name>"'
            ),
            "Digest": OpenAPIHeader(
                schema=Schema(type=OpenAPIType.STRING), description="sha-256=<hex SHA-256 of the bytes>"
            ),
        },
        content={media_type: OpenAPIMediaType(schema=binary) for media_type in sorted(ALLOWED_TYPES)},
    )


@dataclass
class FileDownloadOperation(Operation):
    """A stored file's bytes, in the type it was uploaded as (one of those documents may have)."""

    def __post_init__(self) -> None:
        self.responses = {**(self.responses or {}), "200": _file_response("The file, as an attachment.")}
