"""A ledger column is one entry of the field spec (tracker/ledger/fields.py).

The test adds 联系电话 to the requests sheet — the one line a developer would add to SPECS — and follows
it through everything the spec drives: the template, reading and its limit, writing a new request, the
re-import's comparison (and a blank cell keeping the stored value), and the export, which imports again.
"""

from __future__ import annotations

import dataclasses
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tracker.disclosure.models import DisclosureRequest
from tracker.extensions import db
from tracker.ledger import export, fields
from tracker.ledger.parse import LedgerInvalid
from tracker.ledger.service import import_ledger

TODAY = date(2024, 6, 30)
HEADER = "编号,收到日期,申请人类型,申请人,申请内容,电话"

PHONE = fields.Field("phone", "联系电话", aliases=("电话",), limit=40, keeps_stored=True)


@pytest.fixture()
def with_phone(monkeypatch):
    spec = fields.SPECS[fields.REQUESTS]
    monkeypatch.setitem(fields.SPECS, fields.REQUESTS, dataclasses.replace(spec, fields=(*spec.fields, PHONE)))


def run(agency, *rows: str):
    data = ("\n".join([HEADER, *rows]) + "\n").encode()
    return import_ledger(None, "台账.csv", data, agency=agency, today=TODAY, who="测试")


def test_the_new_column_is_read_written_compared_and_exported(agency, with_phone):
    template = load_workbook(io.BytesIO(export.template_workbook(fields.REQUESTS)))
    assert "联系电话" in [c.value for c in template["依申请公开"][1]]
    assert "联系电话" in {r[0] for r in template["填写说明"].iter_rows(values_only=True)}

    with pytest.raises(LedgerInvalid) as e:
        run(agency, "A-1,2024-06-03,自然人,张三,某文件," + "1" * 41)
    assert [str(p) for p in e.value.problems] == ["第2行 联系电话: 不能超过40个字（现为41个字），请精简"]

    run(agency, "A-1,2024-06-03,自然人,张三,某文件,010-12345678")
    req = db.session.scalars(select(DisclosureRequest)).one()
    assert req.phone == "010-12345678"

    summary = run(agency, "A-1,2024-06-03,自然人,张三,某文件,13800000000")
    assert vars(summary.counts["requests"]) == {"created": 0, "updated": 1, "unchanged": 0}
    db.session.expire_all()
    assert req.phone == "13800000000"
    summary = run(agency, "A-1,2024-06-03,自然人,张三,某文件,")  # a blank cell keeps what is stored
    assert vars(summary.counts["requests"]) == {"created": 0, "updated": 0, "unchanged": 1}

    exported, _ = export.requests_workbook(select(DisclosureRequest).order_by(DisclosureRequest.id))
    ws = load_workbook(io.BytesIO(exported))["依申请公开"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][rows[0].index("联系电话")] == "13800000000"
    summary = import_ledger(None, "export.xlsx", exported, agency=agency, today=TODAY, who="测试")
    assert vars(summary.counts["requests"]) == {"created": 0, "updated": 0, "unchanged": 1}


def test_without_the_entry_the_column_is_reported_and_ignored(agency):
    summary = run(agency, "A-1,2024-06-03,自然人,张三,某文件,010-12345678")
    assert summary.unknown_columns == {"台账.csv": ["电话"]}
    assert db.session.scalars(select(DisclosureRequest)).one().phone is None
