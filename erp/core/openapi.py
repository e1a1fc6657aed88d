"""The OpenAPI 3 document, generated from the declared operations and their marshmallow schemas."""
from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from erp.core.api_framework import JSON, OPERATIONS

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}},
}


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _page_of(schema_name: str) -> dict:
    return {"type": "object", "properties": {
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{schema_name}"}},
        "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}}


def openapi_document() -> dict:
    spec = APISpec(title="yigong-erp API", version="1", openapi_version="3.0.3", plugins=[MarshmallowPlugin()])
    spec.components.schema("Error", ERROR_SCHEMA)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        operation: dict = {"summary": op.summary, "tags": op.tags, "responses": {
            "4XX": {"description": "error", "content": {"application/json": {"schema": "Error"}}}}}
        if not op.public:
            operation["security"] = [{"bearer": []}]
        if op.permission:
            operation["description"] = f"Permission: `{op.permission}`"
        if op.query:
            operation["parameters"] = [{"in": "query", "schema": op.query}]
        if op.body:
            operation["requestBody"] = {"content": {"application/json": {"schema": op.body}}}
        params = re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", op.rule)
        if params:
            operation.setdefault("parameters", []).extend(
                {"in": "path", "name": name, "required": True, "schema": {"type": "string"}} for name in params)
        if op.response is None:
            content = {"schema": {"type": "object"}}
        elif op.paged:
            name = op.response.__name__.removesuffix("Schema")
            if name not in spec.components.schemas:
                spec.components.schema(name, schema=op.response)
            content = {"schema": _page_of(name)}
        else:
            content = {"schema": op.response}
        media = {JSON: content} if JSON in op.produces else {}
        media.update((mimetype, {"schema": {"type": "string", "format": "binary"}})  # a file (FileResult)
                     for mimetype in op.produces if mimetype != JSON)
        operation["responses"][str(op.status)] = {"description": "OK", "content": media}
        paths.setdefault(_openapi_path(op.rule), {})[op.method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
