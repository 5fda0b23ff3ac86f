"""The API documentation at ``/schema``: the hub's own pages, made from its OpenAPI document.

``/schema`` lists every operation by tag (method, path, summary) with how to get a token and links
to the document itself (``/schema/openapi.json``, ``/schema/openapi.yaml``, unchanged);
``/schema/op/{operationId}`` shows one operation: the scopes it needs, its parameters, its request
body and its responses as field tables (``hub.web.api_reference``). Server-rendered with the
portal's layout and stylesheet, in the reader's language (the API itself is English): no script,
nothing from another host, each page well under the portal's 100 KB. An unknown operation is the
portal's 404 page.

The reference is built from the document once per app, on the first visit (the document does not
change while the app runs); each visit only renders a template.
"""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Router, get
from litestar.datastructures import State
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin, YamlRenderPlugin
from litestar.params import FromPath
from litestar.response import Template

from federation.identity.policy import SCOPE_MEANINGS
from hub.web.api_reference import Reference, build_reference
from hub.web.controllers.portal import Reader


class ApiReference(OpenAPIRenderPlugin):
    """``/schema`` (Litestar's render plugin for the root) and ``/schema/op/{operation_id}``."""

    def __init__(self) -> None:
        super().__init__(path="/", media_type=MediaType.HTML)
        self._reference: Reference | None = None

    def reference(self, request: Request[Any, Any, Any]) -> Reference:
        """The app's reference, built on the first call."""
        if self._reference is None:
            self._reference = build_reference(request.app.openapi_schema.to_schema())
        return self._reference

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        """The index. Litestar's handler for a render plugin answers bytes, so the template is
        rendered here; its links carry a language the query chose (this page sets no cookie)."""
        reader = Reader(request)
        page = reader.page(
            "api_index.html",
            reference=self.reference(request),
            scopes=[
                (scope.value, meanings[0 if reader.lang == "id" else 1])
                for scope, meanings in SCOPE_MEANINGS.items()
            ],
            link_query=_link_query(reader),
        )
        engine = request.app.template_engine
        if engine is None:  # never: the app is built with the portal's templates (hub.web.app)
            raise RuntimeError("the API reference needs the app's template engine")
        html: str = engine.get_template(page.template_name or "").render(**page.context)
        return html.encode()

    def receive_router(self, router: Router) -> None:
        @get("/op/{operation_id:str}", media_type=MediaType.HTML, sync_to_thread=False)
        def operation_page(request: Request[Any, Any, State], operation_id: FromPath[str]) -> Template:
            reader = Reader(request)
            reference = self.reference(request)
            operation = reference.operations.get(operation_id)
            if operation is None:
                return reader.error(404, reader.t("notfound.text"))
            return reader.page("api_operation.html", op=operation, link_query=_link_query(reader))

        router.register(operation_page)


def _link_query(reader: Reader) -> str:
    return f"?lang={reader.chosen}" if reader.chosen else ""


def render_plugins() -> list[OpenAPIRenderPlugin]:
    """What ``/schema`` serves: the reference at its root and per operation, and the document as
    JSON and YAML."""
    return [ApiReference(), JsonRenderPlugin(), YamlRenderPlugin()]
