"""A tender's private key held in shares by its committee, so no one alone can open its bids (issue 16).

At announcement the hub makes the tender's X25519 key pair, splits the private key with Shamir's
scheme into one share per member of the tender's committee plus one **recovery share**, any
``threshold`` of which rebuild it, seals each share to its holder's X25519 public key, and forgets
the private key. After the close each holder unseals its share on its own machine and sends it
back sealed to the opening's one-time key; with ``threshold`` shares in, the hub rebuilds the key,
opens the bids and forgets it again.

- **Shares** are SLIP-39 mnemonics made and combined by ``shamir-mnemonic`` (SatoshiLabs' reference
  implementation), not by code of ours: one group of ``holders`` shares with the threshold as its
  member threshold, or, for a threshold of 1 (which SLIP-39 allows only as 1-of-1), one 1-of-1
  group per holder and a group threshold of 1. Each share has a checksum, and the words can be
  printed. A share is named by its SHA-256 (``share_digest``), which the hub keeps, so a share given
  back is recognised as exactly the one sealed to that holder.
- **Sealing** is HPKE (RFC 9180) base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM,
  the suite of sealed bids, from ``cryptography``. The ``info`` binds the sealed share to its use,
  tenant, tender and slot (``holder_context``, ``opening_context``): a share sealed for one slot or
  tender does not unseal as another's.
- **Member keys** are X25519 keys made on the member's machine, kept in a PKCS#8 PEM file encrypted
  under a passphrase (``member_key_pem``); only the public half is registered with the hub.
- **The recovery key** of a tenant is an X25519 key kept on paper: its private half written as a
  33-word SLIP-39 mnemonic (1-of-1, with a checksum, so a word mistyped is caught:
  ``recovery_key_words``), its public half registered with the tenant.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from shamir_mnemonic import MnemonicError, combine_mnemonics, generate_mnemonics

from hub.core.errors import InvalidInput
from hub.core.key_wrapping import KEY_SIZE
from tenants.sealing._codec import b64url_decode, b64url_encode
from tenants.sealing.errors import ShareRefused
from tenants.sealing.tender_keys import PUBLIC_KEY_PREFIX, decode_public_key

_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_INFO_DOMAIN = "lpse-hub/key-share/v1|"
_RAW = serialization.Encoding.Raw
_ITERATION_EXPONENT = 0
"""SLIP-39's passphrase stretching, unused: the shares have no passphrase, they are sealed instead."""

MAX_SEALED_SHARE = 4096
"""A sealed share is about 300 bytes (33 words, HPKE's 32-byte ``enc`` and 16-byte tag); anything
far larger is refused before decrypting."""


def majority(members: int) -> int:
    """The default threshold of a committee of ``members``: more than half of them."""
    return members // 2 + 1


def split_tender_key(private_raw: bytes, *, threshold: int, holders: int) -> list[str]:
    """``holders`` shares of the 32-byte ``private_raw``, any ``threshold`` of which rebuild it."""
    if len(private_raw) != KEY_SIZE:
        raise ValueError(f"a tender's private key is {KEY_SIZE} bytes, not {len(private_raw)}")
    if not 1 <= threshold <= holders <= 16:
        raise ValueError(f"a threshold of {threshold} of {holders} shares: it takes 1 <= k <= n <= 16")
    groups = [(1, 1)] * holders if threshold == 1 else [(threshold, holders)]
    mnemonics = generate_mnemonics(
        1, groups, private_raw, b"", extendable=True, iteration_exponent=_ITERATION_EXPONENT
    )
    return [share for group in mnemonics for share in group]


def combine_shares(shares: Sequence[str], *, threshold: int) -> bytes:
    """The private key rebuilt from ``threshold`` of its shares (any more are not used);
    ``ShareRefused`` if they are too few or do not belong together."""
    if len(shares) < threshold:
        raise ShareRefused(f"{len(shares)} shares given, {threshold} needed", reason="too-few")
    try:
        secret: bytes = combine_mnemonics(list(shares[:threshold]))
        return secret
    except MnemonicError as exc:
        raise ShareRefused(f"the shares do not rebuild a key: {exc}", reason="wrong-share") from None


def share_digest(share: str) -> str:
    """The name the hub keeps for a share: its SHA-256, in lowercase hex."""
    return hashlib.sha256(share.encode("utf-8")).hexdigest()


def holder_context(tenant_code: str, tender_id: int, slot: int) -> str:
    """What a share sealed to its holder at announcement is bound to."""
    return f"holder|{tenant_code}|{tender_id}|{slot}"


def opening_context(tenant_code: str, tender_id: int, slot: int) -> str:
    """What a share given back, sealed to the opening's one-time key, is bound to."""
    return f"opening|{tenant_code}|{tender_id}|{slot}"


def seal_share(share: str, public_raw: bytes, *, context: str) -> bytes:
    """``share`` sealed to the X25519 key ``public_raw``, bound to ``context``."""
    try:
        recipient = X25519PublicKey.from_public_bytes(public_raw)
        return _SUITE.encrypt(share.encode("utf-8"), recipient, info=_info(context))
    except ValueError:  # not 32 bytes, or a low-order point: nothing can be sealed to it
        raise InvalidInput("the key is not a usable X25519 public key", field="public_key") from None


