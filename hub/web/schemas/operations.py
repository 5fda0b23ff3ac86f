"""What operators' tools read: whether the hub lives and whether it is ready to serve.

Kubernetes probes and load balancers read the status codes; the bodies are for people. A hub that
is not ready answers ``503`` with a problem document (``hub.web.openapi.Problem``) whose ``detail``
names what is missing. The public list of tenants is ``hub.web.schemas.registry.TenantView``.
"""

from __future__ import annotations

from typing import Literal

import msgspec


class Liveness(msgspec.Struct, frozen=True):
    """The process answers. It says nothing of the database: a liveness probe that failed with the
    database would restart every replica while PostgreSQL fails over."""

    status: Literal["live"]


class Readiness(msgspec.Struct, frozen=True):
    """The database answers, and the hub's schema and every tenant's are at their head revision."""

    status: Literal["ready"]


LIVE = Liveness("live")
READY = Readiness("ready")
