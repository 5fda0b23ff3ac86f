"""Headers every response carries, set in one place (a ``before_send`` hook of the app).

- ``X-Frame-Options: DENY`` and ``frame-ancestors 'none'``: no page of the hub is framed, so a
  login or consent page cannot be overlaid to steal a click (clickjacking);
- ``X-Content-Type-Options: nosniff``: an uploaded document is never run as a script or page;
- ``Referrer-Policy: no-referrer``: a URL of the hub (an authorization request, a tender being
  prepared) is not handed to the next site;
- a strict ``Content-Security-Policy``: the hub's pages load nothing but themselves, run no script,
  and allow only their own inline style, named by its hash (``STYLE_HASHES``). A JSON answer gets the
  same policy: a browser that is shown one renders nothing from it.

The public portal's pages (``hub.web.controllers.portal``) load one stylesheet, served by the hub
itself: their policy adds ``'self'`` to ``style-src`` (``allow_own_stylesheet``), and nothing else.
Two pages of the vendor workspace seal in the browser (the signing key's page, a tender's page), and
its bid pages check receipts in it (my bids, a bid's receipt): they alone run scripts, the hub's own
files only (``script-src 'self'``, ``allow_own_scripts``), never an inline one, so a tender's title
or a question cannot become a script.

The API documentation (``/schema``, ``hub.web.controllers.api_docs``) is pages of the portal's
kind: its stylesheet, no script. One exception, narrow: Chrome
applies ``form-action`` to the redirect that follows a form, so a page whose form ends in a redirect
to an OAuth client (login, consent) names that client's redirect URI, once the authorization server
has checked it, with ``allow_form_redirect``.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import urlsplit

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from hub.web.pages import STYLE
from monitoring.reviews import REVIEW_STYLE

_FORM_TARGETS = "lpse_hub_form_targets"
_OWN_STYLESHEET = "lpse_hub_own_stylesheet"
_OWN_SCRIPTS = "lpse_hub_own_scripts"


def style_hash(style: str) -> str:
    """The CSP source that allows an inline ``<style>`` element whose text is exactly ``style``."""
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    return f"'sha256-{digest}'"


STYLE_HASHES = (style_hash(STYLE), style_hash(REVIEW_STYLE))
"""The hub's own inline styles: the login, consent and error pages', and the review page's."""

LOCKED = ("frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'")


def content_security_policy(
    form_targets: tuple[str, ...] = (), own_stylesheet: bool = False, own_scripts: bool = False
) -> str:
    """The policy of every response; ``form_targets``: origins a form of
    the page may end up at after a redirect (besides the hub itself); ``own_stylesheet``: the page
    may load a stylesheet from the hub (a portal page); ``own_scripts``: it may run the hub's own
    script files (a sealing page of the workspace), and no inline script."""
    styles = " ".join((*(("'self'",) if own_stylesheet else ()), *STYLE_HASHES))
    forms = " ".join(("'self'", *form_targets))
    scripts = "'self'" if own_scripts else "'none'"
    return "; ".join(
        (
            "default-src 'self'",
            f"style-src {styles}",
            f"script-src {scripts}",
            f"form-action {forms}",
            *LOCKED,
        )
    )


HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def origin_of(uri: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) URI, or ``None`` for anything else: what a policy may
    name, and nothing that could end a directive (``;``, a quote, a space)."""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if (
        parts.scheme not in ("http", "https")
        or not host
        or not all(c.isalnum() or c in ".-:[]" for c in host)
    ):
        return None
    shown = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown}" + (f":{port}" if port is not None else "")


def allow_form_redirect(request: Request[Any, Any, Any], redirect_uri: str) -> None:
    """Let the page answering ``request`` send its form to a flow that ends at ``redirect_uri``, an
    OAuth client's redirect URI the authorization server has checked."""
    origin = origin_of(redirect_uri)
    if origin is not None:
        request.state[_FORM_TARGETS] = (*request.state.get(_FORM_TARGETS, ()), origin)


def allow_own_stylesheet(request: Request[Any, Any, Any]) -> None:
    """Let the page answering ``request`` load stylesheets from the hub (``style-src 'self'``)."""
    request.state[_OWN_STYLESHEET] = True


def allow_own_scripts(request: Request[Any, Any, Any]) -> None:
    """Let the page answering ``request`` run the hub's own script files (``script-src 'self'``):
    the vendor workspace's sealing pages and its receipt pages (which check receipts) only."""
    request.state[_OWN_SCRIPTS] = True


async def security_headers(message: Message, scope: Scope) -> None:
    """The app's ``before_send`` hook: the headers above on every HTTP response."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in HEADERS.items():
        headers[name] = value
    state = scope.get("state") or {}
    targets = tuple(state.get(_FORM_TARGETS, ()))
    headers["content-security-policy"] = content_security_policy(
        targets, bool(state.get(_OWN_STYLESHEET)), bool(state.get(_OWN_SCRIPTS))
    )
