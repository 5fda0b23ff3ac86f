"""The words of Indonesian public procurement that every area shares: categories, methods, ways of
evaluating, and where a tender stands (Perpres 16/2018 and its amendments; LKPP's SPSE)."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    GOODS = "goods"  # barang
    CONSTRUCTION = "construction"  # pekerjaan konstruksi
    CONSULTANCY = "consultancy"  # jasa konsultansi
    OTHER_SERVICES = "other_services"  # jasa lainnya


class Method(StrEnum):
    TENDER = "tender"
    QUICK_TENDER = "quick_tender"  # tender cepat
    SELECTION = "selection"  # seleksi (consultancy)
    DIRECT_PROCUREMENT = "direct_procurement"  # pengadaan langsung
    DIRECT_APPOINTMENT = "direct_appointment"  # penunjukan langsung
    E_PURCHASING = "e_purchasing"


class FundingSource(StrEnum):
    """Where a plan item's money comes from (*sumber dana*), as SiRUP names it."""

    APBD = "APBD"  # the regency's budget
    APBDP = "APBDP"  # the regency's revised budget (APBD Perubahan)
    APBN = "APBN"  # the state budget
    APBNP = "APBNP"  # the revised state budget
    BLU = "BLU"  # a public service agency of the state
    BLUD = "BLUD"  # a public service agency of the region
    PHLN = "PHLN"  # a foreign loan or grant
    BUMN = "BUMN"  # a state-owned enterprise
    BUMD = "BUMD"  # a region-owned enterprise
    OTHER = "LAINNYA"


class Evaluation(StrEnum):
    LOWEST_PRICE = "lowest_price"  # harga terendah
    MERIT_POINT = "merit_point"  # sistem nilai
    QUALITY_COST = "quality_cost"  # kualitas dan biaya


class KeyCustody(StrEnum):
    """Who holds a tender's private key until the opening."""

    HUB = "hub"  # wrapped under the tenant key, itself under the master key: the path before issue 16
    COMMITTEE = "committee"  # in shares held by the committee (Pokja), any threshold of them open it


class TenderStatus(StrEnum):
    """Where a tender is. Before opening, which stage is open comes from the schedule and the clock."""

    DRAFT = "draft"
    ANNOUNCED = "announced"  # public; registration, clarification, bid submission as scheduled
    OPENED = "opened"  # bids opened: evaluation and qualification verification
    AWARDED = "awarded"  # the committee decided the award (public at once for direct procurement)
    AWARD_ANNOUNCED = "award_announced"  # results public; the objection period runs
    AWARD_LETTER = "award_letter"  # SPPBJ issued by the commitment officer
    CONTRACTED = "contracted"
    FAILED = "failed"  # gagal tender: no passing bid, or another stated reason
    CANCELLED = "cancelled"


CLOSED = (TenderStatus.CONTRACTED, TenderStatus.FAILED, TenderStatus.CANCELLED)
