"""The tenant admin's page in the office (``/kantor/{slug}/admin``), driven as a browser drives it:
agencies added, procurement rules and key custody changed through the API's services (the API reads
the same values back), officials and member keys listed, refusals next to their field; a committee
member and another regency's admin get 403."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tenants.sealing.key_shares import new_x25519_key, raw_public
from tenants.sealing.tender_keys import encode_public_key, fingerprint
from tests.e2e.procurement import Client, bearer, ok, person, regency
from tests.e2e.web_session import csrf_of, email_of_account, log_in

pytestmark = pytest.mark.horizon

PAGE = "/kantor/kab-malang/admin"


async def test_the_admin_keeps_agencies_rules_and_key_custody(
    web: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    malang = await regency(web, engine, "kab-malang", "3507")
    member = await person(engine, "selection_committee", "kab-malang")
    key = new_x25519_key()
    registered = ok(
        await web.post(
            f"{malang.base}/member-keys",
            headers=bearer(web, member),
            json={"public_key": encode_public_key(raw_public(key))},
        )
    )
    admin = await person(engine, "tenant_admin", "kab-malang")
    admin_email = await email_of_account(engine, admin)
    web.cookies.clear()
    await log_in(web, admin_email, start=PAGE)

    page = await web.get(PAGE)
    assert page.status_code == 200
    assert "Dinas Pekerjaan Umum dan Penataan Ruang" in page.text
    assert admin_email in page.text
    assert await email_of_account(engine, member) in page.text  # an official, and a key holder
    assert registered["fingerprint"][:16] in page.text
    assert registered["fingerprint"] == fingerprint(raw_public(key))
    assert "lpse-hub account grant EMAIL --role ROLE --tenant kab-malang" in page.text
    assert "Belum terdaftar" in page.text  # no recovery key yet
    csrf = csrf_of(page)

    empty = await web.post(f"{PAGE}/satker", data={"csrf": csrf, "name": "  "})
    assert empty.status_code == 400
    assert 'id="e-name"' in empty.text
    added = await web.post(f"{PAGE}/satker", data={"csrf": csrf, "name": "RSUD Kanjuruhan"})
    assert added.status_code == 303
    twice = await web.post(f"{PAGE}/satker", data={"csrf": csrf, "name": "rsud kanjuruhan"})
    assert twice.status_code == 409
    assert "exists already" in twice.text
    assert (
        await web.post(f"{PAGE}/hapus", data={"csrf": csrf, "name": "RSUD Kanjuruhan"})
    ).status_code == 404
    names = [a["name"] for a in ok(await web.get(f"{malang.base}/agencies/"), 200)]
    assert "RSUD Kanjuruhan" in names

    limits = {"objection_min_days": "8", "objection_default_days": "5", "objection_max_days": "7"}
    crossed = await web.post(f"{PAGE}/aturan", data={"csrf": csrf, **limits})
    assert crossed.status_code == 400
    assert 'id="e-objection_days"' in crossed.text
    assert 'value="8"' in crossed.text  # what was typed is kept
    words = await web.post(f"{PAGE}/aturan", data={"csrf": csrf, **limits, "objection_min_days": "tiga"})
    assert words.status_code == 400
    assert 'id="e-objection_min_days"' in words.text
    saved = await web.post(f"{PAGE}/aturan", data={"csrf": csrf, **limits, "objection_min_days": "3"})
    assert saved.status_code == 303
    rules = ok(await web.get(f"{malang.base}/procurement-rules"), 200)
    assert (rules["objection_min_days"], rules["objection_default_days"], rules["objection_max_days"]) == (
        3,
        5,
        7,
    )

    too_many = await web.post(
        f"{PAGE}/kunci", data={"csrf": csrf, "key_custody": "committee", "share_threshold": "20"}
    )
    assert too_many.status_code == 400
    assert 'id="e-share_threshold"' in too_many.text
    unknown = await web.post(
        f"{PAGE}/kunci", data={"csrf": csrf, "key_custody": "bupati", "share_threshold": ""}
    )
    assert unknown.status_code == 400
    assert 'id="e-key_custody"' in unknown.text
    chosen = await web.post(
        f"{PAGE}/kunci", data={"csrf": csrf, "key_custody": "committee", "share_threshold": "2"}
    )
    assert chosen.status_code == 303
    custody = ok(await web.get(f"{malang.base}/procurement-rules/key-custody"), 200)
    assert (custody["key_custody"], custody["share_threshold"]) == ("committee", 2)
    assert "Pokja (kunci terbagi) · k = 2" in (await web.get(PAGE)).text

    recovery = new_x25519_key()  # made offline by the admin; its public half registered
    body = {"public_key": encode_public_key(raw_public(recovery))}
    ok(await web.put(f"{malang.base}/procurement-rules/recovery-key", headers=malang.admin, json=body), 200)
    with_recovery = (await web.get(PAGE)).text
    assert "Terdaftar, sidik jari" in with_recovery
    assert fingerprint(raw_public(recovery)) in with_recovery


async def test_a_committee_member_and_another_regencys_admin_are_refused(
    web: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    await regency(web, engine, "kab-malang", "3507")
    await regency(web, engine, "kota-batu", "3579")
    for role, slug in (("selection_committee", "kab-malang"), ("tenant_admin", "kota-batu")):
        official = await person(engine, role, slug)
        web.cookies.clear()
        await log_in(web, await email_of_account(engine, official), start=f"/kantor/{slug}")
        assert (await web.get(PAGE)).status_code == 403
        for part in ("satker", "aturan", "kunci"):
            assert (await web.post(f"{PAGE}/{part}", data={"name": "Dinas Baru"})).status_code == 403
    assert (await web.get("/kantor/kota-batu/admin", params={"lang": "en"})).status_code == 200
