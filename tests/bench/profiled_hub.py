"""The hub in one process under cProfile, and what its stats say: for benchmarks that ask where time goes.

Run the hub (the environment is read as ``uvicorn --factory hub.web.app:create_app`` reads it):

    python -m tests.bench.profiled_hub --port 8123 --out /tmp/hub.prof

It serves with one worker and the plain asyncio event loop, not uvloop: waiting for I/O then shows
as its own entry (``select.epoll.poll``) instead of vanishing into uvloop's C loop. The profiler
starts off; SIGUSR1 turns it on and SIGUSR2 off, so a benchmark profiles its measured phases only.
On SIGTERM or SIGINT the server shuts down gracefully and the stats are written to ``--out``.

``hotspots`` and ``own_time_by_package`` read such a file. cProfile times are wall-clock: the
epoll wait is idle time and is kept apart. SQLAlchemy's async bridge switches greenlets, which
cProfile does not follow, so cumulative times of functions that span a database call are rough;
own times are reliable.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import signal
import sys
import sysconfig
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import greenlet  # type: ignore[import-untyped]  # no stubs; its objects are Any here
import uvicorn

ROOT = Path(__file__).resolve().parents[2]
IDLE = "idle (waiting in epoll)"
AWAY = "greenlet switched out"  # a greenlet's pending switch: time spent elsewhere, not work
OURS = ("hub", "tenants", "federation", "monitoring", "cli")
STDLIB = sysconfig.get_paths()["stdlib"]

# Function = (file, line, name), as pstats keys them; C functions have the file "~".
Function = tuple[str, int, str]


class GreenletProfiler:
    """cProfile for a process whose code switches greenlets, as SQLAlchemy's asyncio bridge does.

    cProfile keeps one stack of open calls per profiler; a greenlet switch puts another stack's
    calls and returns on top of it, and times go to the wrong functions. So each live greenlet has
    a profiler of its own, installed when the greenlet is switched to (``greenlet.settrace``).
    Installing one does not disable the one before, so a switched-out greenlet's calls stay open:
    the time it is away goes to its pending ``greenlet.switch`` call, which the reading below
    leaves out, and to the cumulative time of the calls under it. Profilers of finished greenlets
    are reused.

    So cumulative times are sound in the main greenlet only (the event loop, the coroutines; a
    switch into a worker greenlet counts there as the work it does until it switches back), and
    ``dump`` writes that profiler apart too (``main_stats``). Own times are sound everywhere.
    """

    def __init__(self) -> None:
        self.active = False
        self.profilers: list[cProfile.Profile] = []
        self._of: dict[greenlet.greenlet, cProfile.Profile] = {}
        self._spare: list[cProfile.Profile] = []
        self._main = self._profiler(greenlet.getcurrent())
        greenlet.settrace(self._switched)

    def _profiler(self, of: greenlet.greenlet) -> cProfile.Profile:
        profiler = self._of.get(of)
        if profiler is None:
            if self._spare:
                profiler = self._spare.pop()
            else:
                profiler = cProfile.Profile()
                self.profilers.append(profiler)
            self._of[of] = profiler
        return profiler

    def _switched(self, event: str, args: tuple[greenlet.greenlet, greenlet.greenlet]) -> None:
        origin, target = args
        if origin.dead and origin in self._of:
            self._spare.append(self._of.pop(origin))
        if self.active:
            self._profiler(target).enable()

    def start(self) -> None:
        self.active = True
        self._profiler(greenlet.getcurrent()).enable()

    def stop(self) -> None:
        self.active = False
        self._profiler(greenlet.getcurrent()).disable()

    def dump(self, path: Path) -> None:
        """All greenlets' stats to ``path``, the main greenlet's to ``main_stats(path)``."""
        self._main.dump_stats(str(main_stats(path)))  # first: pstats.Stats(profiler) empties it
        merged: pstats.Stats | None = None
        for profiler in self.profilers:
            profiler.create_stats()  # disables it, closing what is still open
            if not profiler.stats:
                continue
            if merged is None:
                merged = pstats.Stats(profiler)
            else:
                merged.add(profiler)
        if merged is not None:
            merged.dump_stats(str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    profiler = GreenletProfiler()

    def ignore(signum: int, frame: FrameType | None) -> None:
        """uvicorn raises the signal again after its graceful shutdown: let us write the stats first."""

    signal.signal(signal.SIGUSR1, lambda *_: profiler.start())
    signal.signal(signal.SIGUSR2, lambda *_: profiler.stop())
    signal.signal(signal.SIGTERM, ignore)
    signal.signal(signal.SIGINT, ignore)
    config = uvicorn.Config(
        "hub.web.app:create_app",
        factory=True,
        port=args.port,
        loop="asyncio",
        log_level="warning",
        access_log=False,
    )
    uvicorn.Server(config).run()
    profiler.dump(args.out)
    print(f"profile written to {args.out}", file=sys.stderr)


# Reading the stats


def main_stats(path: Path) -> Path:
    """Where ``GreenletProfiler.dump`` writes the main greenlet's stats, beside all of them."""
    return path.with_name(f"{path.stem}.main{path.suffix}")