def check_sealable(public_raw: bytes) -> None:
    """``InvalidInput`` unless shares can be sealed to ``public_raw``: 32 bytes, and not one of the
    low-order points with which no shared secret can be agreed (checked by sealing once to it)."""
    seal_share("", public_raw, context="check")


def unseal_share(sealed: bytes, private: X25519PrivateKey, *, context: str) -> str:
    """The share ``seal_share`` sealed to ``private``'s public half for ``context``; ``ShareRefused``
    when it does not open so (another key, another slot or tender, altered bytes)."""
    if len(sealed) > MAX_SEALED_SHARE:
        raise ShareRefused(f"a sealed share is at most {MAX_SEALED_SHARE} bytes", reason="malformed")
    try:
        return _SUITE.decrypt(sealed, private, info=_info(context)).decode("utf-8")
    except (InvalidTag, ValueError, UnicodeDecodeError):
        raise ShareRefused(
            f"the share does not open as {context.split('|')[0]} share of this slot: another key, "
            "another tender or slot, or altered bytes",
            reason="does-not-open",
        ) from None


def reseal_for_opening(
    sealed: bytes,
    holder: X25519PrivateKey,
    opening_public_raw: bytes,
    *,
    tenant_code: str,
    tender_id: int,
    slot: int,
) -> bytes:
    """What a holder does on its own machine after the close: unseal its share of slot ``slot`` with
    its key, and seal it again to the opening's one-time key, to give it back."""
    share = unseal_share(sealed, holder, context=holder_context(tenant_code, tender_id, slot))
    return seal_share(share, opening_public_raw, context=opening_context(tenant_code, tender_id, slot))


def encode_sealed(sealed: bytes) -> str:
    """A sealed share as it travels: unpadded base64url."""
    return b64url_encode(sealed)


def decode_sealed(text: str) -> bytes:
    """A sealed share from its unpadded base64url text; ``InvalidInput`` otherwise."""
    if len(text) > 2 * MAX_SEALED_SHARE:
        raise InvalidInput(f"a sealed share is at most {MAX_SEALED_SHARE} bytes", field="sealed_share")
    try:
        return b64url_decode(text.strip())
    except ValueError as exc:
        raise InvalidInput(f"the sealed share is {exc}", field="sealed_share") from None


def _info(context: str) -> bytes:
    return (_INFO_DOMAIN + context).encode("utf-8")


def new_x25519_key() -> X25519PrivateKey:
    """A fresh X25519 key: a member's, a tenant's recovery key, or an opening's one-time key."""
    return X25519PrivateKey.generate()


def raw_private(private: X25519PrivateKey) -> bytes:
    return private.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def raw_public(private: X25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)


def member_key_pem(private: X25519PrivateKey, passphrase: bytes) -> bytes:
    """A member's private key as the file it keeps: PKCS#8 PEM encrypted under ``passphrase``."""
    if not passphrase:
        raise InvalidInput("a member key is always encrypted: give a passphrase", field="passphrase")
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )


def load_member_key_pem(data: bytes, passphrase: bytes) -> X25519PrivateKey:
    """The member key of a file ``member_key_pem`` wrote; ``InvalidInput`` for a wrong passphrase or
    a file that holds no X25519 key."""
    try:
        private = serialization.load_pem_private_key(data, password=passphrase or None)
    except (ValueError, TypeError):
        raise InvalidInput(
            "the key file does not open: wrong passphrase, or not a member key file", field="key"
        ) from None
    if not isinstance(private, X25519PrivateKey):
        raise InvalidInput("the key file holds another kind of key, not an X25519 member key", field="key")
    return private


def decode_member_public_key(text: str) -> bytes:
    """A member's (or recovery) public key from its text, ``x25519:`` and unpadded base64url."""
    try:
        return decode_public_key(text)
    except InvalidInput as exc:
        raise InvalidInput(exc.detail.replace("tender key", "public key"), field="public_key") from None


def recovery_key_words(private: X25519PrivateKey) -> str:
    """A recovery key's private half as 33 words to keep on paper (SLIP-39, 1-of-1, with checksum)."""
    [[words]] = generate_mnemonics(1, [(1, 1)], raw_private(private), b"", iteration_exponent=0)
    return str(words)


def recovery_key_from_words(words: str) -> X25519PrivateKey:
    """The recovery key written by ``recovery_key_words``; ``InvalidInput`` naming what is wrong."""
    try:
        raw = combine_mnemonics([" ".join(words.split())])
    except MnemonicError as exc:
        raise InvalidInput(f"the recovery words do not read: {exc}", field="recovery_words") from None
    if len(raw) != KEY_SIZE:
        raise InvalidInput("the words hold a secret that is not an X25519 key", field="recovery_words")
    return X25519PrivateKey.from_private_bytes(raw)


__all__ = [
    "MAX_SEALED_SHARE",
    "PUBLIC_KEY_PREFIX",
    "check_sealable",
    "combine_shares",
    "decode_member_public_key",
    "decode_sealed",
    "encode_sealed",
    "holder_context",
    "load_member_key_pem",
    "majority",
    "member_key_pem",
    "new_x25519_key",
    "opening_context",
    "raw_private",
    "raw_public",
    "recovery_key_from_words",
    "recovery_key_words",
    "reseal_for_opening",
    "seal_share",
    "share_digest",
    "split_tender_key",
    "unseal_share",
]
