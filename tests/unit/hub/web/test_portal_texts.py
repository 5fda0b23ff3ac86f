"""Every string of the portal exists in both languages, and every one a template asks for exists."""

from __future__ import annotations

import re
from importlib.resources import files

from hub.web.portal.texts import LABELS, TEXTS, label, language, text


def test_both_languages_have_the_same_strings() -> None:
    assert TEXTS["id"].keys() == TEXTS["en"].keys()


def test_every_string_a_template_asks_for_is_in_the_catalogue() -> None:
    templates = files("hub.web") / "templates"
    asked = {
        key
        for page in templates.iterdir()
        if page.name.endswith(".html")
        for key in re.findall(r"""\bt\(["']([a-z_.]+)["']\)""", page.read_text(encoding="utf-8"))
    }
    assert asked, "the templates ask for strings"
    assert asked <= TEXTS["id"].keys(), asked - TEXTS["id"].keys()


def test_codes_are_shown_in_words_and_unknown_ones_as_they_are() -> None:
    assert label("id", "category", "construction") == "Pekerjaan Konstruksi"
    assert label("en", "category", "construction") == "Construction"
    assert label("id", "stage", "objection_period") == "Masa sanggah"
    assert label("id", "method", "lelang_kilat") == "lelang_kilat"
    assert label("id", "method", None) == ""
    assert all(len(names) == 2 for kind in LABELS.values() for names in kind.values())


def test_an_unknown_language_is_indonesian() -> None:
    assert language("fr") == "id"
    assert language(None) == "id"
    assert language("en") == "en"
    assert text("fr", "nav.home") == "Beranda"
