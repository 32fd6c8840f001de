"""One search function, the same hits on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm), Chinese text.

The expected ids below are the same for both engines: the suite runs this file on each."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tracker.disclosure.models import DisclosureRequest as R
from tracker.disclosure.search import search_predicate
from tracker.extensions import db

from .scale_helpers import add_requests

CASES = {
    1: (
        "依申〔2025〕第0001号",
        "张三",
        "11010119900307803X",
        "棚户区改造项目立项批复",
        "申请公开2024年示例区棚户区改造项目的立项批复文件",
    ),
    2: (
        "依申〔2025〕第0002号",
        "张三丰",
        "110101199003078011",
        "地铁三号线环评",
        "请提供地铁三号线工程环境影响评价报告书全文",
    ),
    3: ("依申〔2026〕第0001号", "示例科技有限公司", None, "价格成本监审报告", "申请公开2025年度供水价格成本监审报告"),
    4: ("依申〔2026〕第0002号", "李四", None, "GDP统计口径", "请公开本区GDP及Gdp增速的统计口径说明（100%完成_情况）"),
    5: ("依申〔2026〕第0010号", "王五", None, "会议纪要", '关于"立项"的会议纪要'),
}

QUERIES = [
    ("依申〔2025〕第0001号", [1]),  # a full case number: exact
    ("依申〔2026〕", [3, 4, 5]),  # a number prefix
    ("第0001号", [1, 3]),  # inside numbers (3+ characters)
    ("11010119900307803x", [1]),  # an ID number, lower-case check character
    ("110101", [1, 2]),  # an ID number prefix
    ("张三", [1, 2]),  # a two-character name: prefix
    ("三丰", []),  # two characters inside a name: not a prefix, too short for the trigram index
    ("张三丰", [2]),
    ("示例科技", [3]),
    ("棚户区改造", [1]),  # content / subject
    ("立项", []),  # two characters of content only: no match (SEARCH_MIN_CHARS)
    ("立项批复", [1]),
    ("环境影响评价", [2]),
    ("gdp", [4]),  # ASCII case-insensitive inside text
    ("GDP增速", [4]),
    ("100%完成_", [4]),  # LIKE metacharacters are literal
    ('"立项"', [5]),  # quotes are literal
    ("*立项", []),
    ("申请公开 2025年度", [3]),  # every term must match
    ("申请公开 棚户区", [1]),
    ("张三 地铁三号线", [2]),  # a prefix term and a content term
    ("张三 地铁", []),  # "地铁" is two characters: a prefix only, and no name starts with it
    ("不存在的内容", []),
    ("\x00\x01", None),  # control characters only: no search at all
]


@pytest.fixture()
def requests(agency, make_section):
    section = make_section("投资科")
    add_requests(agency, [section], len(CASES))
    for rid, (number, name, id_number, subject, content) in CASES.items():
        req = db.session.get(R, rid)
        req.number, req.applicant_name, req.id_number, req.subject, req.content = (
            number,
            name,
            id_number,
            subject,
            content,
        )
    db.session.commit()
    return agency


@pytest.mark.parametrize(("q", "expected"), QUERIES)
def test_search_hits(requests, q, expected):
    where = search_predicate(q, requests.id, db.session.get_bind().dialect.name)
    if expected is None:
        assert where is None
        return
    ids = db.session.scalars(select(R.id).where(R.agency_id == requests.id, where).order_by(R.id)).all()
    assert ids == expected


def test_search_follows_edits_and_deletes(requests):
    dialect = db.session.get_bind().dialect.name
    req = db.session.get(R, 3)
    req.content = "改为申请公开污水处理厂运行数据"
    db.session.commit()

    def hits(q):
        return db.session.scalars(select(R.id).where(search_predicate(q, requests.id, dialect))).all()

    assert hits("污水处理厂") == [3]
    assert hits("供水价格") == []
    db.session.delete(db.session.get(R, 3))
    db.session.commit()
    assert hits("污水处理厂") == []


def test_search_page_says_short_terms_only_match_prefixes(client, login, make_user, requests):
    login(make_user("office"))
    html = client.get("/requests/?q=立项").get_data(as_text=True)
    assert "不足3个字" in html and "没有符合条件的申请" in html
    html = client.get("/requests/?q=立项批复").get_data(as_text=True)
    assert "依申〔2025〕第0001号" in html and "依申〔2026〕第0010号" not in html


@pytest.mark.parametrize("few", [5000, 0], ids=["listed-by-id", "row-filter"])
def test_both_plans_of_the_list_find_the_same_rows(requests, monkeypatch, few):
    from tracker.disclosure import search

    monkeypatch.setattr(search, "FEW", few)
    dialect = db.session.get_bind().dialect.name
    for q, expected in QUERIES:
        found = search.resolve(q, requests.id, dialect, db.session)
        if expected is None:
            assert found is None
            continue
        assert found.few == (few > 0 or not expected)  # no match at all is "few" whatever the bound
        ids = db.session.scalars(select(R.id).where(R.agency_id == requests.id, found.where).order_by(R.id)).all()
        assert ids == expected, q
