"""The opening ceremony in the officials' office (issue 19): ``/kantor/{slug}/tender/{id}/pembukaan``.

Each member gives their share through the page's form exactly as opening.js posts it (the share
unsealed with the member's key and sealed again to the opening's one-time key, unpadded base64url in
``sealed_share``; here ``reseal_for_opening`` does what the script does, and the browser test checks
the script's bytes against it); the second share opens the bids on the page. Before the close the
opening key is refused with the service's sentence; a commitment officer and a vendor's user get 403
on the page and on its forms."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncEngine

from tenants.sealing.key_shares import (
    decode_sealed,
    encode_sealed,
    new_x25519_key,
    raw_public,
    reseal_for_opening,
)
from tenants.sealing.tender_keys import decode_public_key, encode_public_key
from tests.e2e.procurement import Bidder, Client, Desk, Regency, advance, bearer, ok, person, regency, vendor
from tests.e2e.web_session import csrf_of, email_of_account, log_in

pytestmark = pytest.mark.horizon  # announcing a tender writes to the feed other workers' tests read


@dataclass(frozen=True)
class Member:
    account_id: int
    key: X25519PrivateKey


@dataclass(frozen=True)
class Ceremony:
    regency: Regency
    desk: Desk
    members: list[Member]
    bidder: Bidder

    @property
    def page(self) -> str:
        return f"/kantor/{self.regency.slug}/tender/{self.desk.tender_id}/pembukaan"


async def committee_custody(web: Client, engine: AsyncEngine, where: Regency) -> list[Member]:
    """Two committee members with their member keys registered, and the regency's tender keys put in
    the committee's custody by its admin: 2 of 3 shares (the members' and the recovery key's)."""
    members = [
        Member(await person(engine, "selection_committee", where.slug), new_x25519_key()) for _ in range(2)
    ]
    for m in members:
        body = {"public_key": encode_public_key(raw_public(m.key))}
        ok(await web.post(f"{where.base}/member-keys", headers=bearer(web, m.account_id), json=body))
    rules = f"{where.base}/procurement-rules"
    recovery = {"public_key": encode_public_key(raw_public(new_x25519_key()))}
    ok(await web.put(f"{rules}/recovery-key", headers=where.admin, json=recovery), 200)
    chosen = {"key_custody": "committee", "share_threshold": 2}
    ok(await web.put(f"{rules}/key-custody", headers=where.admin, json=chosen), 200)
    return members


async def committee_held_tender(web: Client, engine: AsyncEngine) -> Ceremony:
    """A tender of kab-malang whose key two members and the recovery key hold, 2 of 3, with one bid
    in (bid submission still open)."""
    malang = await regency(web, engine, "kab-malang", "3507")
    members = await committee_custody(web, engine, malang)
    desk = Desk(web, engine, malang)
    await desk.announce("Rehabilitasi Pasar Lawang", owner_estimate=900_000_000)
    verifier = await person(engine, "verifier", malang.slug)
    bidder = await vendor(web, engine, "andalas", "3507", verifier, malang.slug)
    await desk.bids({bidder: 850_000_000})
    return Ceremony(malang, desk, members, bidder)


def _data(page: httpx.Response, name: str) -> str:
    found = re.search(rf'data-{name}="([^"]*)"', page.text)
    assert found is not None, page.text
    return html.unescape(found.group(1))


def sealed_as_the_page_sends(page: httpx.Response, member: Member, tenant_code: str) -> tuple[int, str]:
    """What opening.js computes from the page's data and the member's key: the slot, and the share
    sealed again to the opening's one-time key."""
    slot, tender = int(_data(page, "slot")), int(_data(page, "tender"))
    resealed = reseal_for_opening(
        decode_sealed(_data(page, "sealed")),
        member.key,
        decode_public_key(_data(page, "opening-key")),
        tenant_code=_data(page, "tenant"),
        tender_id=tender,
        slot=slot,
    )
    assert _data(page, "tenant") == tenant_code
    return slot, encode_sealed(resealed)


async def as_member(web: Client, engine: AsyncEngine, account_id: int, start: str) -> None:
    web.cookies.clear()
    await log_in(web, await email_of_account(engine, account_id), start=start)


