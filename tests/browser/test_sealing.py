"""A bid sealed in the browser (``hub/web/static/sealing.js``) is a bundle the Python code reads as
its own: the same bytes it would write for those fields, for the tender's key, signed by the
vendor's key made in the page, and it opens to the price and files sealed. The sealing runs in
headless Chromium in a page whose policy allows the hub's own scripts only (``script-src 'self'``),
as the vendor's bid page will. The hub takes such a bid (its key made in the page and registered as
any other), and the committee's opening shows its price.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, Route
from playwright.async_api import Error as PlaywrightError
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.vendors import register_signing_key
from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import InvalidInput
from hub.core.master_key import MasterKey
from tenants.sealing import (
    BadSignature,
    BidFile,
    TamperedBid,
    check_bundle_for,
    decode_receipt_public_key,
    decode_signing_public_key,
    encode_public_key,
    fingerprint,
    generate_tender_keypair,
    load_private_key_pem,
    open_bid,
    parse_bundle,
    public_raw_of,
    signing_key_id,
    verify_bundle_signature,
    verify_receipt,
)
from tenants.sealing._codec import b64url_decode, b64url_encode, canonical_json
from tenants.tenders import submit_bid
from tenants.tenders.preparation.bid_keys import receipt_public_keys
from tests.browser.page_check import fresh_context
from tests.integration.tenants.tenders.test_bid_signatures import _open, _public_key
from tests.integration.tenants.tenders.test_tender_rules import Stage, stage
from tests.live_server import LiveHub

__all__ = ["stage"]  # the fixture, imported to be found

HARNESS = "/__sealing-harness"
"""A page the test makes up at the hub's origin (the hub has no such route): nothing in it but the
policy a sealing page has, so ``import("/static/sealing.js")`` loads from the live hub under it."""
POLICY = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'"
TENANT, TENDER, VENDOR, PRICE = "3507", 12, 34, 1_250_000_000

SEAL = """async ({tenderKey, keyFingerprint, tender, vendor, price, files}) => {
  const sealing = await import("/static/sealing.js");
  const signingKey = await sealing.generateSigningKey();
  const sealed = await sealing.sealBid({
    tenderPublicKey: tenderKey, keyFingerprint, tenant: "3507", tender, vendor, price, signingKey,
    files: files.map((f) => ({
      name: f.name, contentType: f.contentType, data: Uint8Array.fromBase64(f.data),
    })),
  });
  return {
    bundle: await sealed.bundle.text(),
    publicKey: await sealing.encodeSigningPublicKey(signingKey.publicKey),
    extractable: signingKey.privateKey.extractable,
    ciphertextSha256: sealed.ciphertextSha256,
    bundleSha256: sealed.bundleSha256,
    signer: sealed.signer,
  };
}"""


async def _harness(route: Route) -> None:
    await route.fulfill(
        status=200,
        content_type="text/html; charset=utf-8",
        headers={"content-security-policy": POLICY},
        body="<!doctype html><html lang='id'><title>Segel penawaran</title></html>",
    )


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser, live: LiveHub) -> AsyncIterator[Page]:
    context = await fresh_context(browser)
    await context.route(f"{live.url}{HARNESS}", _harness)
    page = await context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if message.type == "error" else None)
    await page.goto(f"{live.url}{HARNESS}")
    yield page
    await context.close()
    assert not refused, refused


def _files() -> list[BidFile]:
    return [
        BidFile("Surat penawaran.pdf", "application/pdf", os.urandom(200_000)),
        BidFile("dokumen teknis — revisi ñ.docx", "application/octet-stream", os.urandom(3 * 2**20 + 7)),
        BidFile("rincian harga.csv", "text/csv; charset=utf-8", b'uraian,harga\nSemen "50 kg",1\n'),
        BidFile("kosong.txt", "text/plain", b""),
    ]


async def _seal(page: Page, public_raw: bytes, files: list[BidFile], **extra: Any) -> dict[str, Any]:
    argument = {
        "tenderKey": encode_public_key(public_raw),
        "keyFingerprint": fingerprint(public_raw),
        "tender": TENDER,
        "vendor": VENDOR,
        "price": PRICE,
        "files": [
            {"name": f.name, "contentType": f.content_type, "data": base64.b64encode(f.data).decode()}
            for f in files
        ],
    } | extra
    result: dict[str, Any] = await page.evaluate(SEAL, argument)
    return result


async def test_a_bid_sealed_in_the_browser_opens_with_the_python_code(page: Page) -> None:
    private_raw, public_raw = generate_tender_keypair()
    files = _files()

    sealed = await _seal(page, public_raw, files)

    data = sealed["bundle"].encode("utf-8")
    bundle = parse_bundle(data, max_size=50 * 2**20)
    assert bundle.to_bytes() == data, "the browser writes the bundle exactly as SealedBundle does"
    assert (bundle.version, bundle.sealed_by, bundle.sha256) == (2, "vendor", sealed["ciphertextSha256"])
    check_bundle_for(bundle, tenant_code=TENANT, tender_id=TENDER, vendor_id=VENDOR, public_raw=public_raw)
    vendor_key = decode_signing_public_key(sealed["publicKey"])
    assert bundle.signer == sealed["signer"] == signing_key_id(vendor_key)
    verify_bundle_signature(bundle, vendor_key)
    assert sealed["extractable"] is False, "the page can sign with the vendor's key, never read it"

    opened = open_bid(bundle, private_raw, tenant_code=TENANT, tender_id=TENDER, vendor_id=VENDOR)

    assert opened.price == PRICE
    assert opened.files == files


async def test_a_bundle_altered_after_sealing_neither_verifies_nor_opens(page: Page) -> None:
    private_raw, public_raw = generate_tender_keypair()
    sealed = await _seal(page, public_raw, _files()[:1])
    document = json.loads(sealed["bundle"])
    ciphertext = bytearray(b64url_decode(document["ciphertext"]))
    ciphertext[-20] ^= 1
    document["ciphertext"] = b64url_encode(bytes(ciphertext))
    tampered = parse_bundle(canonical_json(document))

    with pytest.raises(BadSignature):
        verify_bundle_signature(tampered, decode_signing_public_key(sealed["publicKey"]))
    with pytest.raises(TamperedBid, match="does not decrypt"):
        open_bid(tampered, private_raw, tenant_code=TENANT, tender_id=TENDER, vendor_id=VENDOR)
    moved = parse_bundle(sealed["bundle"].encode().replace(b'"vendor":34', b'"vendor":35'))
    with pytest.raises(TamperedBid, match="does not unwrap"):  # the binding is checked, not the labels
        open_bid(moved, private_raw, tenant_code=TENANT, tender_id=TENDER, vendor_id=35)


async def test_the_page_refuses_to_seal_to_a_key_that_is_not_the_one_the_tender_shows(page: Page) -> None:
    _, public_raw = generate_tender_keypair()
    _, other_raw = generate_tender_keypair()

    with pytest.raises(PlaywrightError, match=r"fingerprint is [0-9a-f:]+, not "):
        await _seal(page, other_raw, _files()[:1], keyFingerprint=fingerprint(public_raw))


BACKUP = """async ({tenderKey, passphrase}) => {
  const sealing = await import("/static/sealing.js");
  const {signingKey, backup} = await sealing.generateSigningKeyWithBackup(passphrase);
  const files = [{name: "penawaran.pdf", contentType: "application/pdf", data: new Uint8Array([37, 80])}];
  const sealed = await sealing.sealBid({
    tenderPublicKey: tenderKey, tenant: "3507", tender: 12, vendor: 34, price: 5, files, signingKey,
  });
  return {bundle: await sealed.bundle.text(), backup, extractable: signingKey.privateKey.extractable};
}"""


async def test_the_backup_file_of_a_key_made_in_the_browser_is_one_the_cli_reads(page: Page) -> None:
    private_raw, public_raw = generate_tender_keypair()
    passphrase = "kunci cadangan CV Maju Jaya"

    made = await page.evaluate(BACKUP, {"tenderKey": encode_public_key(public_raw), "passphrase": passphrase})

    assert made["backup"].startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    assert made["extractable"] is False
    restored = load_private_key_pem(made["backup"].encode(), passphrase.encode())
    bundle = parse_bundle(made["bundle"].encode())
    verify_bundle_signature(bundle, public_raw_of(restored))
    assert open_bid(bundle, private_raw, tenant_code=TENANT, tender_id=TENDER, vendor_id=VENDOR).price == 5
    with pytest.raises(InvalidInput, match="passphrase is wrong"):
        load_private_key_pem(made["backup"].encode(), b"kunci yang lain sama sekali")


async def test_without_x25519_in_webcrypto_the_portable_kem_seals_the_same_bundle(
    browser: Browser, live: LiveHub
) -> None:
    """A browser whose WebCrypto lacks X25519 (older Safari, Firefox) seals with @hpke/dhkem-x25519."""
    context = await fresh_context(browser)
    await context.add_init_script(
        """const generateKey = crypto.subtle.generateKey.bind(crypto.subtle);
        crypto.subtle.generateKey = (algorithm, ...rest) =>
          (algorithm.name ?? algorithm) === "X25519"
            ? Promise.reject(new DOMException("no X25519 here", "NotSupportedError"))
            : generateKey(algorithm, ...rest);
        crypto.subtle.deriveBits = ((deriveBits) => (algorithm, ...rest) =>
          algorithm.name === "X25519" ? Promise.reject(new DOMException("no", "NotSupportedError"))
            : deriveBits(algorithm, ...rest))(crypto.subtle.deriveBits.bind(crypto.subtle));"""
    )
    await context.route(f"{live.url}{HARNESS}", _harness)
    page = await context.new_page()
    await page.goto(f"{live.url}{HARNESS}")
    private_raw, public_raw = generate_tender_keypair()
    files = _files()[:1]

    sealed = await _seal(page, public_raw, files)
    await context.close()

    bundle = parse_bundle(sealed["bundle"].encode())
    verify_bundle_signature(bundle, decode_signing_public_key(sealed["publicKey"]))
    assert (
        open_bid(bundle, private_raw, tenant_code=TENANT, tender_id=TENDER, vendor_id=VENDOR).files == files
    )


async def test_the_hub_takes_a_bid_sealed_in_the_browser_and_the_committee_opens_it(
    page: Page, stage: Stage, clean_identity: AsyncEngine
) -> None:
    """The vendor's key made in the page is registered as any other; the hub's own checks at upload
    (binding, key, signature with a key valid now) pass, and the opening shows the price."""
    engine = clean_identity
    public_raw = await _public_key(engine, stage)
    files = _files()[:2]
    sealed = await _seal(page, public_raw, files, tender=stage.tender_id, vendor=stage.vendor_id)
    async with hub_sessions(engine)() as session, session.begin():
        await register_signing_key(session, stage.vendor.account_id, sealed["publicKey"])

    async with tenant_session(engine, stage.tenant.schema) as session, session.begin():
        accepted = await submit_bid(
            session, stage.vendor, stage.tender_id, sealed["bundle"].encode(), stage.master
        )
    shown = await _open(engine, stage)

    receipt = verify_receipt(accepted.receipt, await _receipt_key(engine, stage.master))
    assert (receipt.version, receipt.sha256) == (2, sealed["bundleSha256"])
    assert receipt.sha256 == hashlib.sha256(sealed["bundle"].encode()).hexdigest()
    assert (shown["status"], shown["price"], shown["signature"]) == ("ok", PRICE, "verified")
    assert shown["signer"] == sealed["signer"]


async def _receipt_key(engine: AsyncEngine, master: MasterKey) -> bytes:
    async with hub_sessions(engine)() as session:
        newest = (await receipt_public_keys(session, master))[0]
    return decode_receipt_public_key(newest.public_key)
