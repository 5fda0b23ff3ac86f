"""In-process pairs: the one-tender read as the route did it (a session: BEGIN, the ORM's SELECT,
ROLLBACK) against ``show_entry`` (one Core statement in autocommit). Hub CPU per call (process_time).

    PYTHONPATH=. python -m tests.bench.bench_one_tender <database seeded by bench_catalogue --keep>
"""

import asyncio
import sys
import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from federation.catalogue.search import find_entry, show_entry
from hub.core.database import hub_sessions

PREFIX = "ocds-test"


async def main(db: str) -> None:
    engine = create_async_engine(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{db}", pool_size=2)
    async with engine.connect() as c:
        ocids = [
            r[0]
            for r in await c.execute(
                text("SELECT ocid FROM hub.catalogue WHERE origin = '' ORDER BY random() LIMIT 500")
            )
        ]
    prefix = PREFIX

    async def old(o: str) -> object:
        async with hub_sessions(engine)() as s:
            return await find_entry(s, prefix, f"{prefix}-{o}")

    async def new(o: str) -> object:
        return await show_entry(engine, prefix, f"{prefix}-{o}")

    for f in (old, new):
        for o in ocids[:50]:
            await f(o)
    for rnd in range(3):
        for name, f in (("old", old), ("new", new)):
            c0, w0 = time.process_time(), time.perf_counter()
            for o in ocids:
                await f(o)
            c1, w1 = time.process_time(), time.perf_counter()
            cpu, wall = 1000 * (c1 - c0) / len(ocids), 1000 * (w1 - w0) / len(ocids)
            print(f"round {rnd} {name}: hub CPU {cpu:.2f} ms/call, wall {wall:.2f} ms/call")
    await engine.dispose()


asyncio.run(main(sys.argv[1]))
