"""Helpers of the API tests: a platform token, a valid body, and a client that checks every response
against the OpenAPI document (tests/integration/test_api_schema.py reads what it saw)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tracker.rules.clock import CHINA_TZ, utcnow

VALID_ID = "11010519491231002X"


def body(**over) -> dict:
    confirmed = (utcnow() - timedelta(hours=1)).astimezone(CHINA_TZ).isoformat(timespec="seconds")
    data = {
        "submission_id": "ZX2026113000017",
        "confirmed_at": confirmed,
        "applicant": {
            "type": "natural_person",
            "name": "张三",
            "id_number": VALID_ID,
            "phone": "13800138000",
            "address": "某市某区某路1号",
        },
        "content": "请公开某项目的立项批复文件。",
        "provision_form": "electronic",
    }
    data.update(over)
    return data


def china(moment: datetime) -> str:
    return moment.astimezone(CHINA_TZ).isoformat(timespec="seconds")


class Api:
    """A test client speaking to /api/v1 with a token; every response is checked against the schema."""

    def __init__(self, client, secret: str | None):
        self.client = client
        self.secret = secret

    def headers(self, extra=None):
        h = {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
        return {**h, **(extra or {})}

    def post(self, path, json=None, data=None, content_type="application/json", headers=None):
        from .api_schema import check

        resp = self.client.post(
            f"/api/v1{path}", json=json, data=data, content_type=content_type, headers=self.headers(headers)
        )
        check("post", path, resp)
        return resp

    def get(self, path, headers=None):
        from .api_schema import check

        resp = self.client.get(f"/api/v1{path}", headers=self.headers(headers))
        check("get", path, resp)
        return resp


@pytest.fixture()
def token(agency):
    from tracker.api import tokens

    _, secret = tokens.create_token(None, agency, "省政府门户网站在线申请平台")
    return secret


@pytest.fixture()
def api(client, token):
    return Api(client, token)
