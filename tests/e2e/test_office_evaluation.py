"""The committee's evaluation in the office (``/kantor/{slug}/tender/{id}/evaluasi`` and ``/sanggah``),
over HTTP as a browser drives it: tenders opened through the API, then evaluated, verified, awarded
and announced through the page's forms, which call the API's services; an objection lodged through
the API answered on the page; a tender failed and re-tendered; the refusals of the services shown
next to their fields, and the pages refused to a commitment officer, a vendor and another regency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.procurement import Bidder, Client, Desk, Regency, ok, person, regency, vendor
from tests.e2e.test_vendor_workspace import email_of
from tests.e2e.web_session import csrf_of, email_of_account, log_in

pytestmark = pytest.mark.horizon  # announcing a tender writes to the feed other workers' tests read

ASPECTS = ("administrative", "qualification", "technical", "price")
CRITERIA = {
    "technical": [{"name": "Metodologi", "weight": 60}, {"name": "Tenaga ahli", "weight": 40}],
    "technical_weight": 70,
    "price_weight": 30,
    "passing_score": 60,
}


@dataclass
class Opened:
    malang: Regency
    desk: Desk
    bidders: list[Bidder]
    committee: str  # a committee member's email
    base: str  # the tender's office address

    async def page(self, web: Client, path: str = "evaluasi", **params: str) -> httpx.Response:
        return await web.get(f"{self.base}/{path}", params=params)

    async def post(self, web: Client, step: str, **fields: str) -> httpx.Response:
        page = await self.page(web)
        return await web.post(f"{self.base}/evaluasi/{step}", data={"csrf": csrf_of(page), **fields})

    async def verdict(
        self,
        web: Client,
        bidder: Bidder,
        aspect: str,
        passed: bool = True,
        reason: str = "",
        scores: tuple[str, ...] = (),
    ) -> None:
        fields = {
            "vendor_id": str(bidder.vendor_id),
            "aspect": aspect,
            "passed": "lulus" if passed else "gugur",
            "reason": reason,
            **{f"score-{n}": score for n, score in enumerate(scores)},
        }
        done = await self.post(web, "penilaian", **fields)
        assert done.status_code == 303, done.text
        assert done.headers["location"] == f"{self.base}/evaluasi#penilaian"


async def opened(web: Client, engine: AsyncEngine, prices: list[int], **tender: object) -> Opened:
    malang = await regency(web, engine, "kab-malang", "3507")
    verifier = await person(engine, "verifier", "kab-malang")
    names = ("arjuna", "bima", "citra")
    bidders = [await vendor(web, engine, n, "3507", verifier, "kab-malang") for n in names[: len(prices)]]
    desk = Desk(web, engine, malang)
    await desk.announce("Peningkatan Jalan Desa Tumpang", owner_estimate=900_000_000, **tender)  # type: ignore[arg-type]
    await desk.bids(dict(zip(bidders, prices, strict=True)))
    await desk.open()
    committee = await email_of_account(engine, await person(engine, "selection_committee", "kab-malang"))
    web.cookies.clear()
    await log_in(web, committee, start="/kantor")
    return Opened(malang, desk, bidders, committee, f"/kantor/kab-malang/tender/{desk.tender_id}")


@pytest_asyncio.fixture(loop_scope="session")
async def lowest(web: Client, clean_identity: AsyncEngine) -> Opened:
    return await opened(web, clean_identity, [850_000_000, 800_000_000, 820_000_000])


async def test_a_lowest_price_tender_is_evaluated_awarded_and_announced_on_the_page(
    web: Client, lowest: Opened
) -> None:
    arjuna, bima, citra = lowest.bidders
    page = await lowest.page(web)
    assert page.status_code == 200
    for bidder in lowest.bidders:
        assert bidder.name in page.text
    assert "Rp800.000.000" in page.text
    assert f'action="{lowest.base}/evaluasi/penilaian"' in page.text

    no_reason = await lowest.post(
        web, "penilaian", vendor_id=str(bima.vendor_id), aspect="administrative", passed="gugur", reason=" "
    )
    assert no_reason.status_code == 400  # as the API: a failed aspect needs its reason
    assert f'id="penilaian-{bima.vendor_id}-reason-error"' in no_reason.text
    assert "a failed aspect needs its reason" in no_reason.text
    assert '<option value="gugur" selected>' in no_reason.text  # the values are kept

    nobody = await lowest.post(web, "penilaian", vendor_id="999999", aspect="price", passed="lulus")
    assert nobody.status_code == 400
    assert 'id="penilaian-error"' in nobody.text  # at the top of the verdicts: no bid's form is its
    assert "vendor 999999 has no opened bid in this tender" in nobody.text

    reason = "Jaminan penawaran tidak dilampirkan"
    await lowest.verdict(web, bima, "administrative", passed=False, reason=reason)
    for bidder in (arjuna, citra):
        for aspect in ASPECTS:
            await lowest.verdict(web, bidder, aspect)

    page = await lowest.page(web)
    assert f"Administrasi: {reason}" in page.text  # where and why the bid failed
    assert "Evaluasi lengkap." in page.text
    ranked = page.text.index("CV Citra"), page.text.index("CV Arjuna")
    assert ranked[0] < ranked[1]  # the lower price first, as the API ranks
    api = ok(await web.get(f"{lowest.desk.url}/evaluation", headers=lowest.malang.pokja), 200)
    assert [x["vendor_id"] for x in api["bidders"] if x["rank"]] == [citra.vendor_id, arjuna.vendor_id]
    assert f'action="{lowest.base}/evaluasi/verifikasi"' in page.text
    assert f'action="{lowest.base}/evaluasi/penetapan"' not in page.text  # not before verification

    early = await lowest.post(web, "penetapan", vendor_id=str(citra.vendor_id))
    assert early.status_code == 409  # the service's refusal, shown in the award's section
    assert "verify the qualification of vendor" in early.text
    wrong = await lowest.post(web, "verifikasi", vendor_id=str(arjuna.vendor_id), passed="lulus")
    assert wrong.status_code == 409
    assert 'id="verifikasi-error"' in wrong.text
    verified = await lowest.post(web, "verifikasi", vendor_id=str(citra.vendor_id), passed="lulus")
    assert verified.status_code == 303
    awarded = await lowest.post(web, "penetapan", vendor_id=str(citra.vendor_id))
    assert awarded.status_code == 303
    page = await lowest.page(web)
    assert "Pemenang ditetapkan" in page.text
    assert "Rp820.000.000" in page.text
    assert f'action="{lowest.base}/evaluasi/pengumuman"' in page.text
    announced = await lowest.post(web, "pengumuman")
    assert announced.status_code == 303
    public = await lowest.desk.public()
    assert public["status"] == "award_announced"
    assert public["results"]["winner"] == citra.vendor_id
    page = await lowest.page(web, lang="en")
    assert "Award announced; the objection period ends" in page.text
    assert f'href="{lowest.base}/sanggah"' in page.text


async def test_an_objection_lodged_through_the_api_is_answered_on_the_page(
    web: Client, lowest: Opened
) -> None:
    arjuna, bima, citra = lowest.bidders
    desk = lowest.desk
    await desk.assess(
        *[{"vendor_id": b.vendor_id, "aspect": a, "passed": True} for b in (arjuna, citra) for a in ASPECTS],
        {"vendor_id": bima.vendor_id, "aspect": "administrative", "passed": False, "reason": "Tidak lengkap"},
    )
    won = {"vendor_id": citra.vendor_id}
    ok(await desk.post("qualification-verifications", lowest.malang.pokja, {**won, "passed": True}))
    ok(await desk.post("award", lowest.malang.pokja, won))
    ok(await desk.post("award-announcement", lowest.malang.pokja))
    grounds = "Harga penawaran kami wajar dan dokumen kami lengkap, mohon evaluasi ulang."
    lodged = ok(
        await web.post(
            f"{desk.url}/objections",
            headers=arjuna.headers,
            data={"grounds": grounds},
            files={"files": ("bukti.pdf", b"%PDF-1.7 bukti", "application/pdf")},
        )
    )

    page = await lowest.page(web, "sanggah")
    assert page.status_code == 200
    assert grounds in page.text
    assert "CV Arjuna" in page.text
    document = f"/t/kab-malang/api/tenders/{desk.tender_id}/objections/files/{lodged['files'][0]['id']}"
    assert f'href="{document}">bukti.pdf</a>' in page.text  # its supporting document, as the API serves it
    assert (await web.get(document)).content == b"%PDF-1.7 bukti"
    url = f"{lowest.base}/sanggah/{lodged['id']}"
    short = await web.post(url, data={"csrf": csrf_of(page), "upheld": "tolak", "answer": "Tidak"})
    assert short.status_code == 400
    assert f'id="sanggah-{lodged["id"]}-answer-error"' in short.text
    answer = "Pengalaman pemenang sesuai syarat kualifikasi; sanggahan tidak beralasan."
    answered = await web.post(url, data={"csrf": csrf_of(page), "upheld": "tolak", "answer": answer})
    assert answered.status_code == 303
    assert answered.headers["location"] == f"{url.rsplit('/', 1)[0]}#sanggah-{lodged['id']}"
    page = await lowest.page(web, "sanggah")
    assert answer in page.text
    assert "Ditolak" in page.text
    assert f'action="{url}"' not in page.text  # answered: no form any more
    api = ok(await web.get(f"{desk.url}/objections"), 200)
    assert (api[0]["upheld"], api[0]["answer"]) == (False, answer)
    again = await web.post(url, data={"csrf": csrf_of(page), "upheld": "terima", "answer": answer})
    assert again.status_code == 409

    objected = {"grounds": "Jaminan penawaran kami terlampir pada dokumen penawaran, mohon diperiksa ulang."}
    second = ok(await web.post(f"{desk.url}/objections", headers=bima.headers, data=objected))
    page = await lowest.page(web, "sanggah")
    upheld = await web.post(
        f"{lowest.base}/sanggah/{second['id']}",
        data={"csrf": csrf_of(page), "upheld": "terima", "answer": "Jaminan penawaran ternyata terlampir."},
    )
    assert upheld.status_code == 303
    page = await lowest.page(web)
    assert "Dibuka (evaluasi)" in page.text  # the award withdrawn: evaluation reopens, in round 2
    assert "<dt>Putaran evaluasi</dt><dd>2</dd>" in page.text
    assert f'action="{lowest.base}/evaluasi/penilaian"' in page.text
    assert (await desk.public())["status"] == "opened"


async def test_a_merit_point_tender_is_scored_on_the_page(web: Client, clean_identity: AsyncEngine) -> None:
    scored = await opened(
        web,
        clean_identity,
        [850_000_000, 800_000_000],
        evaluation="merit_point",
        criteria=CRITERIA,
        category="goods",
    )
    arjuna, bima = scored.bidders
    page = await scored.page(web)
    assert "Metodologi" in page.text
    assert 'name="score-1"' in page.text
    below = await scored.post(
        web,
        "penilaian",
        vendor_id=str(bima.vendor_id),
        aspect="technical",
        passed="lulus",
        **{"score-0": "50", "score-1": "50"},
    )
    assert below.status_code == 400  # a technical score of 50 cannot pass against 60
    assert "below the passing score 60" in below.text
    assert 'value="50"' in below.text
    not_a_score = await scored.post(
        web,
        "penilaian",
        vendor_id=str(bima.vendor_id),
        aspect="technical",
        passed="lulus",
        **{"score-0": "x"},
    )
    assert not_a_score.status_code == 400
    assert f'id="penilaian-{bima.vendor_id}-score-0-error"' in not_a_score.text
    for bidder, scores in ((arjuna, ("90", "90")), (bima, ("70", "60"))):
        for aspect in ("administrative", "qualification", "price"):
            await scored.verdict(web, bidder, aspect)
        await scored.verdict(web, bidder, "technical", scores=scores)
    api = ok(await web.get(f"{scored.desk.url}/evaluation", headers=scored.malang.pokja), 200)
    ranked = [x["vendor_id"] for x in api["bidders"] if x["rank"]]
    assert ranked == [arjuna.vendor_id, bima.vendor_id]  # the better technical offer wins despite its price
    page = await scored.page(web)
    assert page.text.index("CV Arjuna") < page.text.index("CV Bima")
    combined = next(x["combined_score"] for x in api["bidders"] if x["vendor_id"] == arjuna.vendor_id)
    assert f"{combined:.2f}" in page.text
    assert (
        await scored.post(web, "verifikasi", vendor_id=str(arjuna.vendor_id), passed="lulus")
    ).status_code == 303
    assert (await scored.post(web, "penetapan", vendor_id=str(arjuna.vendor_id))).status_code == 303
    assert (await scored.post(web, "pengumuman")).status_code == 303
    assert (await scored.desk.public())["results"]["winner"] == arjuna.vendor_id


def local(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("Asia/Jakarta")).strftime("%Y-%m-%dT%H:%M")


async def test_a_tender_is_failed_with_its_reason_and_re_tendered(web: Client, lowest: Opened) -> None:
    short = await lowest.post(web, "gagal", reason="Gagal")
    assert short.status_code == 400
    assert 'id="gagal-reason-error"' in short.text
    reason = "Tidak ada penawaran yang memenuhi syarat teknis"
    assert (await lowest.post(web, "gagal", reason=reason)).status_code == 303
    page = await lowest.page(web)
    assert reason in page.text
    assert f'action="{lowest.base}/evaluasi/tender-ulang"' in page.text
    assert f'action="{lowest.base}/evaluasi/penilaian"' not in page.text

    day = timedelta(days=1)
    now = datetime.now(UTC)
    windows = {
        "announcement": (now + day, now + 4 * day),
        "document_download": (now + day, now + 4 * day),
        "bid_submission": (now + 2 * day, now + 4 * day),
        "bid_opening": (now + 4 * day, now + 5 * day),
    }
    fields = {
        f"{stage}-{end}": local(at)
        for stage, w in windows.items()
        for end, at in zip(("starts_at", "ends_at"), w, strict=True)
    }
    missing = await lowest.post(web, "tender-ulang", **{**fields, "bid_opening-ends_at": ""})
    assert missing.status_code == 400
    assert 'id="tender-ulang-bid_opening-ends_at-error"' in missing.text
    backwards = await lowest.post(
        web, "tender-ulang", **{**fields, "bid_opening-ends_at": local(now + 3 * day)}
    )
    assert backwards.status_code == 400  # the service's rule: an end after its start
    assert "bid_opening: the end must come after the start" in backwards.text
    made = await lowest.post(web, "tender-ulang", **fields)
    assert made.status_code == 303
    new_id = int(made.headers["location"].rsplit("/", 1)[1])
    assert made.headers["location"] == f"/kantor/kab-malang/tender/{new_id}"
    again = ok(await web.get(f"{lowest.malang.base}/tenders/{new_id}", headers=lowest.malang.pokja), 200)
    assert again["status"] == "draft"
    page = await lowest.page(web)
    assert f'href="/kantor/kab-malang/tender/{new_id}"' in page.text
    twice = await lowest.post(web, "tender-ulang", **fields)
    assert twice.status_code == 409


async def test_a_commitment_officer_a_vendor_and_another_regency_are_refused(
    web: Client, lowest: Opened
) -> None:
    engine = lowest.desk.engine
    arjuna = lowest.bidders[0]
    ppk = await email_of_account(engine, await person(engine, "commitment_officer", "kab-malang"))
    await regency(web, engine, "kota-batu", "3579")
    batu = await email_of_account(engine, await person(engine, "selection_committee", "kota-batu"))
    vendor_user = await email_of(engine, arjuna.vendor_id)
    # each logged in, with its session's own CSRF token from a page of its own: the refusal is the role's
    for email, start, refusal in (
        (ppk, "/kantor", "Pokja Pemilihan yang menjalankan tender"),
        (vendor_user, "/akun", "Akun Anda tidak memegang peran apa pun"),
        (batu, "/kantor", "Anda tidak memegang peran di LPSE ini"),
    ):
        web.cookies.clear()
        await log_in(web, email, start=start)
        own = await web.get("/akun" if start == "/akun" else "/kantor", follow_redirects=True)
        fields = {
            "csrf": csrf_of(own),
            "vendor_id": str(arjuna.vendor_id),
            "aspect": "price",
            "passed": "lulus",
        }
        for path in ("evaluasi", "sanggah"):
            refused = await lowest.page(web, path)
            assert refused.status_code == 403, (email, path)
            assert refusal in refused.text
        assert (await web.post(f"{lowest.base}/evaluasi/penilaian", data=fields)).status_code == 403
        assert (await web.post(f"{lowest.base}/sanggah/1", data=fields)).status_code == 403
    api = ok(await web.get(f"{lowest.desk.url}/evaluation", headers=lowest.malang.pokja), 200)
    assert all(not x["aspects"] for x in api["bidders"] if x["price"])  # nothing was recorded
