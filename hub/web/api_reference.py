"""The API reference the hub shows at ``/schema``, read from its own OpenAPI document.

The document (a dict, as ``/schema/openapi.json`` serves it) becomes plain records a template lays
out as tables: the operations grouped by tag, and for each its parameters, request body, responses
and the scopes it needs. A schema's ``$ref`` is followed into a flat list of fields, each with its
depth (``items.id`` is one level under ``items``), so a page is a table and needs no script. The
expansion stops at ``MAX_DEPTH`` levels and at a ``$ref`` already being expanded above it (a cycle):
such a field shows its type's name and is not opened again.

The document does not change while the app runs, so ``build_reference`` runs once per app
(``hub.web.controllers.api_docs``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
MAX_DEPTH = 4
"""How many levels of nested fields a table opens; deeper ones show their type only."""
UNTAGGED = "other"


@dataclass(frozen=True)
class Field:
    """One row of a fields table: ``depth`` levels under the body's top, ``name`` its whole path
    (``criteria.technical[].name``: ``[]`` an array's items, ``{}`` a map's values)."""

    name: str
    type: str
    required: bool
    description: str
    depth: int


@dataclass(frozen=True)
class Parameter:
    location: str
    """``path``, ``query``, ``header`` or ``cookie``."""
    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class Body:
    """A request's or a response's content of one media type."""

    media_type: str
    type: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Response:
    status: str
    description: str
    bodies: tuple[Body, ...]


@dataclass(frozen=True)
class Requirement:
    """One way to be allowed: a security scheme and the scopes the token needs in it."""

    scheme: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class Operation:
    id: str
    method: str
    """Upper case: ``GET``."""
    path: str
    tag: str
    summary: str
    description: str
    deprecated: bool
    parameters: tuple[Parameter, ...]
    request: tuple[Body, ...]
    request_required: bool
    responses: tuple[Response, ...]
    security: tuple[Requirement, ...]
    """Any one of them allows the call; empty: no token needed."""


@dataclass(frozen=True)
class Reference:
    title: str
    version: str
    description: str
    tags: tuple[tuple[str, tuple[Operation, ...]], ...]
    """Each tag (in the document's order of first use) with its operations."""
    operations: Mapping[str, Operation]
    """By operation id."""


def build_reference(document: Mapping[str, Any]) -> Reference:
    """The reference of an OpenAPI 3 ``document``."""
    schemas = Schemas(document)
    default_security = document.get("security") or []
    operations: dict[str, Operation] = {}
    for path, item in (document.get("paths") or {}).items():
        shared = item.get("parameters") or []
        for method in METHODS:
            raw = item.get(method)
            if raw is None:
                continue
            operation = _operation(schemas, path, method, raw, shared, default_security)
            operations[operation.id] = operation
    tags: dict[str, list[Operation]] = {}
    for operation in operations.values():
        tags.setdefault(operation.tag, []).append(operation)
    info = document.get("info") or {}
    return Reference(
        title=str(info.get("title", "")),
        version=str(info.get("version", "")),
        description=str(info.get("description", "")),
        tags=tuple((tag, tuple(listed)) for tag, listed in tags.items()),
        operations=operations,
    )


def _operation(
    schemas: Schemas,
    path: str,
    method: str,
    raw: Mapping[str, Any],
    shared: list[Any],
    default_security: list[Any],
) -> Operation:
    operation_id = str(raw.get("operationId") or f"{method}-{path}")
    request = schemas.resolve(raw.get("requestBody") or {})
    security = raw.get("security", default_security) or []
    return Operation(
        id=operation_id,
        method=method.upper(),
        path=path,
        tag=str((raw.get("tags") or [UNTAGGED])[0]),
        summary=str(raw.get("summary") or ""),
        description=str(raw.get("description") or ""),
        deprecated=bool(raw.get("deprecated")),
        parameters=tuple(_parameter(schemas, p) for p in [*shared, *(raw.get("parameters") or [])]),
        request=_bodies(schemas, request.get("content") or {}),
        request_required=bool(request.get("required")),
        responses=tuple(
            _response(schemas, status, response) for status, response in (raw.get("responses") or {}).items()
        ),
        security=tuple(
            Requirement(scheme, tuple(scopes))
            for requirement in security
            for scheme, scopes in requirement.items()
        ),
    )


def _parameter(schemas: Schemas, raw: Mapping[str, Any]) -> Parameter:
    resolved = schemas.resolve(raw)
    return Parameter(
        location=str(resolved.get("in", "")),
        name=str(resolved.get("name", "")),
        type=schemas.type_of(resolved.get("schema") or {}),
        required=bool(resolved.get("required")),
        description=str(resolved.get("description") or ""),
    )


def _response(schemas: Schemas, status: str, raw: Mapping[str, Any]) -> Response:
    resolved = schemas.resolve(raw)
    return Response(
        status=str(status),
        description=str(resolved.get("description") or ""),
        bodies=_bodies(schemas, resolved.get("content") or {}),
    )


def _bodies(schemas: Schemas, content: Mapping[str, Any]) -> tuple[Body, ...]:
    bodies = []
    for media_type, media in content.items():
        schema = media.get("schema") or {}
        bodies.append(Body(media_type, schemas.type_of(schema), tuple(schemas.fields(schema))))
    return tuple(bodies)


class Schemas:
    """The document's ``$ref`` targets, followed with care: a missing one is shown, never raised."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    def target(self, ref: str) -> Mapping[str, Any]:
        """What a local ``$ref`` (``#/components/schemas/X``) points at; empty if nothing."""
        node: Any = self.document
        for part in ref.removeprefix("#/").split("/"):
            if not isinstance(node, Mapping):
                return {}
            node = node.get(part.replace("~1", "/").replace("~0", "~"))
        return node if isinstance(node, Mapping) else {}

    def resolve(self, raw: Mapping[str, Any]) -> Mapping[str, Any]:
        """``raw``, or what its ``$ref`` points at (one hop per ref, a bounded chain)."""
        seen: set[str] = set()
        while isinstance(raw.get("$ref"), str) and raw["$ref"] not in seen:
            seen.add(raw["$ref"])
            raw = self.target(raw["$ref"])
        return raw

    def type_of(self, schema: Mapping[str, Any]) -> str:
        """A schema's type in a few words: ``TenderView``, ``array of TenderView``, ``string
        (date-time)``, ``integer | null``, ``one of: a, b``."""
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return ref.rsplit("/", 1)[-1]
        for combined in ("oneOf", "anyOf", "allOf"):
            if combined in schema:
                glue = " & " if combined == "allOf" else " | "
                return glue.join(self.type_of(s) for s in schema[combined])
        if "enum" in schema:
            return "one of: " + ", ".join(str(v) for v in schema["enum"])
        if "const" in schema:
            return repr(schema["const"])
        kind = schema.get("type")
        if isinstance(kind, list):
            return " | ".join(self.type_of({**schema, "type": k}) for k in kind)
        if kind == "array":
            return f"array of {self.type_of(schema.get('items') or {})}"
        if (
            kind == "object"
            and "properties" not in schema
            and isinstance(schema.get("additionalProperties"), Mapping)
        ):
            return f"map of {self.type_of(schema['additionalProperties'])}"
        shown = str(kind) if kind else "any"
        return f"{shown} ({schema['format']})" if "format" in schema else shown

    def fields(self, schema: Mapping[str, Any]) -> Iterator[Field]:
        """The rows of a body's table: the properties of the object ``schema`` is (or holds: an
        array's items, a union's members), each followed by its own fields one level deeper."""
        return self._fields(schema, 0, frozenset(), "")

    def _fields(
        self, schema: Mapping[str, Any], depth: int, open_refs: frozenset[str], prefix: str
    ) -> Iterator[Field]:
        if depth >= MAX_DEPTH:
            return
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if ref in open_refs:
                return  # a cycle: the type's name was shown, its fields are shown above
            yield from self._fields(self.target(ref), depth, open_refs | {ref}, prefix)
            return
        if schema.get("type") == "array" or "items" in schema:
            yield from self._fields(schema.get("items") or {}, depth, open_refs, prefix)
            return
        for combined in ("allOf", "oneOf", "anyOf"):
            for member in schema.get(combined) or []:
                yield from self._fields(member, depth, open_refs, prefix)
        additional = schema.get("additionalProperties")
        if isinstance(additional, Mapping) and "properties" not in schema:
            yield from self._fields(additional, depth, open_refs, prefix)
        required = set(schema.get("required") or [])
        for name, raw in (schema.get("properties") or {}).items():
            yield Field(
                name=f"{prefix}{name}",
                type=self.type_of(raw),
                required=name in required,
                description=str(self.resolve(raw).get("description") or raw.get("description") or ""),
                depth=depth,
            )
            yield from self._fields(raw, depth + 1, open_refs, f"{prefix}{name}{self._container(raw)}.")

    def _container(self, schema: Mapping[str, Any]) -> str:
        """``[]`` when ``schema`` is an array (or may be one), ``{}`` a map, else nothing."""
        resolved = self.resolve(schema)
        if resolved.get("type") == "array" or "items" in resolved:
            return "[]"
        if isinstance(resolved.get("additionalProperties"), Mapping) and "properties" not in resolved:
            return "{}"
        for member in [*(resolved.get("oneOf") or []), *(resolved.get("anyOf") or [])]:
            if shown := self._container(member):
                return shown
        return ""
