"""A corrected release is tagged by the sections that differ from the last one published."""

from __future__ import annotations

from typing import Any

from tenants.tenders.publication.publish import correction_tags

PUBLISHED: dict[str, Any] = {
    "date": "2026-12-03T08:00:00+00:00",
    "tag": ["contract"],
    "tender": {"id": "4", "tenderPeriod": {"startDate": "2026-09-01T08:00:00+07:00"}},
    "awards": [{"id": "4-1", "date": "2026-09-10T08:00:00+07:00"}],
    "contracts": [{"id": "4-contract", "dateSigned": "2026-09-24"}],
}


def test_the_same_facts_published_later_need_no_correction() -> None:
    fresh = {**PUBLISHED, "date": "2026-12-04T08:00:00+00:00", "tag": []}
    assert correction_tags(PUBLISHED, fresh) == []


def test_each_differing_section_gets_its_update_tag() -> None:
    signed = {**PUBLISHED, "contracts": [{"id": "4-contract", "dateSigned": "2026-12-03"}]}
    assert correction_tags(PUBLISHED, signed) == ["contractUpdate"]
    moved = {**signed, "tender": {"id": "4"}, "awards": []}
    assert correction_tags(PUBLISHED, moved) == ["tenderUpdate", "awardUpdate", "contractUpdate"]


def test_a_section_added_or_dropped_is_a_difference() -> None:
    without_contract = {k: v for k, v in PUBLISHED.items() if k != "contracts"}
    assert correction_tags(without_contract, PUBLISHED) == ["contractUpdate"]
    assert correction_tags(PUBLISHED, {**PUBLISHED, "parties": []}) == ["tenderUpdate"]


def test_a_public_tender_never_published_gets_its_first_release() -> None:
    assert correction_tags(None, PUBLISHED) == ["tender"]
