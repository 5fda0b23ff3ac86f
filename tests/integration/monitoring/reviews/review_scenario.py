"""Tenders driven over HTTP to a known outcome, then moved back in time to a chosen day.

``Moves`` runs a whole tender through the API the way its officials and bidders would (the
helpers of ``tests.e2e.procurement``), then ``shift_back`` moves every time the tender recorded
(announcement, bids, opening, award, objections, contract dates) back to the day a review test
wants, as if it had happened then. The database clock is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from cli.demo.backdate import end_objection_period, shift_back
from tests.e2e.procurement import Bidder, Client, Desk, Regency, ok, package, schedule

WIB = ZoneInfo("Asia/Jakarta")
OBJECTION_DAYS = 5
"""The default objection period: an award announced ``OBJECTION_DAYS`` before its letter."""


def today() -> date:
    """Today in WIB, the zone of every regency of Jawa Timur and of Kota Semarang."""
    return datetime.now(WIB).date()


@dataclass
class Moves:
    """What happens to tenders of one regency; each method ends with the tender on its day."""

    client: Client
    engine: AsyncEngine
    where: Regency

    async def move_to(self, desk: Desk, day: date) -> None:
        """Everything the tender recorded today now happened on ``day``."""
        await shift_back(self.engine, self.where.schema, desk.tender_id, (today() - day).days)

    async def announced(self, title: str, hps: int) -> Desk:
        desk = Desk(self.client, self.engine, self.where)
        await desk.announce(title, owner_estimate=hps)
        return desk

    async def contracted(
        self,
        title: str,
        hps: int,
        prices: dict[Bidder, int],
        value: int,
        *,
        days_to_contract: int,
        signed_on: date,
        objector: Bidder | None = None,
    ) -> Desk:
        """Announced ``days_to_contract`` days before the contract signed on ``signed_on``, won by the
        lowest price; ``objector`` lodges an objection to the award, answered and not upheld."""
        r, desk = self.where, await self.announced(title, hps)
        await desk.bids(prices)
        await shift_back(self.engine, r.schema, desk.tender_id, days_to_contract)  # the announcement
        await desk.open()  # the schedule moves forward again to the opening; the announcement stays
        await desk.pass_all(*prices)
        winner = {"vendor_id": min(prices, key=lambda b: prices[b]).vendor_id}
        ok(await desk.post("qualification-verifications", r.pokja, {**winner, "passed": True}))
        ok(await desk.post("award", r.pokja, winner))
        ok(await desk.post("award-announcement", r.pokja))
        if objector is not None:
            grounds = {"grounds": "Pengalaman pemenang tidak sesuai dengan syarat kualifikasi LDP."}
            lodged = ok(
                await self.client.post(f"{desk.url}/objections", headers=objector.headers, data=grounds)
            )
            answer = {"answer": "Pengalaman pemenang telah diverifikasi sesuai LDP.", "upheld": False}
            ok(await desk.post(f"objections/{lodged['id']}/answer", r.pokja, answer))
        await end_objection_period(self.engine, r.schema, desk.tender_id)
        ok(await desk.post("award-letter", r.ppk, {"number": f"SPPBJ/{r.code}/{desk.tender_id}"}))
        signed = today().isoformat()
        contract = {"number": f"HK/{r.code}/{desk.tender_id}", "value": value, "signed_on": signed}
        ends = (today() + timedelta(days=90)).isoformat()
        ok(await desk.post("contract", r.ppk, {**contract, "starts_on": signed, "ends_on": ends}))
        await self.move_to(desk, signed_on)
        return desk

    async def failed(self, title: str, hps: int, prices: dict[Bidder, int], *, on: date) -> Desk:
        desk = await self.announced(title, hps)
        await desk.bids(prices)
        await desk.open()
        ok(
            await desk.post(
                "failure", self.where.pokja, {"reason": "Tidak ada penawaran yang lulus evaluasi"}
            )
        )
        await self.move_to(desk, on)
        return desk

    async def cancelled(self, title: str, hps: int) -> Desk:
        desk = await self.announced(title, hps)
        ok(await desk.post("cancellation", self.where.pokja, {"reason": "Anggaran direvisi"}))
        return desk

    async def draft_cancelled(self, title: str, hps: int) -> None:
        """A tender cancelled before it was ever announced: nothing of it was public."""
        r = self.where
        created = await package(self.client, r, title, owner_estimate=hps)
        body = {"package_id": created["id"], "evaluation": "lowest_price", "schedule": schedule()}
        tender = ok(await self.client.post(f"{r.base}/tenders", headers=r.pokja, json=body))
        url = f"{r.base}/tenders/{tender['id']}/cancellation"
        ok(await self.client.post(url, headers=r.pokja, json={"reason": "Paket digabung"}))
