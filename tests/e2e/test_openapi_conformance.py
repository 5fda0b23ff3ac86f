"""The hub answers as its OpenAPI document says, whatever it is sent (schemathesis over a live hub).

Every operation of the document is called with inputs schemathesis draws from the document, valid
and not, by the public (no token) and by a person holding every role with a token of every scope,
on tenant A of the route world (so tenders, bids and objections exist to be reached). Each response
must not be a server error (5xx), and its status, its content type and its body must be among those
the document declares for the operation. A finding is not a flaky test: it names the operation and
the input that shows it, and the fix belongs to the route (or to its description).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig
from schemathesis.filters import HasAPIOperation
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.settings import Settings
from tests.e2e.route_world import DOCUMENT, ROUTES, World, world_of_its_own
from tests.live_server import LiveHub, live_hub

# Hypothesis keeps its caches beside the tests by default; not in the repository.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "lpse-hub-hypothesis")
ON_HOST = {(r.method, r.path) for r in ROUTES if r.by_host}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def on_a_tenants_host(context: HasAPIOperation) -> bool:
    """A tenant's route without its ``/t/{slug}`` prefix: the same handler as the prefixed one,
    found by the request's host name, which these cases cannot choose (so it would be 404 each time)."""
    return (context.operation.method.upper(), context.operation.path) in ON_HOST


schema = schemathesis.openapi.from_dict(
    DOCUMENT,
    config=SchemathesisConfig.from_dict(
        {
            # Random inputs, valid and not, a few per operation (LPSE_HUB_CONFORMANCE_EXAMPLES for a
            # deeper run): the boundary cases of the coverage phase would take minutes.
            "phases": {"coverage": {"enabled": False}},
            "generation": {
                "mode": "all",
                "max-examples": int(os.environ.get("LPSE_HUB_CONFORMANCE_EXAMPLES", "8")),
                "database": "none",
            },
            # The same inputs at every run, so a failure is reproduced by running it again; another
            # seed (LPSE_HUB_CONFORMANCE_SEED) explores other inputs.
            "seed": int(os.environ.get("LPSE_HUB_CONFORMANCE_SEED", "13")),
        }
    ),
).exclude(on_a_tenants_host)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(engine: AsyncEngine, settings: Settings) -> AsyncIterator[World]:
    async with world_of_its_own(engine, settings, role_gaps=False) as world:
        yield world


@pytest.fixture(scope="module")
def hub(
    world: World, database_url: str, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveHub]:
    """A hub process on the world's database, trusting the world's tokens (the same issuer)."""
    with live_hub(
        database_url,
        tmp_path_factory.mktemp("conformance"),
        ISSUER=settings.issuer_url,
        PUBLIC_REQUESTS_PER_MINUTE="1000000",  # the catalogue's limit is not what is tested here
        PROBE_INTERVAL_SECONDS="0",
    ) as running:
        yield running


@pytest.mark.parametrize("who", ["public", "everyone"])
@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_is_one_the_document_declares(
    case: schemathesis.Case[Any], who: str, world: World, hub: LiveHub
) -> None:
    if "slug" in case.path_parameters:
        case.path_parameters["slug"] = world.a.slug  # a tenant that exists, so the routes do their work
    headers: dict[str, Any] = world.headers(world.everyone) if who == "everyone" else {}
    case.call_and_validate(base_url=hub.url, headers=headers, checks=CHECKS, timeout=30)


def test_the_document_describes_every_route(hub: LiveHub) -> None:
    """The document the live hub serves is the one the cases were drawn from."""
    served = httpx.get(f"{hub.url}/schema/openapi.json").json()
    assert served["paths"].keys() == DOCUMENT["paths"].keys()
