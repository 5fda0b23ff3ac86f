"""Counting requests: Litestar's Prometheus middleware, with the hub's own labels.

Litestar's middleware gives the counter and the histogram the same labels. The hub needs two sets:
the counter by route template, method, status class and tenant; the histogram by route template
and method only, since a tenant label would multiply its buckets by every tenant. The tenant is
the one the request resolved through the registry (``hub.web.dependencies.provide_tenant`` notes it), never
the path or host as the client sent it, so a request for a tenant that does not exist counts as
no tenant's.
"""

from __future__ import annotations

import time
from typing import Any

from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from litestar.types import Receive, Scope, Send

from monitoring.metrics import _series as series

TENANT_KEY = "lpsehub_tenant"
"""Where a request's resolved tenant slug is noted, in the ASGI scope's ``state``."""


def note_tenant(scope: Scope, slug: str) -> None:
    scope.setdefault("state", {})[TENANT_KEY] = slug


class RequestMetrics(PrometheusMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        span: dict[str, Any] = {"start_time": time.perf_counter(), "status_code": 500, "duration": 0.0}
        try:
            await self.app(scope, receive, self._get_wrapped_send(send, span))
        finally:
            route = scope.get("path_template") or "unmatched"
            method = scope.get("method", "GET")
            status_class = f"{int(span['status_code']) // 100}xx"
            tenant = scope.get("state", {}).get(TENANT_KEY, "")
            series.http_requests.labels(route, method, status_class, tenant).inc()
            duration = span["duration"] or time.perf_counter() - span["start_time"]
            series.http_request_duration.labels(route, method).observe(duration)


def request_metrics() -> Any:
    """The middleware for the app; ``/metrics`` and the health probes are not counted."""
    config = PrometheusConfig(
        prefix="lpsehub", group_path=True, exclude=["^/metrics", "^/health"], middleware_class=RequestMetrics
    )
    return config.middleware
