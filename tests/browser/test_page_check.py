"""``check_page`` fails on the faults it is there to catch, so that its passing on the hub's pages
means something: an unlabelled field, a page too heavy, a style its own policy refuses, a page
wider than a phone."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, Route

from tests.browser.page_check import MAX_BYTES, check_page, fresh_context

SITE = "http://lpse.test/"
GOOD = (
    '<!doctype html><html lang="id"><head><title>Uji</title></head>'
    "<body><main><h1>Uji</h1>{}</main></body></html>"
)


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await fresh_context(browser)
    yield await context.new_page()
    await context.close()


async def serve(page: Page, body: str, **headers: str) -> None:
    async def answer(route: Route) -> None:
        await route.fulfill(status=200, body=body, headers={"content-type": "text/html", **headers})

    await page.route(SITE, answer)


async def test_a_field_without_a_label_fails_the_accessibility_check(page: Page, tmp_path: Path) -> None:
    await serve(page, GOOD.format('<form><input name="email"></form>'))
    with pytest.raises(AssertionError, match=r"\[critical\] label: Form elements must have labels"):
        await check_page(page, SITE, "unlabelled", screenshots=tmp_path)


async def test_a_page_over_100_kb_fails(page: Page, tmp_path: Path) -> None:
    await serve(page, GOOD.format(f"<p>{'x' * MAX_BYTES}</p>"))
    with pytest.raises(AssertionError, match="bytes on first load"):
        await check_page(page, SITE, "heavy", screenshots=tmp_path)


async def test_a_style_the_pages_policy_refuses_fails(page: Page, tmp_path: Path) -> None:
    policy = "default-src 'self'; style-src 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='"
    await serve(
        page, GOOD.format("<style>p{color:#222}</style><p>Halo</p>"), **{"content-security-policy": policy}
    )
    with pytest.raises(AssertionError, match="policy refused"):
        await check_page(page, SITE, "refused", screenshots=tmp_path)


async def test_a_page_wider_than_a_phone_fails(page: Page, tmp_path: Path) -> None:
    await serve(page, GOOD.format('<p style="width:600px">Tabel lebar</p>'))
    # 600 pixels and the body's default margin of 8:
    with pytest.raises(AssertionError, match="608 pixels wide on a 360-pixel phone"):
        await check_page(page, SITE, "wide", screenshots=tmp_path)


async def test_a_sound_page_passes_and_is_photographed_at_both_widths(page: Page, tmp_path: Path) -> None:
    await serve(page, GOOD.format("<p>Halo</p>"))
    checked = await check_page(page, SITE, "sound", screenshots=tmp_path)
    assert checked.text.split() == ["Uji", "Halo"]
    assert sorted(os.listdir(tmp_path)) == ["sound-desktop.png", "sound-phone.png"]
