"""The access token's first-sight check, without the database: it accepts the hub's own tokens and
refuses everything joserfc's general decoder (with the hub's claim rules) refuses, and more."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet
from joserfc.jwt import JWTClaimsRegistry

from federation.oidc.access_token_check import AccessTokenCheck, UnacceptableToken, UnknownSigningKey

ISSUER = "https://hub.example"
NOW = 1_800_000_000
KEY = ECKey.generate_key("P-256", auto_kid=True)
OTHER_KEY = ECKey.generate_key("P-256", auto_kid=True)


def claims(**changes: Any) -> dict[str, Any]:
    base = {"iss": ISSUER, "aud": ISSUER, "sub": "7", "client_id": "portal", "scope": "openid lpse",
            "iat": NOW - 10, "exp": NOW + 600, "jti": "a1b2"}  # fmt: skip
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def signed(payload: dict[str, Any], *, key: ECKey = KEY, **header: Any) -> str:
    protected = {"alg": "ES256", "kid": KEY.kid, "typ": "at+jwt", **header}
    header = {k: v for k, v in protected.items() if v is not None}
    return jwt.encode(header, payload, key, algorithms=["ES256"])


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_by_hand(header: dict[str, Any], payload: dict[str, Any]) -> str:
    """A token with a header joserfc would not write (it refuses unknown ``crit`` members)."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    der = KEY.get_op_key("sign").sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return f"{signing_input}.{b64(r.to_bytes(32) + s.to_bytes(32))}"


def check(now: float = NOW) -> AccessTokenCheck:
    public = ECKey.import_key(KEY.as_dict(private=False))
    return AccessTokenCheck({str(KEY.kid): public.get_op_key("verify")}, ISSUER, lambda: now)


def joserfc_accepts(token: str) -> bool:
    """What the hub checked before: joserfc's decoder, the header's ``typ``, the claim rules."""
    rules = JWTClaimsRegistry(
        now=NOW,
        iss={"essential": True, "value": ISSUER},
        aud={"essential": True, "value": ISSUER},
        exp={"essential": True},
        sub={"essential": True},
        jti={"essential": True},
    )
    try:
        public = KeySet([ECKey.import_key(KEY.as_dict(private=False))])
        decoded = jwt.decode(token, public, algorithms=["ES256"])
        if decoded.header.get("typ") != "at+jwt":
            return False
        rules.validate(decoded.claims)
    except (JoseError, ValueError):
        return False
    return True


def with_payload(token: str, payload: bytes) -> str:
    header, _, signature = token.split(".")
    return ".".join([header, b64(payload), signature])


NAN_EXPIRY = b'{"iss":"%s","aud":"%s","sub":"7","jti":"x","exp":NaN}' % (ISSUER.encode(), ISSUER.encode())
REFUSED = {
    "another issuer": signed(claims(iss="https://another-hub.example")),
    "another audience": signed(claims(aud="portal")),
    "an audience list without the hub": signed(claims(aud=["portal", "office"])),
    "expired": signed(claims(exp=NOW - 1)),
    "expiring this second": signed(claims(exp=NOW)),
    "no expiry": signed(claims(exp=None)),
    "an expiry that is not a number": signed(claims(exp="2030-01-01")),
    "an expiry that is a boolean": signed(claims(exp=True)),
    "not valid before a later time": signed(claims(nbf=NOW + 60)),
    "issued in the future": signed(claims(iat=NOW + 60)),
    "no subject": signed(claims(sub=None)),
    "an empty subject": signed(claims(sub="")),
    "a subject that is a number": signed(claims(sub=7)),
    "no token id": signed(claims(jti=None)),
    "an ID token": signed(claims(), typ="JWT"),
    "no typ": signed(claims(), typ=None),
    "signed by another key under the hub's kid": signed(claims(), key=OTHER_KEY),
    "a payload changed after signing": with_payload(signed(claims()), json.dumps(claims(sub="1")).encode()),
    "a NaN expiry": with_payload(signed(claims()), NAN_EXPIRY),
    "alg none": "eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0." + signed(claims()).split(".")[1] + ".",
    "a truncated signature": signed(claims())[:-2],
    "padding": signed(claims()) + "==",
    "two segments": ".".join(signed(claims()).split(".")[:2]),
    "not ASCII": signed(claims())[:-1] + "é",
    "empty": "",
}


def test_the_hubs_access_token_is_accepted_with_its_claims() -> None:
    token = signed(claims(family="f1"))
    assert joserfc_accepts(token)
    assert check().claims(token) == claims(family="f1")


def test_an_audience_list_that_names_the_hub_is_accepted_as_joserfc_accepts_it() -> None:
    token = signed(claims(aud=["portal", ISSUER]))
    assert joserfc_accepts(token)
    assert check().claims(token)["aud"] == ["portal", ISSUER]


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_token_joserfc_refuses_is_refused(case: str) -> None:
    token = REFUSED[case]
    assert not joserfc_accepts(token)
    with pytest.raises(UnacceptableToken):
        check().claims(token)


def test_expiry_is_judged_by_the_injected_clock() -> None:
    token = signed(claims(exp=NOW + 600))
    assert check(now=NOW + 599.9).claims(token)["exp"] == NOW + 600
    with pytest.raises(UnacceptableToken):
        check(now=NOW + 600).claims(token)


@pytest.mark.parametrize(
    "header",
    [{"crit": ["exp"]}, {"jku": "https://evil.example/jwks"}, {"b64": False}, {"cty": "JWT"}],
    ids=["crit", "jku", "b64", "cty"],
)
def test_a_header_with_any_member_the_hub_never_writes_is_refused(header: dict[str, Any]) -> None:
    with pytest.raises(UnacceptableToken):
        check().claims(signed_by_hand({"alg": "ES256", "kid": KEY.kid, "typ": "at+jwt", **header}, claims()))


def test_a_token_signed_by_hand_in_the_hubs_shape_is_accepted() -> None:
    token = signed_by_hand({"alg": "ES256", "kid": KEY.kid, "typ": "at+jwt"}, claims())
    assert check().claims(token) == claims()


def test_a_key_the_check_does_not_hold_is_told_apart_so_the_keys_can_be_reloaded() -> None:
    with pytest.raises(UnknownSigningKey):
        check().claims(signed(claims(), kid="rotated-elsewhere"))
