"""Migration h0017: the catalogue rows written before it are searched in Indonesian after it.

The search vector is a generated column; the migration adds it anew with the ``indonesian``
configuration and ``hub.catalogue_words``, which recomputes every row already there.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.query import CatalogueQuery
from federation.catalogue.search import search_catalogue
from hub.core.database import hub_sessions
from hub.core.migrations.runner import migrate_hub
from tests.conftest import migrated

ROW = """
INSERT INTO hub.catalogue (ocid, tenant_code, tenant_slug, tenant_name, province_code, tender_id, title,
    agency, category, method, evaluation, fiscal_year, budget, owner_estimate, status, stage, announced_at,
    search_text)
VALUES ('9901-1', '9901', 'kab-lama', 'Kabupaten Lama', '99', 1, 'Rehab Jln. Desa Lama', 'Dinas PUPR',
    'construction', 'tender', 'lowest_price', 2026, 1000000, 900000, 'announced', 'announcement', now(),
    'rehab jln. desa lama dinas pupr kabupaten lama')
"""


async def _titles(engine: AsyncEngine, words: str) -> list[str]:
    async with hub_sessions(engine)() as session:
        page = await search_catalogue(session, CatalogueQuery(q=words))
    return [e.title for e in page.entries]


async def test_rows_written_before_the_migration_are_stemmed_after_it(clean_identity: AsyncEngine) -> None:
    engine = clean_identity
    try:
        await migrate_hub(engine, "h0016")
        async with engine.begin() as connection:
            await connection.execute(text(ROW))
            simple = "SELECT count(*) FROM hub.catalogue WHERE search @@ 'jalan'::tsquery"
            assert await connection.scalar(text(simple)) == 0  # "jln" and "rehab" as written, unstemmed
    finally:
        await migrated(engine)  # back to the head, and the serving role's grants on what came back
    for words in ("jalanan", "jalan", "jln", "rehabilitasi", "kab lama"):
        assert await _titles(engine, words) == ["Rehab Jln. Desa Lama"], words
