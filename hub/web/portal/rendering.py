"""How the portal's pages are rendered: Jinja templates (package data, autoescaped), one stylesheet
served by the hub itself, and the helpers every template uses in the reader's language.

The stylesheet's address carries a hash of its bytes (``/static/portal.css?v=...``), so it can be
cached for a year: a new version is a new address. Nothing is fetched from anywhere else: no CDN,
no web font (system fonts), no script.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import ChainableUndefined, Environment, PackageLoader, select_autoescape
from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from hub.web.portal.formatting import (
    DASH,
    compact_rupiah,
    grouped,
    local_time,
    long_date,
    parse_moment,
    percent,
    rupiah,
    zone_name,
)
from hub.web.portal.texts import flag_name, label, text

STATIC = Path(str(files("hub.web") / "static"))
STYLESHEET = "portal.css"
STYLESHEET_URL = (
    f"/static/{STYLESHEET}?v={hashlib.sha256((STATIC / STYLESHEET).read_bytes()).hexdigest()[:12]}"
)
YEAR = 365 * 24 * 3600


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """The app's template engine: ``hub/web/templates``, autoescaped. A missing field of a release
    (they vary with the stage, and a peer's with its hub) renders as nothing."""
    environment = Environment(
        loader=PackageLoader("hub.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=ChainableUndefined,  # a release without a field shows nothing, never a 500
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


def static_files() -> Router:
    """``/static/...``: the portal's own files, cached for a year (their URLs change with them)."""
    return create_static_files_router(
        path="/static",
        directories=[STATIC],
        cache_control=CacheControlHeader(max_age=YEAR, public=True),
        include_in_schema=False,
    )


def _when(lang: str, moment: datetime | str | None, timezone: str) -> str:
    """A moment (or an ISO 8601 text) in ``timezone``, written for ``lang``; a dash when unknown."""
    parsed = parse_moment(moment) if isinstance(moment, str) else moment
    return local_time(parsed, timezone, lang) if parsed is not None else DASH


def _day(lang: str, moment: str | None, timezone: str) -> str:
    """The calendar day an OCDS date-time names in ``timezone`` (a contract's dates are the first
    second of their day there): ``20 April 2026``."""
    parsed = parse_moment(moment)
    return long_date(parsed.astimezone(ZoneInfo(timezone)).date(), lang) if parsed is not None else DASH


def _date(lang: str, day: date | None) -> str:
    """A calendar date as it is stored (a contract's, already the tenant's day): ``20 April 2026``."""
    return long_date(day, lang) if day is not None else DASH


def helpers(lang: str) -> dict[str, Callable[..., Any] | str]:
    """What every template may call, bound to the reader's language."""
    return {
        "lang": lang,
        "t": partial(text, lang),
        "label": partial(label, lang),
        "flag_name": partial(flag_name, lang),
        "day": partial(_day, lang),
        "date": partial(_date, lang),
        "when": partial(_when, lang),
        "rupiah": rupiah,
        "compact": compact_rupiah,
        "grouped": grouped,
        "percent": partial(percent, lang=lang),
        "zone": zone_name,
        "stylesheet": STYLESHEET_URL,
    }
