"""Fixtures that load and render the chart (see tests/deploy/chart.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import helm_python as helm
import pytest
import yaml

from tests.deploy.chart import CHART, NAMESPACE, RELEASE, Manifest, Render


@pytest.fixture(scope="session")
def chart() -> Iterator[Any]:
    loaded = helm.Chart.load(CHART)
    yield loaded
    loaded.close()


@pytest.fixture(scope="session")
def render(chart: Any) -> Render:
    """``render(values)``: the manifests of an install, hooks included, NOTES.txt left out."""

    def _render(values: dict[str, Any] | None = None, **options: Any) -> list[Manifest]:
        files = chart.render(values or {}, name=RELEASE, namespace=NAMESPACE, is_install=True, **options)
        manifests: list[Manifest] = []
        for path, text in sorted(files.items()):
            if path.endswith(".yaml"):
                manifests.extend(doc for doc in yaml.safe_load_all(text) if doc)
        return manifests

    return _render
