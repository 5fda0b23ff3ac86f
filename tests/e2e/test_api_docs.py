"""``/schema`` documents every operation of the app in pages of the portal's kind: an index that
links each operation's page, each page within the portal's 100 KB and with no script, an unknown
operation the portal's 404 page, and the OpenAPI document itself served as it was."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from litestar import Litestar
from litestar.testing import TestClient

from tests.browser.page_check import MAX_BYTES
from tests.e2e.route_world import document_app

APP = document_app()
DOCUMENT: dict[str, Any] = APP.openapi_schema.to_schema()
OPERATIONS = {
    operation["operationId"]: (method.upper(), path)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient[Litestar]]:
    with TestClient(APP) as client:
        yield client


def test_the_index_links_every_operation_once(client: TestClient[Litestar]) -> None:
    index = client.get("/schema")
    assert index.status_code == 200
    assert index.headers["content-type"].startswith("text/html")
    assert len(index.content) <= MAX_BYTES
    linked = re.findall(r'href="/schema/op/([^"?]+)"', index.text)
    assert sorted(linked) == sorted(OPERATIONS)
    assert 'href="/schema/openapi.json"' in index.text
    assert 'href="/schema/openapi.yaml"' in index.text
    assert "/oauth/token" in index.text  # how to get a token


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_every_operation_has_its_page(client: TestClient[Litestar], operation_id: str) -> None:
    page = client.get(f"/schema/op/{operation_id}")
    assert page.status_code == 200
    assert len(page.content) <= MAX_BYTES
    method, path = OPERATIONS[operation_id]
    assert f"<h1><code>{method} {path}</code></h1>" in page.text
    assert "<script" not in page.text
    for status in DOCUMENT["paths"][path][method.lower()]["responses"]:
        assert f"<h3>{status}</h3>" in page.text


def test_an_operations_page_shows_its_scopes_parameters_and_body_fields(client: TestClient[Litestar]) -> None:
    operation_id = next(i for i, (m, p) in OPERATIONS.items() if (m, p) == ("POST", "/t/{slug}/api/tenders"))
    page = client.get(f"/schema/op/{operation_id}?lang=en").text
    assert "A Bearer token with the scopes: <code>lpse</code>" in page
    assert '<td data-label="Name"><code>slug</code></td>' in page
    assert "<code>criteria.technical[].weight</code>" in page  # a $ref'd body, nested fields opened
    assert "Request body (required)" in page


def test_the_pages_are_indonesian_unless_english_is_chosen(client: TestClient[Litestar]) -> None:
    client.cookies.clear()  # a page of another test may have kept a choice
    assert "<h1>Referensi API</h1>" in client.get("/schema").text
    english = client.get("/schema?lang=en").text
    assert "<h1>API reference</h1>" in english
    first = next(iter(OPERATIONS))
    assert f'href="/schema/op/{first}?lang=en"' in english  # the choice follows the links


def test_an_unknown_operation_is_the_portals_not_found_page(client: TestClient[Litestar]) -> None:
    client.cookies.clear()
    missing = client.get("/schema/op/NoSuchOperation")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "Halaman tidak ditemukan" in missing.text


def test_the_document_is_served_as_it_was(client: TestClient[Litestar]) -> None:
    assert json.loads(client.get("/schema/openapi.json").content) == DOCUMENT
    assert yaml.safe_load(client.get("/schema/openapi.yaml").content) == DOCUMENT
