"""The API documentation at ``/schema``, served with no internet: RapiDoc from the hub itself.

Litestar's default pages (Redoc, Swagger UI, Elements) load their scripts, styles, fonts and favicon
from CDNs; a vendor on a regency office's line, or a hub on a closed network, gets a blank page.
RapiDoc is one script, pinned in ``tools/assets/package.json`` and committed under
``hub/web/static/vendor/rapidoc`` (``tools/assets/vendor.py``); it reads the document from
``/schema/openapi.json`` and needs no inline script, so the page runs only the hub's own files
(``script-src 'self'``, ``hub.web.security_headers.SCHEMA_POLICY``). Its web fonts are turned off
(``load-fonts="false"``: system fonts), and the page names no favicon.

Two small files of the hub's own make it pass the accessibility check every page passes (axe-core,
tests/browser): ``api-docs.css`` darkens the theme's faint colours, ``api-docs.js`` names the two
selectors RapiDoc leaves unnamed. The page is for reading: no "try it" console, no login form.

``/schema/openapi.json`` and ``/schema/openapi.yaml`` stay as they were.
"""

from __future__ import annotations

import hashlib
import json
from html import escape
from typing import Any

from litestar import Request
from litestar.openapi.plugins import (
    JsonRenderPlugin,
    OpenAPIRenderPlugin,
    RapidocRenderPlugin,
    YamlRenderPlugin,
)

from hub.web.portal.rendering import STATIC

RAPIDOC = STATIC / "vendor" / "rapidoc"


def _script_url() -> str:
    """The script's address under ``/static`` (cached for a year), versioned by its bytes' hash as
    the manifest records it."""
    manifest = json.loads((RAPIDOC / "manifest.json").read_text())
    return f"/static/vendor/rapidoc/rapidoc-min.js?v={manifest['files']['rapidoc-min.js']['sha256'][:12]}"


SCRIPT_URL = _script_url()


def _own(name: str) -> str:
    """The address of one of the hub's own files under ``/static``, versioned by its bytes."""
    return f"/static/{name}?v={hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]}"


STYLESHEET_URL = _own("api-docs.css")
"""RapiDoc's colours made readable (WCAG AA contrast)."""
NAMING_URL = _own("api-docs.js")
"""Names for RapiDoc's unnamed selectors, for screen readers."""
PRIMARY = "#a33a0b"
"""RapiDoc's accent, darker than its own orange: white on it is readable (WCAG AA, 4.5:1)."""


class OfflineRapidoc(RapidocRenderPlugin):
    """RapiDoc at ``/schema``, every byte of it from the hub."""

    def __init__(self) -> None:
        super().__init__(js_url=SCRIPT_URL, path="/", favicon="", style="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = escape(f"{openapi_schema['info']['title']} API")
        spec = escape(self.get_openapi_json_route(request))
        yaml = escape(spec.removesuffix(".json") + ".yaml")
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{STYLESHEET_URL}">
<script src="{escape(self.js_url)}"></script>
<script src="{NAMING_URL}"></script>
</head>
<body>
<rapi-doc spec-url="{spec}" load-fonts="false" show-header="false" theme="light"
  primary-color="{PRIMARY}" render-style="read" default-schema-tab="schema"
  allow-try="false" allow-authentication="false" allow-server-selection="false"
  allow-spec-url-load="false" allow-spec-file-load="false">
<p>The OpenAPI document itself: <a href="{spec}">openapi.json</a>
(<a href="{yaml}">YAML</a>).</p>
</rapi-doc>
</body>
</html>
""".encode()


def render_plugins() -> list[OpenAPIRenderPlugin]:
    """What ``/schema`` serves: RapiDoc at its root, and the document as JSON and YAML."""
    return [OfflineRapidoc(), JsonRenderPlugin(), YamlRenderPlugin()]
