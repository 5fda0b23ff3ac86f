"""Sealed bids (*penawaran*) and their receipts: the cryptography, with no database.

A tender's X25519 key pair (``keys``) lets vendors seal a bid on their own machine (``bundle``); the
hub stores the sealed bundle, checks the vendor's signature (``signatures``) and that it is for
the right tender and key, and returns a receipt signed with its Ed25519 key (``receipts``) that
anyone can verify offline. After the deadline the
selection committee opens the bid with the tender's private key, kept wrapped under the tenant's key,
itself wrapped under the hub's master key.

Usage::

    private_raw, public_raw = generate_tender_keypair()
    signing_key = Ed25519PrivateKey.generate()  # the vendor's, registered with the hub
    data = seal_bid(public_raw, tenant_code="3507", tender_id=12, vendor_id=34, price=1_250_000_000,
                    files=[BidFile("penawaran.pdf", "application/pdf", pdf_bytes)],
                    signing_key=signing_key)
    bundle = parse_bundle(data, max_size=50 * 2**20)
    check_bundle_for(bundle, tenant_code="3507", tender_id=12, vendor_id=34, public_raw=public_raw)
    verify_bundle_signature(bundle, public_raw_of(signing_key))
    opened = open_bid(bundle, private_raw, tenant_code="3507", tender_id=12, vendor_id=34)
"""

from tenants.sealing.bundle import (
    BUNDLE_VERSION,
    SEALED_BY_HUB,
    SEALED_BY_VENDOR,
    BidFile,
    OpenedBid,
    SealedBundle,
    check_bundle_for,
    open_bid,
    parse_bundle,
    seal_bid,
    seal_for_vendor,
    verify_bundle_signature,
    verify_statement_signature,
)
from tenants.sealing.errors import BadSignature, InvalidReceipt, KeyUnwrapError, TamperedBid
from tenants.sealing.receipts import (
    Receipt,
    decode_receipt_public_key,
    encode_receipt_public_key,
    generate_receipt_key,
    receipt_public_key_of,
    sign_receipt,
    verify_receipt,
)
from tenants.sealing.signatures import (
    StatedFile,
    content_statement,
    decode_signature,
    decode_signing_public_key,
    encode_signature,
    encode_signing_public_key,
    load_private_key_pem,
    private_key_pem,
    public_raw_of,
    signing_key_id,
    stated,
)
from tenants.sealing.tender_keys import (
    decode_public_key,
    derive_public_key,
    encode_public_key,
    fingerprint,
    generate_tender_keypair,
    new_tenant_key,
    tenant_key_context,
    tender_key_context,
    unwrap_key,
    wrap_key,
)

__all__ = [
    "BUNDLE_VERSION",
    "SEALED_BY_HUB",
    "SEALED_BY_VENDOR",
    "BadSignature",
    "BidFile",
    "InvalidReceipt",
    "KeyUnwrapError",
    "OpenedBid",
    "Receipt",
    "SealedBundle",
    "StatedFile",
    "TamperedBid",
    "check_bundle_for",
    "content_statement",
    "decode_public_key",
    "decode_receipt_public_key",
    "decode_signature",
    "decode_signing_public_key",
    "derive_public_key",
    "encode_public_key",
    "encode_receipt_public_key",
    "encode_signature",
    "encode_signing_public_key",
    "fingerprint",
    "generate_receipt_key",
    "generate_tender_keypair",
    "load_private_key_pem",
    "new_tenant_key",
    "open_bid",
    "parse_bundle",
    "private_key_pem",
    "public_raw_of",
    "receipt_public_key_of",
    "seal_bid",
    "seal_for_vendor",
    "sign_receipt",
    "signing_key_id",
    "stated",
    "tenant_key_context",
    "tender_key_context",
    "unwrap_key",
    "verify_bundle_signature",
    "verify_receipt",
    "verify_statement_signature",
    "wrap_key",
]
