"""Request bodies over HTTP: each route's size limit, bodies not read before the caller may send them,
file names that survive the round trip, and form fields that are not UTF-8 (issue 14)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.web.body_limits import DOCUMENT_FORM, JSON_BODY_BYTES
from tenants.sealing import BidFile, decode_public_key, seal_bid
from tenants.tenders.bidding.bids import MAX_BUNDLE_BYTES
from tenants.tenders.documents import MAX_DOCUMENT_BYTES
from tests.e2e.procurement import (
    PDF,
    SEALED,
    Bidder,
    Client,
    Desk,
    advance,
    person,
    regency,
    vendor,
)

MiB = 1024 * 1024


@dataclass
class Tender:
    desk: Desk
    bidder: Bidder


@pytest.fixture
async def tender(client: Client, clean_identity: AsyncEngine) -> Tender:
    """An announced tender of kab-malang, and a verified vendor registered for it."""
    engine = clean_identity
    desk = Desk(client, engine, await regency(client, engine, "kab-malang", "3507"))
    await desk.announce("Rehabilitasi Jalan Kepanjen", owner_estimate=1_000_000_000)
    verifier = await person(engine, "verifier", "kab-malang")
    bidder = await vendor(client, engine, "andalas", "3507", verifier, "kab-malang")
    await desk.register([bidder])
    return Tender(desk, bidder)


def pdf(size: int) -> bytes:
    return b"%PDF" + b"x" * (size - 4)


async def upload(client: Client, tender: Tender, name: str, content: bytes = b"%PDF-1.7") -> Any:
    return await client.post(
        f"{tender.desk.url}/documents",
        headers=tender.desk.regency.pokja,
        files={"file": (name, content, PDF)},
    )


async def test_a_document_of_15_mib_is_taken_and_one_byte_over_20_mib_is_413(
    client: Client, tender: Tender
) -> None:
    taken = await upload(client, tender, "rks.pdf", pdf(15 * MiB))
    assert taken.status_code == 201, taken.text
    assert taken.json()["size"] == 15 * MiB
    refused = await upload(client, tender, "rks.pdf", pdf(MAX_DOCUMENT_BYTES + 1))
    assert refused.status_code == 413, refused.text
    assert refused.json()["field"] == "file"
    assert refused.json()["type"] == "urn:lpse-hub:problem:request-body-too-large"


async def test_a_sealed_bundle_above_10_mb_and_below_64_mib_is_taken(client: Client, tender: Tender) -> None:
    desk = tender.desk
    await advance(desk.engine, desk.regency.schema, desk.tender_id, "bid_submission")
    bundle = seal_bid(
        decode_public_key(desk.tender_key),
        tenant_code=desk.regency.code,
        tender_id=desk.tender_id,
        vendor_id=tender.bidder.vendor_id,
        price=900_000_000,
        files=[BidFile("penawaran.pdf", PDF, pdf(12 * MiB))],
        signing_key=tender.bidder.signing_key,
    )
    assert 10_000_000 < len(bundle) < MAX_BUNDLE_BYTES
    taken = await client.post(
        f"{desk.url}/bids", content=bundle, headers={**tender.bidder.headers, "Content-Type": SEALED}
    )
    assert taken.status_code == 201, taken.text


async def test_a_file_name_beyond_ascii_comes_back_in_filename_star(client: Client, tender: Tender) -> None:
    uploaded = await upload(client, tender, "ä€.pdf")
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["name"] == "ä€.pdf"
    downloaded = await client.get(
        f"{tender.desk.url}/documents/{uploaded.json()['id']}", headers=tender.desk.regency.pokja
    )
    assert downloaded.status_code == 200, downloaded.text
    assert downloaded.headers["content-disposition"] == (
        "attachment; filename=\"__.pdf\"; filename*=UTF-8''%C3%A4%E2%82%AC.pdf"
    )
    assert downloaded.content == b"%PDF-1.7"


async def test_quotes_and_semicolons_in_a_file_name_do_not_break_the_header(
    client: Client, tender: Tender
) -> None:
    name = 'surat "penawaran"; final.pdf'
    uploaded = await upload(client, tender, name)
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["name"] == name
    downloaded = await client.get(
        f"{tender.desk.url}/documents/{uploaded.json()['id']}", headers=tender.desk.regency.pokja
    )
    assert downloaded.headers["content-disposition"] == (
        'attachment; filename="surat \\"penawaran\\"; final.pdf"; '
        "filename*=UTF-8''surat%20%22penawaran%22%3B%20final.pdf"
    )


async def test_a_file_name_with_cr_lf_is_refused_naming_the_field(client: Client, tender: Tender) -> None:
    refused = await upload(client, tender, "rks\r\nSet-Cookie: x=1.pdf")  # httpx sends %0D%0A
    assert refused.status_code == 400, refused.text
    assert refused.json()["field"] == "file"


def form(boundary: str, *parts: tuple[str, bytes, str | None]) -> bytes:
    body = b""
    for name, value, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        body += (b"Content-Type: application/pdf\r\n" if filename else b"") + b"\r\n" + value + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


async def test_a_price_that_is_not_utf_8_is_refused_naming_the_field(client: Client, tender: Tender) -> None:
    desk = tender.desk
    await advance(desk.engine, desk.regency.schema, desk.tender_id, "bid_submission")
    body = form("b0undary", ("price", b"\xff\xfe900000000", None), ("files", b"%PDF bid", "penawaran.pdf"))
    refused = await client.post(
        f"{desk.url}/bids/sealed-by-hub",
        content=body,
        headers={**tender.bidder.headers, "Content-Type": "multipart/form-data; boundary=b0undary"},
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["field"] == "price"


@dataclass
class Sender:
    """An ASGI client that hands the app a large body in chunks and counts what the app took."""

    size: int
    chunk: int = 64 * 1024
    taken: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)

    async def receive(self) -> dict[str, Any]:
        part = min(self.chunk, self.size - self.taken)
        self.taken += part
        return {"type": "http.request", "body": b"x" * part, "more_body": self.taken < self.size}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        return int(next(m["status"] for m in self.sent if m["type"] == "http.response.start"))


async def post_raw(
    client: Client, path: str, sender: Sender, headers: dict[str, str], *, announce: bool
) -> Sender:
    """POST ``sender``'s body to ``path``; with ``announce``, its size in ``Content-Length``,
    else chunked (no length)."""
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if announce:
        raw.append((b"content-length", str(sender.size).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver.local"), *raw],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver.local", 80),
    }
    # in the client's own event loop, where the app's engine lives
    await anyio.to_thread.run_sync(
        client.blocking_portal.call, client.app, scope, sender.receive, sender.send
    )
    return sender


@pytest.mark.parametrize("announce", [True, False], ids=["content-length", "chunked"])
async def test_an_anonymous_upload_is_refused_before_its_body_is_read(
    client: Client, tender: Tender, announce: bool
) -> None:
    sender = Sender(size=30 * MiB)
    headers = {"content-type": "multipart/form-data; boundary=b0undary"}
    await post_raw(client, f"{tender.desk.url}/documents", sender, headers, announce=announce)
    assert sender.status == 401
    assert sender.taken == 0


async def test_an_upload_by_someone_without_the_role_is_refused_before_its_body_is_read(
    client: Client, tender: Tender
) -> None:
    sender = Sender(size=DOCUMENT_FORM.body)
    headers = {"content-type": "multipart/form-data; boundary=b0undary", **tender.bidder.headers}
    await post_raw(client, f"{tender.desk.url}/documents", sender, headers, announce=True)
    assert sender.status == 403  # a vendor is not the selection committee
    assert sender.taken == 0


async def test_an_upload_announced_beyond_the_routes_limit_is_413_before_its_body_is_read(
    client: Client, tender: Tender
) -> None:
    sender = Sender(size=DOCUMENT_FORM.body + 1)
    headers = {"content-type": "multipart/form-data; boundary=b0undary", **tender.desk.regency.pokja}
    await post_raw(client, f"{tender.desk.url}/documents", sender, headers, announce=True)
    assert sender.status == 413
    assert sender.taken == 0


async def test_an_oversized_json_body_is_413_from_its_length_without_being_read(client: Client) -> None:
    sender = Sender(size=9_800_000)  # under Litestar's own 10 MB default
    await post_raw(client, "/api/vendors", sender, {"content-type": "application/json"}, announce=True)
    assert sender.status == 413
    assert sender.taken == 0


async def test_an_oversized_chunked_json_body_is_413_once_the_limit_is_passed(client: Client) -> None:
    sender = Sender(size=9_800_000)
    await post_raw(client, "/api/vendors", sender, {"content-type": "application/json"}, announce=False)
    assert sender.status == 413
    assert sender.taken <= JSON_BODY_BYTES + sender.chunk