def label(function: Function) -> str:
    """A short name: ``package/module.py:123(name)``, or the C function's own name."""
    file, line, name = function
    if file == "~":
        return name
    for prefix in ("site-packages/", f"{ROOT}/", f"{STDLIB}/"):
        if prefix in file:
            file = file.split(prefix, 1)[1]
            break
    return f"{file}:{line}({name})"


_C_PACKAGES = [  # C functions named after the package whose extension module they belong to
    (re.compile(r"select\.epoll"), IDLE),
    (re.compile(r"of 'greenlet\.greenlet' objects"), AWAY),
    (re.compile(r"asyncpg"), "asyncpg"),
    (re.compile(r"cryptography|_hashlib|_blake2|nacl"), "cryptography and sealing"),
    (re.compile(r"msgspec"), "litestar (and msgspec)"),
    (re.compile(r"httptools"), "uvicorn and httptools"),
    (re.compile(r"_socket\.socket"), "socket send and receive (kernel)"),
    (re.compile(r"_json"), "json"),
    (re.compile(r"sqlalchemy"), "sqlalchemy"),
]


def package_of(file: str) -> str | None:
    """The bucket of a Python function's file; ``None`` for C functions, charged to their caller."""
    if file == "~":
        return None
    if file.startswith("<sqlalchemy"):  # methods SQLAlchemy generates at import time
        return "sqlalchemy"
    if "site-packages/" in file:
        top = file.split("site-packages/", 1)[1].split("/", 1)[0]
        return {
            "litestar": "litestar (and msgspec)",
            "msgspec": "litestar (and msgspec)",
            "uvicorn": "uvicorn and httptools",
            "httptools": "uvicorn and httptools",
            "cryptography": "cryptography and sealing",
            "joserfc": "joserfc (tokens)",
            "sqlalchemy": "sqlalchemy",
            "asyncpg": "asyncpg",
        }.get(top, f"other: {top}")
    if file.startswith(f"{ROOT}/"):
        relative = file.removeprefix(f"{ROOT}/")
        if relative.startswith("tenants/sealing/"):
            return "cryptography and sealing"
        top = relative.split("/", 1)[0]
        return f"ours: {top}" if top in OURS else f"other: {top}"
    if file.startswith(f"{STDLIB}/"):
        top = file.removeprefix(f"{STDLIB}/").split("/", 1)[0].removesuffix(".py")
        if top in {"asyncio", "selectors"}:
            return "asyncio event loop"
        if top == "json":
            return "json"
        return "stdlib, other"
    return "other"


@dataclass(frozen=True, slots=True)
class Hotspot:
    label: str
    calls: int
    own: float
    cumulative: float


def _raw(
    stats: pstats.Stats,
) -> dict[Function, tuple[int, int, float, float, dict[Function, tuple[int, int, float, float]]]]:
    return stats.stats  # type: ignore[attr-defined, no-any-return]


def bucket_of(function: Function) -> str | None:
    """A Python function's bucket by its file, a C function's by its name; ``None``: charge the caller."""
    file, _, name = function
    if file != "~":
        return package_of(file)
    return next((bucket for pattern, bucket in _C_PACKAGES if pattern.search(name)), None)


NOT_WORK = (IDLE, AWAY)


