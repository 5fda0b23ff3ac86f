"""The catalogue's text search in Indonesian: words stemmed, common abbreviations read in full (issue 17).

The search vector's words were PostgreSQL's ``simple`` configuration: "jalanan" found nothing in
"Rehabilitasi Jalan ...". They are now the ``indonesian`` snowball configuration (shipped with
PostgreSQL since 13), after ``hub.catalogue_words``, which writes out the abbreviations of tender
titles and addresses (``jln``/``jl`` -> ``jalan``, ``kab`` -> ``kabupaten``, ...). The query goes
through the same function and configuration (``federation/catalogue/query.py``), so an abbreviation
and its word find each other both ways. A synonym dictionary would need a file in the server's
``tsearch_data``, which a migration cannot write; an immutable SQL function can serve a generated
column.

The column is generated, so adding it anew recomputes every existing row; the GIN index is rebuilt
with it.

Revision ID: h0017
Revises: h0016
Create Date: 2026-12-03
"""

from __future__ import annotations

from hub.core.migrations.op import op

revision = "h0017"
down_revision = "h0016"
branch_labels = None
depends_on = None

ABBREVIATIONS = {
    "jalan": ("jl", "jln"),
    "kabupaten": ("kab",),
    "kecamatan": ("kec",),
    "kelurahan": ("kel",),
    "desa": ("ds",),
    "dusun": ("dsn",),
    "gedung": ("gd", "gdg"),
    "rehabilitasi": ("rehab",),
    "pembangunan": ("pemb", "pembang"),
    "pemeliharaan": ("pemel", "pml"),
    "peningkatan": ("peningk", "pengk"),
    "jembatan": ("jemb",),
    "kantor": ("ktr", "kntr"),
    "provinsi": ("prov", "prop"),
}
"""Each word and its abbreviations, as written in titles and addresses; kept here as the migration
wrote it (a later change is a new migration: the search vector is computed with it)."""


def _words_function() -> str:
    expression = "$1"
    for word, short in ABBREVIATIONS.items():
        expression = f"regexp_replace({expression}, '\\m({'|'.join(short)})\\M', '{word}', 'gi')"
    return (
        "CREATE FUNCTION hub.catalogue_words(text) RETURNS text "
        f"LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE RETURN {expression}"
    )


FILTER_TOKENS = (
    "array_to_tsvector(ARRAY['~t' || tenant_slug, '~p' || province_code, '~c' || category, "
    "'~m' || method, '~s' || status, '~y' || fiscal_year::text]::text[])"
)
INDONESIAN = f"to_tsvector('indonesian'::regconfig, hub.catalogue_words(search_text)) || {FILTER_TOKENS}"
SIMPLE = f"to_tsvector('simple'::regconfig, search_text) || {FILTER_TOKENS}"


def _search_vector(expression: str) -> None:
    op.drop_index("ix_catalogue_search", "catalogue", schema="hub")
    op.drop_column("catalogue", "search", schema="hub")
    op.execute(
        "ALTER TABLE hub.catalogue ADD COLUMN search tsvector NOT NULL "
        f"GENERATED ALWAYS AS ({expression}) STORED"
    )
    op.create_index("ix_catalogue_search", "catalogue", ["search"], postgresql_using="gin", schema="hub")


def upgrade() -> None:
    op.execute(_words_function())
    _search_vector(INDONESIAN)


def downgrade() -> None:
    _search_vector(SIMPLE)
    op.execute("DROP FUNCTION hub.catalogue_words(text)")
