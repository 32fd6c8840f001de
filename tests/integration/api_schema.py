"""Every response of the API tests, validated against /api/v1/openapi.json (jsonschema, Draft 2020-12 —
the dialect of OpenAPI 3.1). check() raises on a response outside the document: an undocumented status
code, a body that is not JSON where JSON is documented, or a body outside its schema."""

from __future__ import annotations

import re
from functools import cache

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec

SEEN: list[tuple[str, str, int]] = []


@cache
def _document() -> dict:
    from tracker.api.openapi import document

    doc = document()
    validate_spec(doc)  # the document itself is valid OpenAPI 3.1
    return doc


def _operation(method: str, path: str) -> dict:
    doc = _document()
    bare = path.split("?")[0]
    for template, item in doc["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$"
        if re.match(pattern, bare) and method in item:
            return item[method]
    raise AssertionError(f"{method.upper()} {path} is not in the OpenAPI document")


def check(method: str, path: str, resp) -> None:
    op = _operation(method, path)
    code = str(resp.status_code)
    assert code in op["responses"], (
        f"{method.upper()} {path} answered {code}, not documented: {resp.get_data()[:300]!r}"
    )
    spec = op["responses"][code]
    content = spec.get("content", {})
    if "application/json" in content:
        assert resp.mimetype == "application/json", f"{path} {code}: {resp.mimetype}"
        schema = {**content["application/json"]["schema"], "components": _document()["components"]}
        errors = sorted(Draft202012Validator(schema).iter_errors(resp.get_json()), key=str)
        assert not errors, f"{method.upper()} {path} {code}: {[e.message for e in errors]}"
    elif content:
        assert resp.mimetype in content, f"{path} {code}: {resp.mimetype} not in {list(content)}"
    SEEN.append((method, path, resp.status_code))
