"""Whose ``X-Forwarded-For`` the hub believes: only that of the proxies an operator names.

uvicorn's ``ProxyHeadersMiddleware`` rewrites the request's client from the header when the TCP
peer is one of ``LPSE_HUB_TRUSTED_PROXIES`` (the rightmost address that is not itself a trusted
proxy); from anyone else the header is ignored. Every per-address limit (the catalogue's rate
limit, login throttling) keys by ``request.client``, so this one place decides for all of them, and
it holds whichever ASGI server runs the app. ``lpse-hub serve`` turns uvicorn's own handling off,
whose default would trust any header sent from 127.0.0.1.
"""

from __future__ import annotations

from typing import Any, cast

from litestar.types import ASGIApp, Middleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware


def trusted_proxies(networks: tuple[str, ...]) -> list[Middleware]:
    """The middleware to put first, or none when no proxy is trusted."""
    if not networks:
        return []

    def middleware(app: ASGIApp) -> ASGIApp:
        return cast("ASGIApp", ProxyHeadersMiddleware(cast("Any", app), trusted_hosts=list(networks)))

    return [middleware]
