"""Whether two trees answer every page of ``bench_catalogue``'s searches the same, on one database.

``bench_catalogue`` checks that each answer is a 200, not what it says. This serves the same kept
database (``bench_catalogue --keep``) from two trees at once (``catalogue_app`` under uvicorn, one
worker each, cold), asks both every path of the bench's kinds, the page after each first page
(its ``next_cursor``), the deep pages and a sample of single tenders, and compares the bodies byte
for byte (the answers' JSON is encoded with sorted keys). Each tree's cursors are followed in that
tree: a cursor is opaque, and each must lead to the same page.

    python -m tests.bench.catalogue_same_answers --before /work/wt/old --after . --database <kept>
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import httpx

from tests.bench.bench_catalogue import PREFIX, existing_places, sample_ocids, searches
from tests.bench.bench_tenants import dsn
from tests.live_server import free_port, wait_until_live


def serve(tree: str, url: str, master_key: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": tree,
        "LPSE_BENCH_COLD": "1",
        "LPSE_HUB_DATABASE_URL": url,
        "LPSE_HUB_PROBE_INTERVAL_SECONDS": "0",
        "LPSE_HUB_MASTER_KEY": master_key,
        "LPSE_HUB_DATA_DIR": tempfile.mkdtemp(),
        "LPSE_HUB_ISSUER": "http://bench-hub.example",
        "LPSE_HUB_OCID_PREFIX": PREFIX,
        "LPSE_HUB_PUBLIC_REQUESTS_PER_MINUTE": str(10**9),
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "tests.bench.catalogue_app:create_app"]
    command += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, cwd=tree, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    wait_until_live(base, process, timeout=120)
    return process, base


def pages(client: httpx.Client, path: str, depth: int) -> list[bytes]:
    """The page at ``path`` and the ``depth - 1`` pages its cursors lead to, as bodies."""
    bodies: list[bytes] = []
    for _ in range(depth):
        answer = client.get(path)
        bodies.append(f"{answer.status_code} ".encode() + answer.content)
        cursor = answer.json().get("next_cursor") if answer.status_code == 200 else None
        if not cursor:
            break
        path = f"{path.split('&cursor=')[0]}{'&' if '?' in path else '?'}{urlencode({'cursor': cursor})}"
    return bodies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", default=".")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", required=True, help="kept by bench_catalogue --keep")
    parser.add_argument("--depth", type=int, default=3, help="pages followed from each first page")
    parser.add_argument("--tenders", type=int, default=40, help="single tenders asked")
    args = parser.parse_args()
    url = dsn(args.server, args.database)
    seed = json.loads(Path(tempfile.gettempdir(), f"{args.database}.seed.json").read_text())
    kinds = searches(asyncio.run(existing_places(url)))
    paths = [f"/api/catalogue?{urlencode(p)}" for params in kinds.values() for p in params]
    more = ({"category": "goods"}, {"q": "jalan", "sort": "newest"})  # bench_catalogue's deep pages
    paths += [f"/api/catalogue?{urlencode(p)}" for p in more]
    tenders = [f"/api/catalogue/{o}" for o in asyncio.run(sample_ocids(url, args.tenders))]
    hubs = [serve(os.path.abspath(tree), url, seed["master key"]) for tree in (args.before, args.after)]
    compared = differ = failed = 0
    try:
        with (
            httpx.Client(base_url=hubs[0][1], timeout=600) as before,
            httpx.Client(base_url=hubs[1][1], timeout=600) as after,
        ):
            for path in paths + tenders:
                depth = 1 if path in tenders else args.depth
                old, new = pages(before, path, depth), pages(after, path, depth)
                compared += max(len(old), len(new))
                failed += sum(1 for body in (*old, *new) if not body.startswith(b"200 "))
                if old != new:
                    differ += 1
                    print(f"DIFFERENT: {path}\n  before: {old[0][:300]!r}\n  after:  {new[0][:300]!r}")
    finally:
        for process, _ in hubs:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)
    figures = {"paths": len(paths) + len(tenders), "pages compared": compared}
    figures.update({"paths differing": differ, "not 200": failed})
    print(json.dumps(figures))
    sys.exit(1 if differ or failed else 0)


if __name__ == "__main__":
    main()
