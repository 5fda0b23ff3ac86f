"""Sealing a bid in the browser (issue 18): the time to seal and sign a 20 MiB bid with
``hub/web/static/sealing.js`` in headless Chromium, and the page's peak memory meanwhile.

Usage (Debian's chromium, as the browser tests use it; no database, no hub process):

    python -m tests.bench.bench_browser_sealing --mib 20 --files 4 --runs 5

Each run opens a fresh page at a made-up origin whose requests Playwright answers from
``hub/web/static`` (with the policy a sealing page has, ``script-src 'self'``), makes the bid's files
in the page as Blobs (as ``<input type=file>`` gives them; random bytes, so nothing compresses), and
times ``sealBid`` from the call to the sealed bundle (a Blob, ready to upload), the vendor's signing
key made beforehand. Meanwhile it samples, every 10 ms:

- the page's JavaScript heap (``JSHeapUsedSize`` of CDP ``Performance.getMetrics``): V8's objects,
  strings among them (the bundle's base64 text), but not the bytes of ArrayBuffers, which live
  outside that heap;
- the resident memory of the page's renderer process (``/proc``, through psutil; of the two or three
  renderers headless Chromium runs, the one that grows): everything, the ArrayBuffers, the Blob's
  and WebCrypto's copies included. Its peak less its level before the call is what sealing costs
  the vendor's machine.

For comparison, the same bid sealed by the Python code (``tenants.sealing.seal_bid``) in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.async_api import CDPSession, Page, Route, async_playwright

from tenants.sealing import (
    BidFile,
    encode_public_key,
    generate_tender_keypair,
    open_bid,
    parse_bundle,
    seal_bid,
)
from tests.bench.figures import add_run_options, command, machine, print_figures

MiB = 2**20
STATIC = Path(__file__).resolve().parents[2] / "hub" / "web" / "static"
ORIGIN = "http://127.0.0.1:9"  # never connected to: Playwright answers; a loopback origin is a secure context
POLICY = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'"
TYPES = {".js": "text/javascript", ".json": "application/json", ".txt": "text/plain"}

PREPARE = """async ({mib, files}) => {
  const sealing = await import("/static/sealing.js");
  const size = Math.floor(mib * 1048576 / files);
  window.bench = {
    sealing,
    signingKey: await sealing.generateSigningKey(),
    files: Array.from({length: files}, (_, i) => {
      const parts = [];
      for (let left = size; left > 0; left -= 65536) {
        parts.push(crypto.getRandomValues(new Uint8Array(Math.min(65536, left))));
      }
      return new File(parts, `dokumen-${i + 1}.pdf`, {type: "application/pdf"});
    }),
  };
}"""

SEAL = """async ({tenderKey}) => {
  const {sealing, signingKey, files} = window.bench;
  const started = performance.now();
  const sealed = await sealing.sealBid({
    tenderPublicKey: tenderKey, tenant: "3507", tender: 12, vendor: 34, price: 1250000000, files, signingKey,
  });
  const seconds = (performance.now() - started) / 1000;
  window.bench.sealed = sealed;
  return {seconds, bundleBytes: sealed.bundle.size};
}"""


@dataclass
class Run:
    seconds: float
    bundle_bytes: int
    heap_before: int
    heap_peak: int
    rss_before: int
    rss_peak: int


async def _serve(route: Route) -> None:
    path = route.request.url.removeprefix(ORIGIN).split("?")[0]
    if path == "/seal":
        await route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            headers={"content-security-policy": POLICY},
            body="<!doctype html><html lang='id'><title>Segel penawaran</title></html>",
        )
        return
    file = (STATIC / path.removeprefix("/static/")).resolve()
    if not path.startswith("/static/") or STATIC not in file.parents or not file.is_file():
        await route.fulfill(status=404)
        return
    await route.fulfill(
        status=200, content_type=TYPES.get(file.suffix, "application/octet-stream"), body=file.read_bytes()
    )


def _renderers() -> list[psutil.Process]:
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "--type=renderer" in child.cmdline():
                found.append(child)
        except psutil.Error:
            continue
    return found


def _rss(processes: list[psutil.Process]) -> list[int]:
    """Each renderer's resident memory (0 once gone): headless Chromium keeps a spare renderer or
    two beside the page's, and shared pages count in each, so they are compared one by one."""
    sizes = []
    for process in processes:
        try:
            sizes.append(process.memory_info().rss)
        except psutil.Error:
            sizes.append(0)
    return sizes


async def _heap(cdp: CDPSession) -> int:
    metrics = await cdp.send("Performance.getMetrics")
    return int(next(m["value"] for m in metrics["metrics"] if m["name"] == "JSHeapUsedSize"))


