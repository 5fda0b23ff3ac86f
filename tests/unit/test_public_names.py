"""Each package's public names are really there (httpx's convention; ruff's RUF022 keeps them sorted)."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = [
    "federation.vendors",
    "hub.core.migrations",
    "monitoring.metrics",
    "monitoring.scrape",
    "monitoring.probes",
    "monitoring.reviews",
    "tenants.agencies",
    "tenants.audit",
    "tenants.regions",
    "tenants.registry",
    "tenants.sealing",
    "tenants.tenders",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_exists(name: str) -> None:
    module = importlib.import_module(name)
    assert all(hasattr(module, public) for public in module.__all__)
