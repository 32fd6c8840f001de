"""The OpenAPI document: valid OpenAPI 3.1, served at /api/v1/openapi.json, and a property-based run of
malformed and half-valid bodies against it — no 5xx, and no response outside the document (every API
test's responses are checked against it too: api_helpers.Api → api_schema.check)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tracker.api.openapi import document
from tracker.disclosure.models import DisclosureRequest
from tracker.extensions import db

from .api_helpers import body, china
from .api_schema import check

HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(["", " ", "\x00", "\u202e", "字" * 6000, "2026-02-30T00:00:00+08:00", "9999-12-31T23:59:59Z"]),
)
JSON_SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=False), HOSTILE_TEXT
)
JSON_ANY = st.recursive(
    JSON_SCALAR,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def test_the_document_is_valid_openapi_3_1_and_served_without_a_token(client):
    from openapi_spec_validator import validate

    doc = document()
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200 and resp.get_json() == json.loads(json.dumps(doc))
    ops = {(m, p) for p, item in doc["paths"].items() for m in item}
    assert ops >= {
        ("post", "/requests"),
        ("get", "/requests/{submission_id}"),
        ("get", "/requests/{submission_id}/answer"),
        ("post", "/requests/{submission_id}/delivered"),
    }


def _field(valid):
    return st.one_of(st.just(valid), JSON_ANY)


@st.composite
def half_valid(draw):
    """A valid body with some fields replaced by anything, some removed, some added."""
    base = body(submission_id=draw(st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.:-]{0,20}\Z")))
    out = {}
    for key, value in base.items():
        if draw(st.booleans()) and draw(st.booleans()):
            continue  # removed
        if key == "applicant" and draw(st.booleans()):
            out[key] = {k: draw(_field(v)) for k, v in value.items()}
        else:
            out[key] = draw(_field(value))
    if draw(st.booleans()):
        out[draw(st.text(max_size=10))] = draw(JSON_ANY)
    return out


@pytest.mark.slow
def test_malformed_bodies_never_get_a_5xx_or_an_undocumented_answer(api, app_ctx):
    app_ctx.config["API_RATE_PER_MINUTE"] = 10**6
    created = {"n": 0}
    try:

        @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        @given(st.one_of(half_valid(), JSON_ANY))
        def one(payload):
            db.session.rollback()
            resp = api.post("/requests", json=payload)  # api.post checks the response against the document
            assert resp.status_code in (200, 201, 400, 413)
            if resp.status_code == 201:
                created["n"] += 1
            sid = payload.get("submission_id") if isinstance(payload, dict) else None
            if isinstance(sid, str) and sid and "/" not in sid and "?" not in sid and "#" not in sid:
                api.get(f"/requests/{sid}")
                api.post(f"/requests/{sid}/delivered", json={"delivered_at": payload.get("confirmed_at")})

        one()

        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        @given(st.binary(max_size=300))
        def raw(data):
            db.session.rollback()
            resp = api.client.post(
                "/api/v1/requests", data=data, content_type="application/json", headers=api.headers()
            )
            check("post", "/requests", resp)
            assert resp.status_code in (400, 413)

        raw()
    finally:
        app_ctx.config["API_RATE_PER_MINUTE"] = 120
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(DisclosureRequest)) <= created["n"]


def test_a_valid_body_drawn_from_the_schema_vocabularies_is_accepted(api):
    """Every applicant type, ID type and provision form the document lists is one the service takes."""
    doc = document()["components"]["schemas"]
    for i, kind in enumerate(doc["Applicant"]["properties"]["type"]["enum"]):
        applicant = {"type": kind, "name": "某某", "id_type": "none"}
        resp = api.post("/requests", json=body(submission_id=f"T{i}", applicant=applicant))
        assert resp.status_code == 201, (kind, resp.get_json())
    for j, form in enumerate(doc["NewRequest"]["properties"]["provision_form"]["enum"]):
        assert api.post("/requests", json=body(submission_id=f"P{j}", provision_form=form)).status_code == 201
    assert china  # (the helper used by the other API tests)
