"""A catalogue of ``ROWS`` synthetic tenders inserted by SQL, for tests of searching and counting it.

Larger than the facet sample, so broad searches get estimates and narrow ones exact counts. One
tenant, ``kab-besar``, holds 99% of the rows; ``kab-kecil`` every hundredth. A third of the titles are
"Rehabilitasi Jalan Desa", the rest "Pembangunan Gedung Sekolah"; every fourth row is goods, the rest
construction; announced a minute apart, the row ``i`` the ``i``-th newest.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

ROWS = 30_000
_SEED = """
INSERT INTO hub.catalogue (ocid, tenant_code, tenant_slug, tenant_name, province_code, tender_id, title,
    agency, category, method, evaluation, fiscal_year, budget, owner_estimate, status, stage, announced_at,
    search_text)
SELECT '9901-' || i, '9901', CASE WHEN i % 100 = 0 THEN 'kab-kecil' ELSE 'kab-besar' END, 'Kabupaten',
    '99', i, title, 'Dinas PUPR', CASE WHEN i % 4 = 0 THEN 'goods' ELSE 'construction' END, 'tender',
    'lowest_price', 2026, 1000000, 900000, 'contracted', 'contracted',
    now() - i * interval '1 minute', lower(title)
FROM (SELECT i, CASE WHEN i % 3 = 0 THEN 'Rehabilitasi Jalan Desa' ELSE 'Pembangunan Gedung Sekolah' END
      AS title FROM generate_series(1, :rows) AS i) AS drawn
"""


async def seed_catalogue(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text(_SEED), {"rows": ROWS})
        await connection.execute(text("ANALYZE hub.catalogue"))
