"""A bid's receipt in the workspace (``/akun/penawaran/{tenant}/{tender}``): its owner reads it and
downloads its exact bytes; another vendor, and a bid that does not exist, get the same 404; a
visitor is sent to log in. The check the page runs is tests/browser/test_bid_in_browser.py's.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from cli.demo.backdate import advance
from tests.e2e.procurement import Client, person, vendor
from tests.e2e.test_vendor_workspace import World, email_of, world
from tests.e2e.test_workspace_bids import script_policy, sealed_bundle
from tests.e2e.web_session import csrf_of, log_in

pytestmark = pytest.mark.horizon  # as test_vendor_workspace: announcing writes to the feed
__all__ = ["world"]  # the fixture, imported to be found


async def submitted(web: Client, world: World) -> bytes:
    """The bidder logged in, registered, its bid accepted: the receipt the hub answered with."""
    web.cookies.clear()
    await log_in(web, world.email)
    page = await web.get(f"/akun/tender/{world.ocid}")
    await web.post(f"/akun/tender/{world.ocid}/daftar", data={"csrf": csrf_of(page)})
    await advance(world.desk.engine, world.malang.schema, world.desk.tender_id, "bid_submission")
    accepted = await web.post(
        f"/akun/tender/{world.ocid}/penawaran",
        content=sealed_bundle(world),
        headers={"x-csrf-token": csrf_of(page)},
    )
    assert accepted.status_code == 201, accepted.text
    return accepted.content


async def test_the_owner_reads_the_receipt_and_downloads_its_signed_bytes(web: Client, world: World) -> None:
    receipt = await submitted(web, world)
    fields = json.loads(receipt)
    url = f"/akun/penawaran/3507/{world.desk.tender_id}"

    page = await web.get(url)
    listed = await web.get("/akun/penawaran")
    download = await web.get(f"{url}/tanda-terima.json")

    assert page.status_code == 200, page.text
    for shown in (fields["bundle_sha256"], fields["kid"], fields["signature"], world.ocid):
        assert shown in page.text
    assert "Tanpa JavaScript halaman ini tidak memeriksa tanda terima" in page.text
    assert "lpse-hub receipt verify" in page.text
    assert '<script type="module" src="/static/receipt-check.js"></script>' in page.text
    assert f'data-vendor="{world.bidder.vendor_id}"' in page.text
    assert script_policy(page) == script_policy(listed) == "'self'"
    assert f'href="{url}"' in listed.text
    assert f'data-receipt-of="3507/{world.desk.tender_id}"' in listed.text
    assert download.status_code == 200
    assert download.content == receipt  # the bytes the signature covers, not re-encoded
    assert download.headers["content-type"].startswith("application/json")
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="tanda-terima-3507-{world.desk.tender_id}.json"' in disposition
    assert download.headers["digest"] == f"sha-256={hashlib.sha256(receipt).hexdigest()}"
    english = await web.get(url, params={"lang": "en"})
    assert "Without JavaScript this page does not check the receipt" in english.text
    await web.get(url, params={"lang": "id"})


async def test_another_vendors_bid_and_a_missing_one_are_the_same_404(web: Client, world: World) -> None:
    await submitted(web, world)
    engine = world.desk.engine
    verifier = await person(engine, "verifier", "kab-malang")
    other = await vendor(web, engine, "kenanga", "3507", verifier, "kab-malang")
    url = f"/akun/penawaran/3507/{world.desk.tender_id}"
    web.cookies.clear()
    await log_in(web, await email_of(engine, other.vendor_id))

    theirs = await web.get(url)
    theirs_file = await web.get(f"{url}/tanda-terima.json")
    missing = await web.get(f"/akun/penawaran/3507/{world.desk.tender_id + 1000}")
    no_tenant = await web.get(f"/akun/penawaran/9999/{world.desk.tender_id}")
    mine = await web.get("/akun/penawaran")

    for refused in (theirs, theirs_file, missing, no_tenant):
        assert refused.status_code == 404
    # Nothing tells an existing bid from none (the language switch links back to the path asked).
    tender = world.desk.tender_id
    assert theirs.text == missing.text.replace(f"/3507/{tender + 1000}?", f"/3507/{tender}?")
    assert world.ocid not in theirs.text
    assert world.ocid not in mine.text


async def test_a_visitor_is_sent_to_log_in_for_a_receipt(web: Client, world: World) -> None:
    web.cookies.clear()
    url = f"/akun/penawaran/3507/{world.desk.tender_id}"
    for path in (url, f"{url}/tanda-terima.json"):
        answer = await web.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/akun/masuk?next=" + path.replace("/", "%2F")
