"""One page of the hub as a visitor's browser gets it: accessible, light, and shown at two widths.

``check_page`` loads a page in a fresh browser context (nothing cached: a first visit), then

- runs axe-core in it and fails on any violation of impact *serious* or *critical*, listing them
  (rule, impact, help, the offending elements) so the failure says what to fix;
- sums the bytes the browser received over the network for it (Chromium's own count,
  ``Network.loadingFinished``'s ``encodedDataLength``: compressed bodies plus headers) and fails
  above ``MAX_BYTES``: vendors in a regency office on a slow line and citizens on phones use it;
  the sealing script and its HPKE library (``UNWEIGHED``) apart, as issue 18 allows: a vendor's
  bid pages load them, once, to seal in the browser;
- fails if the page's Content-Security-Policy refused anything the page itself asked for (a style
  whose hash is not in the policy renders the page unstyled, and nothing else would notice);
- fails if the page is wider than a 360-pixel phone (it would scroll sideways), unless told not to;
- saves screenshots at a phone's width and a desktop's to ``docs/screenshots/<name>-phone.png`` and
  ``<name>-desktop.png``, which the README shows.

axe-core is evaluated in the page through the DevTools protocol rather than added as a ``<script>``
element: the hub's policy allows no script (``script-src 'none'``), and checking the page under its
real policy is the point, so the policy is not bypassed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, Page, ViewportSize

REPO = Path(__file__).resolve().parents[2]
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
"""Installed with ``npm ci`` in tests/browser (.ci/run does it), pinned by its package-lock.json."""
SCREENSHOTS = REPO / "docs" / "screenshots"
MAX_BYTES = 100 * 1024
"""A page's weight on first load, everything it fetches included (issue 18)..."""
UNWEIGHED = ("/static/sealing.js", "/static/vendor/hpke/")
"""...but the sealing script and the HPKE library it imports (paths, or their beginnings)."""
PHONE = ViewportSize(width=360, height=740)
DESKTOP = ViewportSize(width=1280, height=800)
BLOCKING = {"serious", "critical"}


@dataclass(frozen=True)
class Checked:
    """What ``check_page`` found: the page's status, bytes received, and the page text."""

    status: int
    transferred: int
    text: str


def axe_violations(found: list[dict[str, Any]]) -> str:
    """axe's violations as a reader fixes them: one rule a paragraph, then the elements it hit."""
    lines = []
    for violation in found:
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"
        )
        for node in violation["nodes"][:5]:
            lines.append(f"    {_selector(node['target'])}: {node['failureSummary']}".replace("\n", " "))
    return "\n".join(lines)


def _selector(target: list[Any]) -> str:
    """axe's selector of an element; one inside a shadow root is a list of selectors, host first."""
    return " ".join(" >>> ".join(part) if isinstance(part, list) else part for part in target)


async def accessibility_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on ``page`` that a person would be stopped by (serious or critical)."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE.read_text())
    results = await page.evaluate("async () => JSON.stringify(await axe.run(document))")
    return [v for v in json.loads(results)["violations"] if v["impact"] in BLOCKING]


async def check_page(
    page: Page,
    url: str,
    name: str,
    status: int = 200,
    fits_phone: bool = True,
    screenshots: Path = SCREENSHOTS,
    max_bytes: int = MAX_BYTES,
) -> Checked:
    """Load ``url`` in ``page`` (of a fresh context: a first visit) and check it as the module says.
    ``status``: the HTTP status the page is expected to answer with (an error page has its own);
    ``fits_phone``: whether it must fit a phone's width without scrolling sideways; ``max_bytes``:
    its weight on first load, ``MAX_BYTES`` unless the page has its own (and says why)."""
    await page.set_viewport_size(DESKTOP)
    received: dict[str, int] = {}
    unweighed: set[str] = set()
    refused: list[str] = []
    cdp = await page.context.new_cdp_session(page)
    cdp.on(
        "Network.requestWillBeSent",
        lambda e: unweighed.add(e["requestId"]) if _unweighed(e["request"]["url"]) else None,
    )
    cdp.on("Network.loadingFinished", lambda e: received.__setitem__(e["requestId"], e["encodedDataLength"]))
    await cdp.send("Network.enable")
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    response = await page.goto(url, wait_until="load")
    assert response is not None, f"{name}: {url} answered nothing"
    assert response.status == status, f"{name}: {url} answered {response.status}, not {status}"
    transferred = sum(size for request, size in received.items() if request not in unweighed)
    assert transferred <= max_bytes, f"{name}: {transferred} bytes on first load (at most {max_bytes})"
    assert not refused, f"{name}: the page's own policy refused: {refused}"

    violations = await accessibility_violations(page)
    assert not violations, f"{name}: axe-core found serious or critical violations:\n" + axe_violations(
        violations
    )
    await page.screenshot(path=screenshots / f"{name}-desktop.png", full_page=True)
    await page.set_viewport_size(PHONE)
    width = await page.evaluate("document.documentElement.scrollWidth")
    if fits_phone:
        assert width <= PHONE["width"], f"{name}: {width} pixels wide on a {PHONE['width']}-pixel phone"
    phone_violations = await accessibility_violations(page)  # reflowed: another layout, other contrasts
    assert not phone_violations, f"{name} on a phone: axe-core found:\n" + axe_violations(phone_violations)
    await page.screenshot(path=screenshots / f"{name}-phone.png", full_page=True)
    text = await page.inner_text("body")
    await cdp.detach()
    return Checked(response.status, transferred, text)


def _unweighed(url: str) -> bool:
    path = urlsplit(url).path
    return any(path.startswith(prefix) for prefix in UNWEIGHED)


async def fresh_context(browser: Browser, **options: Any) -> BrowserContext:
    """A context of its own (no cookies, no cache), in Indonesian as the hub's visitors mostly are."""
    return await browser.new_context(locale="id-ID", timezone_id="Asia/Jakarta", **options)
