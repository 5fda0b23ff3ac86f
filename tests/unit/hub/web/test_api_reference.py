"""The API reference reads an OpenAPI document into tables: ``$ref`` followed, cycles and depth
bounded, a missing target shown rather than raised."""

from __future__ import annotations

from typing import Any

from hub.web.api_reference import MAX_DEPTH, build_reference


def document(schemas: dict[str, Any], operation: dict[str, Any], security: Any = None) -> dict[str, Any]:
    made: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/things/{id}": {"post": {"operationId": "Make", **operation}}},
        "components": {
            "schemas": schemas,
            "parameters": {
                "Id": {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
            },
        },
    }
    if security is not None:
        made["security"] = security
    return made


def body(ref: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": ref}}}, "required": True}


def test_a_schema_that_refers_to_itself_is_shown_once_and_ends() -> None:
    node = {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "description": "what it is called"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
            "parent": {"oneOf": [{"$ref": "#/components/schemas/Node"}, {"type": "null"}]},
        },
    }
    reference = build_reference(
        document({"Node": node}, {"requestBody": body("#/components/schemas/Node"), "responses": {}})
    )
    request = reference.operations["Make"].request[0]
    assert request.type == "Node"
    assert [(f.name, f.type, f.required, f.depth) for f in request.fields] == [
        ("name", "string", True, 0),
        ("children", "array of Node", False, 0),
        ("parent", "Node | null", False, 0),
    ]
    assert request.fields[0].description == "what it is called"


def test_two_schemas_in_a_cycle_open_each_other_once() -> None:
    schemas = {
        "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
        "B": {
            "type": "object",
            "properties": {"a": {"$ref": "#/components/schemas/A"}, "n": {"type": "integer"}},
        },
    }
    reference = build_reference(
        document(schemas, {"requestBody": body("#/components/schemas/A"), "responses": {}})
    )
    assert [(f.name, f.type) for f in reference.operations["Make"].request[0].fields] == [
        ("b", "B"),
        ("b.a", "A"),
        ("b.n", "integer"),
    ]


def test_nesting_deeper_than_the_limit_is_not_opened() -> None:
    schemas: dict[str, Any] = {"L0": {"type": "object", "properties": {"leaf": {"type": "string"}}}}
    for level in range(1, MAX_DEPTH + 3):
        schemas[f"L{level}"] = {
            "type": "object",
            "properties": {"down": {"$ref": f"#/components/schemas/L{level - 1}"}},
        }
    top = f"#/components/schemas/L{MAX_DEPTH + 2}"
    fields = (
        build_reference(document(schemas, {"requestBody": body(top), "responses": {}}))
        .operations["Make"]
        .request[0]
        .fields
    )
    assert max(f.depth for f in fields) == MAX_DEPTH - 1
    assert len(fields) == MAX_DEPTH
    assert fields[-1].name == ".".join(["down"] * MAX_DEPTH)


def test_parameters_responses_and_security_are_read() -> None:
    reference = build_reference(
        document(
            {
                "Thing": {
                    "type": "object",
                    "properties": {"tags": {"type": "object", "additionalProperties": {"type": "string"}}},
                }
            },
            {
                "tags": ["things"],
                "summary": "Make a thing",
                "parameters": [
                    {"$ref": "#/components/parameters/Id"},
                    {
                        "name": "at",
                        "in": "query",
                        "schema": {"type": "string", "format": "date"},
                        "description": "when",
                    },
                ],
                "responses": {
                    "201": {
                        "description": "made",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}
                            }
                        },
                    },
                    "404": {"$ref": "#/components/responses/Missing"},
                },
            },
            security=[{"oauth": ["write", "admin"]}],
        )
    )
    operation = reference.operations["Make"]
    assert (operation.method, operation.path, operation.tag, operation.summary) == (
        "POST",
        "/things/{id}",
        "things",
        "Make a thing",
    )
    assert [(p.location, p.name, p.type, p.required, p.description) for p in operation.parameters] == [
        ("path", "id", "integer", True, ""),
        ("query", "at", "string (date)", False, "when"),
    ]
    made, missing = operation.responses
    assert (made.status, made.description, made.bodies[0].type) == ("201", "made", "array of Thing")
    assert [(f.name, f.type) for f in made.bodies[0].fields] == [("tags", "map of string")]
    assert (missing.status, missing.description, missing.bodies) == (
        "404",
        "",
        (),
    )  # a target that is not there
    assert [(r.scheme, r.scopes) for r in operation.security] == [("oauth", ("write", "admin"))]
    assert reference.tags == (("things", (operation,)),)


def test_an_operation_that_declares_no_security_overrides_the_documents() -> None:
    reference = build_reference(document({}, {"security": [], "responses": {}}, security=[{"oauth": ["x"]}]))
    assert reference.operations["Make"].security == ()
