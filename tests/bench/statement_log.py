"""Sums a statement log of ``tests/bench/counted_hub.py`` per route and per statement.

    python -m tests.bench.statement_log statements.jsonl [--route SUBSTRING]

Routes are named by method and path with numbers replaced by ``{n}``; for each, the requests seen,
the statements per request, and each distinct statement (its first 160 characters) with how many
times it ran per request.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict


def route_of(request: str) -> str:
    _, method, path = request.split(" ", 2)
    return method + " " + re.sub(r"/\d+", "/{n}", path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("log")
    parser.add_argument("--route", default="")
    args = parser.parse_args()
    requests: dict[str, set[str]] = defaultdict(set)
    statements: dict[str, Counter[str]] = defaultdict(Counter)
    with open(args.log, encoding="utf-8") as lines:
        for line in lines:
            entry = json.loads(line)
            if entry["request"] == "-":
                continue
            route = route_of(entry["request"])
            requests[route].add(entry["request"])
            statements[route][entry["sql"][:160]] += 1
    for route in sorted(requests):
        if args.route not in route:
            continue
        n = len(requests[route])
        total = sum(statements[route].values())
        print(f"\n{route}: {n} requests, {total / n:.2f} statements each")
        for sql, count in statements[route].most_common():
            print(f"  {count / n:5.2f}  {sql}")


if __name__ == "__main__":
    main()