async def _one_run(page: Page, cdp: CDPSession, tender_key: str, mib: float, files: int) -> Run:
    await page.evaluate(PREPARE, {"mib": mib, "files": files})
    await cdp.send("HeapProfiler.collectGarbage")
    renderers = _renderers()
    heap_before, rss_before = await _heap(cdp), _rss(renderers)
    heap_peak, rss_peak = heap_before, list(rss_before)
    sealing = asyncio.ensure_future(page.evaluate(SEAL, {"tenderKey": tender_key}))
    while True:
        heap_peak = max(heap_peak, await _heap(cdp))
        rss_peak = [max(peak, now) for peak, now in zip(rss_peak, _rss(renderers), strict=True)]
        if sealing.done():
            break
        await asyncio.wait({sealing}, timeout=0.01)  # the next sample, or at once when sealing ends
    result: dict[str, Any] = sealing.result()
    # The page's renderer: the one that grew most while sealing.
    page_renderer = max(range(len(renderers)), key=lambda i: rss_peak[i] - rss_before[i])
    return Run(
        result["seconds"],
        result["bundleBytes"],
        heap_before,
        heap_peak,
        rss_before[page_renderer],
        rss_peak[page_renderer],
    )


async def bench(mib: float, files: int, runs: int) -> tuple[list[Run], float]:
    """``runs`` seals in the browser, each in a fresh page, and the same bid sealed by the Python code."""
    private_raw, public_raw = generate_tender_keypair()
    tender_key = encode_public_key(public_raw)
    results: list[Run] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium")
        for _ in range(runs):
            context = await browser.new_context()
            await context.route(f"{ORIGIN}/**", _serve)
            page = await context.new_page()
            cdp = await context.new_cdp_session(page)
            await cdp.send("Performance.enable")
            await page.goto(f"{ORIGIN}/seal")
            results.append(await _one_run(page, cdp, tender_key, mib, files))
            if len(results) == 1:  # once: what the page sealed is a bid the Python code opens
                text = await page.evaluate("() => window.bench.sealed.bundle.text()")
                opened = open_bid(
                    parse_bundle(text.encode()), private_raw, tenant_code="3507", tender_id=12, vendor_id=34
                )
                assert sum(len(f.data) for f in opened.files) == int(mib * MiB / files) * files
            await context.close()
        await browser.close()

    size = int(mib * MiB / files)
    bid = [BidFile(f"dokumen-{i + 1}.pdf", "application/pdf", os.urandom(size)) for i in range(files)]
    key = Ed25519PrivateKey.generate()
    started = time.perf_counter()
    seal_bid(public_raw, tenant_code="3507", tender_id=12, vendor_id=34, price=1, files=bid, signing_key=key)
    return results, time.perf_counter() - started


def figures_of(
    args: argparse.Namespace, chromium: str, results: list[Run], python_s: float
) -> dict[str, Any]:
    seconds = [r.seconds for r in results]
    return {
        "command": command("tests.bench.bench_browser_sealing"),
        "machine": machine(),
        "browser": chromium,
        "mib": args.mib,
        "files": args.files,
        "runs": [asdict(r) for r in results],
        "browser_seal_median_s": statistics.median(seconds),
        "browser_seal_min_s": min(seconds),
        "browser_seal_max_s": max(seconds),
        "js_heap_growth_max_mib": max(r.heap_peak - r.heap_before for r in results) / MiB,
        "renderer_rss_growth_max_mib": max(r.rss_peak - r.rss_before for r in results) / MiB,
        "python_seal_s": python_s,
        "browser_ratio_to_python": statistics.median(seconds) / python_s,
    }


def markdown(figures: Mapping[str, Any]) -> str:
    mib = figures["mib"]
    lines = [
        f"`{figures['command']}` on {figures['machine']}",
        f"browser: {figures['browser']}, headless; bid: {mib} MiB in {figures['files']} file(s); "
        f"{len(figures['runs'])} runs, each in a fresh page",
    ]
    for number, run in enumerate(figures["runs"], start=1):
        lines.append(
            f"run {number}: {run['seconds']:.2f} s, bundle {run['bundle_bytes'] / MiB:.1f} MiB; JS heap "
            f"{run['heap_before'] / MiB:.0f} -> peak {run['heap_peak'] / MiB:.0f} MiB; renderer RSS "
            f"{run['rss_before'] / MiB:.0f} -> peak {run['rss_peak'] / MiB:.0f} MiB"
        )
    lines.append(
        f"sealing {mib} MiB in the browser: median {figures['browser_seal_median_s']:.2f} s "
        f"(min {figures['browser_seal_min_s']:.2f}, max {figures['browser_seal_max_s']:.2f}); peak over "
        f"before: JS heap +{figures['js_heap_growth_max_mib']:.0f} MiB, renderer RSS "
        f"+{figures['renderer_rss_growth_max_mib']:.0f} MiB (the most of any run)"
    )
    lines.append(
        "the same bid sealed by tenants.sealing.seal_bid (Python, this process): "
        f"{figures['python_seal_s']:.2f} s ({figures['browser_ratio_to_python']:.1f}x in the browser)"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mib", type=float, default=20, help="the bid's size (MiB)")
    parser.add_argument("--files", type=int, default=1, help="in how many files")
    parser.add_argument("--runs", type=int, default=5)
    add_run_options(parser)
    args = parser.parse_args()
    if args.quick:  # the same 20 MiB bid, fewer runs
        args.runs = 2
    chromium = subprocess.run(["chromium", "--version"], capture_output=True, text=True).stdout.strip()
    results, python_s = asyncio.run(bench(args.mib, args.files, args.runs))
    print_figures(figures_of(args, chromium, results, python_s), args, markdown)


if __name__ == "__main__":
    main()
