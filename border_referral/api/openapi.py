"""OpenAPI 3 document built from the routes themselves: every /api/v1 rule contributes the
description given by `@documented`, and request and response bodies come from pydantic models."""
from __future__ import annotations

import re

from apispec import APISpec
from flask import Blueprint, current_app, jsonify

from . import documented

bp = Blueprint("openapi", __name__)

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"],
                             "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
}
STANDARD_ERRORS = {"400": "Bad input", "401": "No or bad token", "403": "Role not allowed",
                   "404": "Not found or not visible to the caller's centre"}


def _path(rule: str) -> tuple[str, list]:
    params = re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule)
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule), params


def _schema_ref(spec: APISpec, model) -> dict:
    if isinstance(model, dict):
        return model
    name = model.__name__
    if name not in spec.components.schemas:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for def_name, def_schema in schema.pop("$defs", {}).items():
            if def_name not in spec.components.schemas:
                spec.components.schema(def_name, def_schema)
        spec.components.schema(name, schema)
    return {"$ref": f"#/components/schemas/{name}"}


def build_spec(app) -> dict:
    spec = APISpec(title="border_referral API", version="1", openapi_version="3.0.3",
                   info={"description": "Case referral between paired border anti-trafficking coordination centres."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", ERROR_SCHEMA)
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/v1"):
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "openapi", None)
        if meta is None:
            continue
        path, params = _path(rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            op = {"summary": meta["summary"], "tags": [meta["tag"]], "operationId": f"{rule.endpoint}.{method.lower()}",
                  "responses": {}}
            op["parameters"] = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params]
            op["parameters"] += meta["parameters"]
            if meta["request"] is not None and method in {"POST", "PUT", "PATCH"}:
                op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _schema_ref(spec, meta["request"])}}}
            for status, (desc, model) in meta["responses"].items():
                entry = {"description": desc}
                if model is not None:
                    entry["content"] = {"application/json": {"schema": _schema_ref(spec, model)}}
                op["responses"][str(status)] = entry
            for status, desc in STANDARD_ERRORS.items():
                if meta["public"] and status in {"401", "403"}:
                    continue
                op["responses"].setdefault(status, {"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
            if not meta["public"]:
                op["security"] = [{"bearer": []}]
            paths.setdefault(path, {})[method.lower()] = op
    for path, ops in paths.items():
        spec.path(path=path, operations=ops)
    return spec.to_dict()


@bp.get("/openapi.json")
@documented("This OpenAPI document", public=True, responses={200: ("OpenAPI 3 document", None)}, tag="meta")
def openapi_json():
    return jsonify(build_spec(current_app))