def hotspots(path: Path, key: str, count: int, prefix: str = "") -> list[Hotspot]:
    """The ``count`` functions with the most ``key`` time ("cumulative" or "own"), leaving out the
    waits; only buckets starting with ``prefix`` if given (``"ours"``)."""
    entries = _raw(pstats.Stats(str(path)))
    chosen = [
        (f, v)
        for f, v in entries.items()
        if bucket_of(f) not in NOT_WORK
        and (bucket_of(f) or "").startswith(prefix)
        and not f[0].endswith("/selectors.py")  # the wait for I/O, its cumulative time idle
    ]
    chosen.sort(key=lambda item: item[1][3] if key == "cumulative" else item[1][2], reverse=True)
    return [Hotspot(label(f), v[1], v[2], v[3]) for f, v in chosen[:count]]


def own_time_by_package(path: Path) -> dict[str, float]:
    """Own time per bucket, in seconds, the waits included under their own names. A C function named
    after a package counts for it; other C functions (builtins, ``str.join``, ...) are charged to
    the buckets of their callers, in proportion to the time each caller spent in them."""
    entries = _raw(pstats.Stats(str(path)))
    buckets: dict[str, float] = defaultdict(float)
    for function, (_, _, own, _, callers) in entries.items():
        bucket = bucket_of(function)
        if bucket is not None:
            buckets[bucket] += own
            continue
        spent = sum(edge[2] for edge in callers.values())
        if spent <= 0:
            buckets["other"] += own
            continue
        for caller, edge in callers.items():
            buckets[bucket_of(caller) or "other"] += own * edge[2] / spent
    return dict(sorted(buckets.items(), key=lambda item: item[1], reverse=True))


def database_calls(path: Path) -> dict[str, int]:
    """How often SQLAlchemy ran a statement, checked a connection out of the pool, and pinged it."""
    wanted = {
        "statements": ("sqlalchemy/engine/base.py", "_execute_context"),
        "checkouts": ("sqlalchemy/pool/base.py", "_checkout"),
        "pings": ("hub/core/database.py", "check"),  # the pool's check before use (issue 14)
    }
    entries = _raw(pstats.Stats(str(path)))
    return {
        what: sum(v[1] for (file, _, name), v in entries.items() if file.endswith(module) and name == fn)
        for what, (module, fn) in wanted.items()
    }


def print_profile(path: Path, tenders: int) -> None:
    """Own time by bucket, then the top functions, as Markdown tables (times per tender too)."""
    buckets = own_time_by_package(path)
    idle, away = buckets.pop(IDLE, 0.0), buckets.pop(AWAY, 0.0)
    work = sum(buckets.values())
    calls = database_calls(path)
    print(
        f"Profiled work {work:.1f} s ({work / tenders * 1000:.0f} ms per tender); idle in epoll "
        f"{idle:.1f} s; greenlets switched out (left out) {away:.1f} s. Per tender, SQLAlchemy ran "
        f"{calls['statements'] / tenders:.0f} statements and checked a connection out "
        f"{calls['checkouts'] / tenders:.0f} times ({calls['pings'] / tenders:.0f} pre-pings).\n"
    )
    print("| own time by bucket (C built-ins charged to their callers) | seconds | share | per tender |")
    print("|---|---|---|---|")
    for bucket, seconds in buckets.items():
        print(f"| {bucket} | {seconds:.2f} | {seconds / work:.1%} | {seconds / tenders * 1000:.1f} ms |")
    main = main_stats(path)  # cumulative times are sound in the main greenlet only
    for source, key, prefix, title in (
        (main, "cumulative", "", "Top 20 by cumulative time (main greenlet)"),
        (path, "own", "", "Top 20 by own time (all greenlets)"),
        (main, "cumulative", "ours", "Our functions (hub, tenants, federation), top 20 by cumulative time"),
    ):
        print(f"\n{title}:\n\n| function | calls | own s | cumulative s | per tender |")
        print("|---|---|---|---|---|")
        for spot in hotspots(source, key, 20, prefix):
            per_tender = (spot.cumulative if key == "cumulative" else spot.own) / tenders * 1000
            print(
                f"| `{spot.label}` | {spot.calls} | {spot.own:.2f} | {spot.cumulative:.2f} "
                f"| {per_tender:.1f} ms |"
            )
    print(f"\n(stats: {path} and {main})")


if __name__ == "__main__":
    main()
