"""The workspace's routes for sealing in the browser, over HTTP: the two pages that run the hub's own
scripts (and only they), registering a signing key's public half, and a bundle posted by the page
going to the API's ``submit_bid``, with its refusals as problem+json. The browser's part (making
the key, sealing) is tests/browser/test_bid_in_browser.py.
"""

from __future__ import annotations

import re

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cli.demo.backdate import advance
from hub.web.body_limits import BUNDLE_BODY_BYTES
from tenants.sealing import (
    BidFile,
    decode_public_key,
    decode_signing_public_key,
    encode_signing_public_key,
    public_raw_of,
    seal_bid,
    signing_key_id,
)
from tests.e2e.procurement import PDF, Client
from tests.e2e.test_vendor_workspace import World, world
from tests.e2e.web_session import csrf_of, log_in

pytestmark = pytest.mark.horizon  # as test_vendor_workspace: announcing writes to the feed
__all__ = ["world"]  # the fixtures, imported to be found


def script_policy(response: httpx.Response) -> str:
    policy = response.headers["content-security-policy"]
    found = re.search(r"script-src ([^;]+)", policy)
    assert found is not None, policy
    return found.group(1)


def sealed_bundle(world: World) -> bytes:
    """The bidder's bid to the world's tender, sealed and signed as on its machine."""
    return seal_bid(
        decode_public_key(world.desk.tender_key),
        tenant_code="3507",
        tender_id=world.desk.tender_id,
        vendor_id=world.bidder.vendor_id,
        price=470_000_000,
        files=[BidFile("penawaran.pdf", PDF, b"%PDF harga")],
        signing_key=world.bidder.signing_key,
    )


async def test_only_the_sealing_and_receipt_pages_run_scripts_and_only_the_hubs_own(
    web: Client, world: World
) -> None:
    web.cookies.clear()
    await log_in(web, world.email)
    key_page = await web.get("/akun/kunci")
    tender_page = await web.get(f"/akun/tender/{world.ocid}")
    await web.post(f"/akun/tender/{world.ocid}/daftar", data={"csrf": csrf_of(tender_page)})
    tender_page = await web.get(f"/akun/tender/{world.ocid}")

    assert (key_page.status_code, tender_page.status_code) == (200, 200)
    assert script_policy(key_page) == script_policy(tender_page) == "'self'"
    assert script_policy(await web.get("/akun/penawaran")) == "'self'"  # receipts checked there
    for elsewhere in ("/", "/akun", "/akun/tender", "/login"):
        assert script_policy(await web.get(elsewhere)) == "'none'", elsewhere
    assert '<script type="module" src="/static/bid.js"></script>' in tender_page.text
    assert "<script>" not in tender_page.text  # no inline script: the policy would refuse it anyway
    assert "lpse-hub bid seal" in tender_page.text  # what a browser without JavaScript reads
    assert f'data-vendor="{world.bidder.vendor_id}"' in tender_page.text
    assert f'data-key="{world.desk.tender_key}"' in tender_page.text
    assert 'data-tenant="3507"' in tender_page.text
    script = await web.get("/static/bid.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]


async def test_the_key_page_registers_a_public_key_with_the_apis_service(web: Client, world: World) -> None:
    web.cookies.clear()
    await log_in(web, world.email)
    page = await web.get("/akun/kunci")
    public_key = encode_signing_public_key(public_raw_of(Ed25519PrivateKey.generate()))

    no_token = await web.post("/akun/kunci", data={"public_key": public_key})
    registered = await web.post("/akun/kunci", data={"csrf": csrf_of(page), "public_key": public_key})
    again = await web.post("/akun/kunci", data={"csrf": csrf_of(page), "public_key": public_key})
    garbage = await web.post("/akun/kunci", data={"csrf": csrf_of(page), "public_key": "ed25519:nope"})

    assert no_token.status_code == 403
    assert registered.status_code == 303
    assert registered.headers["location"] == "/akun/kunci"
    listed = await web.get("/akun/kunci")
    assert f'data-key-id="{signing_key_id(decode_signing_public_key(public_key))}"' in listed.text
    assert again.status_code == 409  # a key is registered once on the whole hub
    assert garbage.status_code == 400
    assert "Tidak dapat dilakukan" in garbage.text


async def test_a_bundle_posted_by_the_page_is_submitted_as_the_api_does_and_refused_as_it_would(
    web: Client, world: World
) -> None:
    web.cookies.clear()
    await log_in(web, world.email)
    page = await web.get(f"/akun/tender/{world.ocid}")
    await web.post(f"/akun/tender/{world.ocid}/daftar", data={"csrf": csrf_of(page)})
    page = await web.get(f"/akun/tender/{world.ocid}")
    token = {"x-csrf-token": csrf_of(page)}
    url = f"/akun/tender/{world.ocid}/penawaran"
    bundle = sealed_bundle(world)

    early = await web.post(url, content=bundle, headers=token)
    await advance(world.desk.engine, world.malang.schema, world.desk.tender_id, "bid_submission")
    no_token = await web.post(url, content=bundle)
    garbage = await web.post(url, content=b'{"not": "a bundle"}', headers=token)
    too_big = await web.post(
        url, content=b"x", headers={**token, "content-length": str(BUNDLE_BODY_BYTES + 1)}
    )
    accepted = await web.post(url, content=bundle, headers=token)

    for refused, status in ((early, 409), (no_token, 403), (garbage, 400), (too_big, 413)):
        assert refused.status_code == status, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json"), refused.text
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["vendor"] == world.bidder.vendor_id
    assert world.ocid in (await web.get("/akun/penawaran")).text
