"""What the OpenAPI document says beyond the routes: the hub's OAuth scheme and its problem documents.

Every error leaves the hub as an RFC 9457 problem document; ``problem_responses`` describes the ones a
route can answer with, so a client (and schemathesis) knows every body the route may send.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from litestar import Controller, Litestar
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.openapi.spec import (
    Components,
    OAuthFlow,
    OAuthFlows,
    OpenAPIMediaType,
    OpenAPIResponse,
    Reference,
    SecurityScheme,
)
from litestar.routes import HTTPRoute

from federation.identity.policy import SCOPE_MEANINGS

BEARER = "hub_oauth"
"""The name of the hub's OAuth 2 scheme in the document's components."""

PROBLEM_MEDIA_TYPE = "application/problem+json"

_MEANINGS = {
    400: "The request breaks a rule; `field` names the offending input when there is one.",
    401: "No valid access token (RFC 6750 `WWW-Authenticate` challenge).",
    403: "The token lacks the scope (`insufficient_scope`, with `scopes`) or its account the role.",
    404: "No such thing here (or in this tenant, or no such tenant).",
    409: "It exists already, or its state forbids this now.",
    413: "The body is larger than this route accepts.",
    422: "Well formed, but it does not hold up (a bid that does not open).",
    429: "Too many requests; `Retry-After` says when to come back.",
    503: "The tenant is suspended, or the database cannot be reached; `Retry-After` says when to retry.",
}


@dataclass
class Problem:
    """An RFC 9457 problem document, as the hub writes them."""

    type: str
    title: str
    status: int
    detail: str | None = None
    field: str | None = None
    """The input that broke the rule, when there is one."""
    scopes: list[str] | None = None
    """With ``insufficient_scope``: the scopes of which the token needs one."""
    errors: list[dict[str, Any]] | None = None
    """Litestar's validation errors: each names a parameter and what was wrong with it."""


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(
            data_container=Problem, description=_MEANINGS[status], media_type=PROBLEM_MEDIA_TYPE
        )
        for status in statuses
    }


def openapi_config(issuer: str, version: str, render_plugins: list[OpenAPIRenderPlugin]) -> OpenAPIConfig:
    """The document's config; ``render_plugins`` serve it under ``/schema``
    (``hub.web.controllers.api_docs``)."""
    flows = OAuthFlows(
        authorization_code=OAuthFlow(
            authorization_url=f"{issuer}/oauth/authorize",
            token_url=f"{issuer}/oauth/token",
            refresh_url=f"{issuer}/oauth/token",
            scopes={scope.value: english for scope, (_, english) in SCOPE_MEANINGS.items()},
        ),
        client_credentials=OAuthFlow(
            token_url=f"{issuer}/oauth/token",
            scopes={scope.value: english for scope, (_, english) in SCOPE_MEANINGS.items()},
        ),
    )
    return OpenAPIConfig(
        title="lpse-hub",
        version=version,
        render_plugins=render_plugins,
        description="One hub for the e-procurement services (LPSE) of a province's regencies and cities.",
        components=Components(
            security_schemes={
                BEARER: SecurityScheme(
                    type="oauth2",
                    description="Access tokens of the hub's own OpenID provider, as `Authorization: Bearer`.",
                    flows=flows,
                )
            }
        ),
    )


def describe_tenant_problems(app: Litestar, tenant_controllers: tuple[type[Controller], ...]) -> None:
    """Add to every operation of a tenant's route the problems any tenant route can answer with: 404
    for a tenant that does not exist, 503 for one that is suspended. (Litestar takes responses per
    handler only, not per router.)"""
    paths = app.openapi_schema.paths or {}
    problems = {str(status): _problem_response(status) for status in (404, 503)}
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path_format not in paths:
            continue
        item = paths[route.path_format]
        for handler in route.route_handlers:
            if not isinstance(getattr(handler.fn, "__self__", None), tenant_controllers):
                continue
            for method in handler.http_methods:
                operation = getattr(item, method.lower(), None)
                if operation is None:
                    continue
                responses = operation.responses = dict(operation.responses or {})
                for status, spec in problems.items():
                    responses.setdefault(status, spec)


def describe_validation_problems(app: Litestar) -> None:
    """Litestar describes the 400 it answers for a parameter or a body that does not validate as its
    own JSON error; the hub sends that 400 as a problem document (``hub.web.problems``), so the
    document says so, on every operation Litestar gave its description to. Every operation that
    takes a body may also answer 413 (its size limit), and says so."""
    litestar_400 = HTTPStatus.BAD_REQUEST.description
    for item in (app.openapi_schema.paths or {}).values():
        for method in ("get", "put", "post", "patch", "delete"):
            operation = getattr(item, method, None)
            if operation is None or operation.responses is None:
                continue
            described = operation.responses.get("400")
            if isinstance(described, OpenAPIResponse) and described.description == litestar_400:
                operation.responses = {**operation.responses, "400": _problem_response(400)}
            if operation.request_body is not None and "413" not in operation.responses:
                # every body has a limit (hub.web.body_limits): 64 KiB unless the route takes files
                operation.responses = {**operation.responses, "413": _problem_response(413)}


def _problem_response(status: int) -> OpenAPIResponse:
    problem = OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Problem"))
    return OpenAPIResponse(description=_MEANINGS[status], content={PROBLEM_MEDIA_TYPE: problem})
