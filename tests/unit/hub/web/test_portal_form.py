"""The search form's choice of regency: rendered once per set of tenants, the visitor's choice marked,
names escaped."""

from __future__ import annotations

from hub.web.portal.form import regency_options

TENANTS = (("kab-malang", "Kabupaten Malang"), ("kota-batu", "Kota <Batu> & Co"))


def test_every_tenant_is_an_option_and_names_are_escaped() -> None:
    options = str(regency_options(TENANTS, None))
    assert options == (
        '<option value="kab-malang">Kabupaten Malang</option>'
        '<option value="kota-batu">Kota &lt;Batu&gt; &amp; Co</option>'
    )


def test_the_chosen_regency_is_selected_and_only_it() -> None:
    options = str(regency_options(TENANTS, "kota-batu"))
    assert '<option value="kota-batu" selected>' in options
    assert options.count("selected") == 1
    assert "selected" not in str(regency_options(TENANTS, None))  # the rendered list was not changed


def test_a_choice_that_is_no_tenant_selects_nothing() -> None:
    assert "selected" not in str(regency_options(TENANTS, 'kab-malang" onfocus="x'))
    assert "selected" not in str(regency_options(TENANTS, "kab"))  # a prefix of a slug is not the slug
