"""The check of an access token at first sight: its ES256 signature, then its claims.

It is the hub's hottest cryptographic path (every session's first request), and joserfc's general
``jwt.decode`` cost about twice the signature itself (docs/BENCHMARKS.md, issue 20): it builds an
algorithm registry per call, searches the key set, and validates headers and claims for any JOSE
shape. The hub's access tokens have one shape, which this module accepts and nothing else:

- three base64url segments without padding, the signature exactly 64 bytes (86 characters);
- a protected header of exactly ``alg: ES256``, ``typ: at+jwt`` and a ``kid`` the hub publishes
  (no ``crit``, no ``jku`` or ``jwk``, no other member);
- the signature over the first two segments, verified by ``cryptography`` (OpenSSL) with that key;
- claims as joserfc's registry checks them for the hub (``TokenService``'s rules): ``iss`` and
  ``aud`` name the hub, ``exp`` is a number after now, ``nbf`` and ``iat`` (if any) not after now,
  ``sub`` and ``jti`` non-empty strings. "Now" is the service's injected wall clock.

Signing, the JWKS and ID tokens stay with joserfc; only the verification of our own access tokens
takes this narrower path through ``cryptography``, the library joserfc itself verifies with.
"""

from __future__ import annotations

import binascii
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from msgspec import DecodeError, json

_COMPACT = re.compile(rb"[A-Za-z0-9_-]{1,1024}\.[A-Za-z0-9_-]{1,8192}\.[A-Za-z0-9_-]{86}")
"""A compact JWS whose signature is 64 bytes (ES256's r and s); sizes bounded like joserfc's."""
_HEADER_MEMBERS = frozenset({"alg", "typ", "kid"})
_ES256 = ec.ECDSA(hashes.SHA256())
_URLSAFE = bytes.maketrans(b"-_", b"+/")
_REMEMBERED_HEADERS = 16
"""Header segments already read and found to name a key: every token a key signs has the same
(joserfc writes it the same way), so it is read once per key; a few more for other writers."""


class UnacceptableToken(ValueError):
    """Not an access token this hub signed, or no longer (or not yet) valid."""


class UnknownSigningKey(UnacceptableToken):
    """Signed, perhaps, by a key published since the verifier's keys were loaded."""


def _segment(text: bytes) -> bytes:
    """A base64url segment whose alphabet ``_COMPACT`` has checked, decoded."""
    return binascii.a2b_base64(text.translate(_URLSAFE) + b"=" * (-len(text) % 4))


def _object(text: bytes) -> dict[str, Any]:
    try:
        value = json.decode(_segment(text))  # strict JSON: no NaN, no Infinity
    except (binascii.Error, DecodeError) as exc:
        raise UnacceptableToken("a segment is not base64url JSON") from exc
    if not isinstance(value, dict):
        raise UnacceptableToken("a segment is not a JSON object")
    return value


def _number(value: object) -> TypeGuard[float]:
    """A NumericDate: a finite JSON number, not a boolean (joserfc's rule)."""
    return not isinstance(value, bool) and (
        isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
    )


def _text(value: object) -> bool:
    return isinstance(value, str) and value != ""


class AccessTokenCheck:
    """Checks access tokens against the keys the hub publishes (``kid`` -> public key), for one
    issuer (which is also the audience), at the time ``now()`` says (seconds since the epoch)."""

    def __init__(
        self, keys: Mapping[str, ec.EllipticCurvePublicKey], issuer: str, now: Callable[[], float]
    ) -> None:
        for kid, key in keys.items():
            if not isinstance(key.curve, ec.SECP256R1):
                raise ValueError(f"signing key {kid} is not a P-256 key")
        self._keys = dict(keys)
        self._headers: dict[bytes, ec.EllipticCurvePublicKey] = {}
        self._issuer = issuer
        self._now = now

    def claims(self, token: str) -> dict[str, Any]:
        """The claims of ``token``; ``UnacceptableToken`` (or ``UnknownSigningKey``) unless it is
        an access token of this issuer, signed by one of the keys, valid now."""
        raw = token.encode("ascii", "replace")
        if _COMPACT.fullmatch(raw) is None:
            raise UnacceptableToken("not a compact ES256 JWS")
        header_segment, payload_segment, signature_segment = raw.split(b".")
        key = self._headers.get(header_segment) or self._key_of(header_segment)
        signature = _segment(signature_segment)
        der = encode_dss_signature(int.from_bytes(signature[:32]), int.from_bytes(signature[32:]))
        try:
            key.verify(der, raw[: len(header_segment) + 1 + len(payload_segment)], _ES256)
        except InvalidSignature as exc:
            raise UnacceptableToken("the signature does not verify") from exc
        claims = _object(payload_segment)
        self._check(claims)
        return claims

    def _key_of(self, header_segment: bytes) -> ec.EllipticCurvePublicKey:
        """The key an access token's header names (remembered for the next token of that key)."""
        header = _object(header_segment)
        if header.keys() != _HEADER_MEMBERS or header["alg"] != "ES256" or header["typ"] != "at+jwt":
            raise UnacceptableToken("not the header of an access token")
        key = self._keys.get(header["kid"]) if isinstance(header["kid"], str) else None
        if key is None:
            raise UnknownSigningKey("signed by a key not published here")
        if len(self._headers) < _REMEMBERED_HEADERS:
            self._headers[header_segment] = key
        return key

    def _check(self, claims: dict[str, Any]) -> None:
        if claims.get("iss") != self._issuer or not self._for_us(claims.get("aud")):
            raise UnacceptableToken("issued by or for another party")
        if not _text(claims.get("sub")) or not _text(claims.get("jti")):
            raise UnacceptableToken("no subject or token id")
        now = self._now()
        expires = claims.get("exp")
        if not _number(expires) or expires <= now:
            raise UnacceptableToken("expired, or no expiry")
        for moment in ("nbf", "iat"):
            value = claims.get(moment, now)
            if not _number(value) or value > now:
                raise UnacceptableToken(f"{moment} is not a time before now")

    def _for_us(self, audience: object) -> bool:
        """The audience is the hub, alone or in a list of strings (joserfc's reading)."""
        if isinstance(audience, list):
            return self._issuer in audience and all(isinstance(a, str) for a in audience)
        return audience == self._issuer
