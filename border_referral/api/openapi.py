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
                             "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                            "field": {"type": "string", "description": "the refused input, "
                                                      "dotted for nested JSON (e.g. clocks.custody.hours)"}}}},
}
STANDARD_ERRORS = {"400": "Bad input", "401": "No or bad token", "403": "Role not allowed",
                   "404": "Not found or not visible to the caller's centre"}
# Declared by kind of operation, as the code answers them (errors.py, inputs.py, api.json_body):
# anything that takes input (a body, a query, a change) may find it not valid; a body may be too
# large; a change to an existing record may meet a newer version or a state that does not allow it.
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
INPUT_ERROR = ("422", "Input not valid (the message names the field)")
TOO_LARGE = ("413", "The body is larger than allowed")
CONFLICT = ("409", "Conflict: the record changed in the meantime (stale version), or its state does not allow this")


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
            errors = dict(STANDARD_ERRORS)
            write = method in WRITE_METHODS
            if write or any(p.get("in") == "query" for p in meta["parameters"]):
                errors.setdefault(*INPUT_ERROR)
            if write:
                errors.setdefault(*TOO_LARGE)
            if write and params:
                errors.setdefault(*CONFLICT)
            for status, desc in errors.items():
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