async def test_two_members_give_their_shares_in_the_page_and_the_bids_open(
    web: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    c = await committee_held_tender(web, engine)
    first, second = c.members
    await as_member(web, engine, first.account_id, c.page)

    before = await web.get(c.page)
    assert before.status_code == 200
    assert "Penawaran diterima: 1" in before.text
    assert "Kunci dibagi kepada anggota Pokja" in before.text
    assert "2 dari 3" in before.text
    assert "850.000.000" not in before.text  # nothing opened
    assert "Bagian kunci diserahkan setelah pemasukan penawaran ditutup." in before.text
    # Before the close the opening key is refused with the service's own sentence.
    early = await web.post(f"{c.page}/kunci", data={"csrf": csrf_of(before)})
    assert early.status_code == 409
    assert "the opening&#39;s key is made after bid submission closes" in early.text

    await advance(engine, c.regency.schema, c.desk.tender_id, "bid_opening")
    closed = await web.get(c.page)
    made = await web.post(f"{c.page}/kunci", data={"csrf": csrf_of(closed)})
    assert (made.status_code, made.headers["location"]) == (303, c.page)
    ready = await web.get(c.page)
    assert 'id="give-share"' in ready.text
    assert '<script type="module" src="/static/opening.js"></script>' in ready.text
    slot, sealed = sealed_as_the_page_sends(ready, first, c.regency.code)
    given = await web.post(f"{c.page}/bagian/{slot}", data={"csrf": csrf_of(ready), "sealed_share": sealed})
    assert (given.status_code, given.headers["location"]) == (303, c.page)
    after = await web.get(c.page)
    assert re.search(r'id="given-count">1<', after.text)
    assert "Bagian Anda sudah diserahkan." in after.text
    # Not base64url at all: the API's own 400, the sentence on the page.
    garbled = await web.post(f"{c.page}/bagian/{slot}", data={"csrf": csrf_of(after), "sealed_share": "!!"})
    assert garbled.status_code == 400
    assert "the sealed share is" in garbled.text
    # A slot or tender no row can have is refused as input, before the database.
    for path in (f"{c.page}/bagian/99999", f"/kantor/{c.regency.slug}/tender/{2**70}/pembukaan/bagian/0"):
        out_of_range = await web.post(path, data={"csrf": csrf_of(after), "sealed_share": sealed})
        assert out_of_range.status_code == 400, path
    assert (await web.get(f"/kantor/{c.regency.slug}/tender/{2**70}/pembukaan")).status_code == 400
    assert (await web.get(f"/kantor/{c.regency.slug}/tender/999999/pembukaan")).status_code == 404
    # The same share again: the service refuses it, and the page says why.
    again = await web.post(f"{c.page}/bagian/{slot}", data={"csrf": csrf_of(after), "sealed_share": sealed})
    assert again.status_code == 409
    assert f"share {slot} of tender {c.desk.tender_id} was given already" in again.text

    await as_member(web, engine, second.account_id, c.page)
    theirs = await web.get(c.page)
    other_slot, other_sealed = sealed_as_the_page_sends(theirs, second, c.regency.code)
    # A share given for someone else's slot is the service's refusal too.
    foreign = await web.post(
        f"{c.page}/bagian/{slot}", data={"csrf": csrf_of(theirs), "sealed_share": other_sealed}
    )
    assert foreign.status_code == 403
    assert f"share {slot} is held by account {first.account_id}" in foreign.text
    opened = await web.post(
        f"{c.page}/bagian/{other_slot}", data={"csrf": csrf_of(theirs), "sealed_share": other_sealed}
    )
    assert opened.status_code == 303
    result = await web.get(c.page)
    assert "Hasil pembukaan" in result.text
    assert "CV Andalas" in result.text
    assert "Rp850.000.000" in result.text
    assert "penawaran.pdf" in result.text
    assert 'id="give-share"' not in result.text
    public = ok(await web.get(c.desk.url), 200)
    assert sorted(public["opening"]["key_custody"]["used"]) == sorted([slot, other_slot])


async def test_a_commitment_officer_and_a_vendor_are_refused(
    web: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    c = await committee_held_tender(web, engine)
    await advance(engine, c.regency.schema, c.desk.tender_id, "bid_opening")
    ppk = await person(engine, "commitment_officer", c.regency.slug)
    await as_member(web, engine, ppk, "/kantor")
    page = await web.get(c.page)
    assert page.status_code == 403
    assert "hanya untuk Pokja Pemilihan" in page.text
    office = await web.get(f"/kantor/{c.regency.slug}")
    for action in ("kunci", "buka", "bagian/0"):
        refused = await web.post(f"{c.page}/{action}", data={"csrf": csrf_of(office), "sealed_share": "AA"})
        assert refused.status_code == 403, action
    shares = ok(await web.get(f"{c.desk.url}/key-shares"), 200)
    assert shares["opening_key"] is None  # nothing was made by the refused forms

    vendor_user = await person(engine, None, None, vendor_id=c.bidder.vendor_id)
    await as_member(web, engine, vendor_user, "/kantor")
    assert (await web.get(c.page)).status_code == 403


async def test_a_hub_held_tender_opens_with_one_button(web: Client, clean_identity: AsyncEngine) -> None:
    engine = clean_identity
    malang = await regency(web, engine, "kab-malang", "3507")
    desk = Desk(web, engine, malang)
    await desk.announce("Pembangunan Puskesmas Dau", owner_estimate=600_000_000)
    verifier = await person(engine, "verifier", malang.slug)
    bidder = await vendor(web, engine, "brawijaya", "3507", verifier, malang.slug)
    await desk.bids({bidder: 550_000_000})
    member = await person(engine, "selection_committee", malang.slug)
    page = f"/kantor/{malang.slug}/tender/{desk.tender_id}/pembukaan"
    await as_member(web, engine, member, page)
    shown = await web.get(page)
    assert "Kunci dipegang hub" in shown.text
    assert f'action="{page}/buka"' not in shown.text  # not before the close
    await advance(engine, malang.schema, desk.tender_id, "bid_opening")
    closed = await web.get(page)
    opened = await web.post(f"{page}/buka", data={"csrf": csrf_of(closed)})
    assert opened.status_code == 303
    result = await web.get(page, params={"lang": "en"})
    assert "Opening result" in result.text
    assert "Rp550.000.000" in result.text
    assert "CV Brawijaya" in result.text
