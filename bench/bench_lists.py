"""The pages under data: case list (first page, filtered, searched, deep), case page, page size.

    .venv/bin/python bench/bench_lists.py [--n N] [--engine sqlite|postgresql|both]

Prints per engine: list_first_ms, list_filtered_ms, list_search_name_ms, list_search_number_ms,
list_search_content_ms, list_search_id_ms, list_search_common_ms (a term in most requests),
list_deep_ms (the last page, 20 rows a page, reached by its keyset link), case_page_ms,
notifications_ms, list_page_kb and the statements each page sends (list_queries). Times are whole
requests through the Flask test client (query, rendering, CSP headers), median of REPEATS with min/max.

workbench_<role>_ms: the workbench (the landing page /, issue 13) for every role of WORKBENCH_ROLES.
"""

from __future__ import annotations

import re

from common import arguments, counted, emit, engines, login, prepared, timed

WORKBENCH_ROLES = {"office": "office1", "leader": "leader1", "section_head": "head3", "staff": "staff3_1"}


def _samples(db):
    """Real values to search for, taken from the middle of the generated data."""
    from sqlalchemy import func, select

    from tracker.disclosure.models import DisclosureRequest as R

    n = db.session.scalar(select(func.max(R.id)))
    mid = db.session.get(R, n // 2)
    last_key = db.session.execute(
        select(R.received_on, R.id).order_by(R.received_on.desc(), R.id.desc()).offset(max(n - 41, 0)).limit(1)
    ).one()
    return {
        "number": mid.number,
        "name": mid.applicant_name if len(mid.applicant_name) >= 3 else mid.applicant_name + " ",
        "id_number": mid.id_number,
        "content": mid.subject[2:],  # e.g. 棚户区改造项目立项批复: a project and a document
        "common": "申请公开",
        "case_id": mid.id,
        "deep_after": f"{last_key[0].isoformat()}~{last_key[1]}",
        "pages": (n + 19) // 20,
    }


def run(engine: str, n: int) -> None:
    from tracker.extensions import db

    app = prepared(engine, n)
    with app.app_context():
        s = _samples(db)
        client = app.test_client()
        login(client, "office1")

        def page(url: str):
            def get():
                resp = client.get(url)
                assert resp.status_code == 200, (url, resp.status_code)
                return resp

            return get

        urls = {
            "list_first": "/requests/",
            "list_filtered": "/requests/?status=open&section=3",
            "list_search_name": f"/requests/?q={s['name']}",
            "list_search_number": f"/requests/?q={s['number']}",
            "list_search_content": f"/requests/?q={s['content']}",
            "list_search_id": f"/requests/?q={s['id_number']}",
            "list_search_common": f"/requests/?q={s['common']}",
            "list_deep": f"/requests/?after={s['deep_after']}",
            "case_page": f"/requests/{s['case_id']}",
            "notifications": "/notifications/",
        }
        for name, url in urls.items():
            med, lo, hi = timed(page(url))
            emit(engine, f"{name}_ms", med, (lo, hi), unit_scale=1000)
            with counted(db.engine) as statements:
                html = page(url)().get_data(as_text=True)
            emit(engine, f"{name}_queries", len(statements))
            if name.startswith("list_search"):  # a search that finds nothing measures nothing
                hits = len(re.findall(r'href="/requests/\d+"', html))
                emit(engine, f"{name}_rows_shown", hits)
                if hits == 0:
                    raise SystemExit(f"bench: {name} found nothing on {engine}")
        emit(engine, "list_page_kb", round(len(page("/requests/")().data) / 1024, 1))
        emit(engine, "list_pages_covered", s["pages"])
        workbench(engine, app, client)


def workbench(engine: str, app, client) -> None:
    """The workbench of each role, timed like the lists."""
    from flask import url_for

    with app.test_request_context():
        url = url_for("index")  # the workbench is the landing page (tracker/workbench)
    for role, username in WORKBENCH_ROLES.items():
        c = app.test_client()
        login(c, username)
        med, lo, hi = timed(lambda c=c: c.get(url))
        emit(engine, f"workbench_{role}_ms", med, (lo, hi), unit_scale=1000)


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    for engine in engines(args):
        run(engine, args.n)


if __name__ == "__main__":
    main()
