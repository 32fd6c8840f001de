"""The year-end report over 1,000,000 requests of one year, against one hand-written aggregate query.

Generates the requests inside the database (INSERT … SELECT over a recursive CTE on SQLite,
generate_series on PostgreSQL), then times:
- report_table3: tracker.reports.derive.derive_table3 (table 三 plus the counts from the same scan);
- baseline: one hand-written `SELECT applicant_type, outcome, COUNT(*) … GROUP BY applicant_type, outcome`
  over the same rows — the least any grouping of those rows can cost;
- handwritten_table3: table 三's own conditional aggregate written by hand as one SQL string (what the
  ORM layer and the Python folding add on top of the SQL itself);
- report_full: the whole derive() (tables 二/三/四, summary, other matters, the previous year, checks).
Prints `name=value` lines; times are the best of REPEATS runs after one warm-up run.

    .venv/bin/python bench/bench_report.py [--rows N] [--postgres postgresql+psycopg://…/postgres]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, text  # noqa: E402

YEAR = 2023
REPEATS = 5
TYPES = (
    "natural_person",
    "natural_person",
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "public_interest_org",
    "legal_service_org",
    "other_org",
)


def _case(expr: str, values: tuple[str, ...]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE ({expr}) % {len(values)} {whens} END"


def _request_columns(dialect: str, agency_id: int) -> dict[str, str]:
    """SQL expressions of n (1..N) for the columns of disclosure_request that we fill on purpose."""
    from tracker.rules.outcomes import CODES

    if dialect == "sqlite":
        received = f"date('{YEAR}-01-01', '+' || (n % 365) || ' days')"
        concluded = f"date('{YEAR}-01-01', '+' || ((n % 365) + (n % 40)) || ' days')"
        fee_paid = f"date('{YEAR}-01-01', '+' || ((n % 365) + 10) || ' days')"
        now = "'2024-03-01 00:00:00.000000'"
    else:
        received = f"DATE '{YEAR}-01-01' + (n % 365)"
        concluded = f"DATE '{YEAR}-01-01' + ((n % 365) + (n % 40))"
        fee_paid = f"DATE '{YEAR}-01-01' + ((n % 365) + 10)"
        now = "TIMESTAMPTZ '2024-03-01 00:00:00+00'"
    is_open = "n % 10 = 0"  # one in ten still open (some of the rest conclude next year: carried out)
    return {
        "agency_id": str(agency_id),
        "year": str(YEAR),
        "seq": "n",
        "number": "'B-' || n",
        "applicant_type": _case("n", TYPES),
        "applicant_name": "'申请人'",
        "channel": "'online'",
        "received_on": received,
        "subject": "'申请'",
        "content": "'申请内容'",
        "status": f"CASE WHEN {is_open} THEN 'in_progress' ELSE 'concluded' END",
        "outcome": f"CASE WHEN {is_open} THEN NULL ELSE {_case('n / 7', CODES)} END",
        "concluded_on": f"CASE WHEN {is_open} THEN NULL ELSE {concluded} END",
        "fee_amount": "CASE WHEN n % 97 = 0 THEN 100 ELSE NULL END",
        "fee_paid_on": f"CASE WHEN n % 97 = 0 THEN {fee_paid} ELSE NULL END",
        "created_at": now,
        "updated_at": now,
        "source": "'bench'",
    }


def _literal(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def insert_requests(conn, dialect: str, agency_id: int, rows: int) -> None:
    from tracker.disclosure.models import DisclosureRequest

    table = DisclosureRequest.__table__
    columns = _request_columns(dialect, agency_id)
    # every other NOT NULL column (some added by other parts of the product) gets its model default
    for col in table.columns:
        if col.name in columns or col.primary_key or col.nullable or col.server_default is not None:
            continue
        if col.default is None or callable(col.default.arg):
            raise SystemExit(f"bench: no value for NOT NULL column {col.name}")
        columns[col.name] = _literal(col.default.arg)
    names = ", ".join(columns)
    values = ", ".join(columns.values())
    if dialect == "sqlite":
        source = f"WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {rows}) SELECT {values} FROM seq"
    else:
        source = f"SELECT {values} FROM generate_series(1, {rows}) AS seq(n)"
    conn.execute(text(f"INSERT INTO disclosure_request ({names}) {source}"))
    # one in five requests carries a topic tag
    conn.execute(
        text(
            "INSERT INTO request_tag (request_id, tag) SELECT id, "
            + _case("id", ("项目立项", "价格", "规划", "收费", "信用"))
            + " FROM disclosure_request WHERE id % 5 = 0"
        )
    )


def best(fn, repeats: int = REPEATS) -> tuple[float, float]:
    fn()  # warm-up: caches, first compile
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def run(url: str, rows: int, label: str) -> None:
    from tracker import create_app
    from tracker.accounts.models import Agency
    from tracker.extensions import db
    from tracker.reports.derive import derive, derive_table3

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "TESTING": True,
            "ENV_NAME": "testing",
            "SECRET_KEY": "bench",
            "AGENCY_NAME": "基准测试局",
        }
    )
    with app.app_context():
        db.create_all()
        agency = Agency(name="基准测试局", settings={})
        db.session.add(agency)
        db.session.commit()
        dialect = db.engine.dialect.name
        t0 = time.perf_counter()
        with db.engine.begin() as conn:
            if dialect == "sqlite":
                conn.exec_driver_sql("PRAGMA synchronous = OFF")
            insert_requests(conn, dialect, agency.id, rows)
        insert_seconds = time.perf_counter() - t0
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        count = db.session.scalar(text("SELECT COUNT(*) FROM disclosure_request"))

        baseline_sql = text(
            "SELECT applicant_type, outcome, COUNT(*) FROM disclosure_request "
            "WHERE agency_id = :a GROUP BY applicant_type, outcome"
        )
        baseline_min, baseline_med = best(lambda: db.session.execute(baseline_sql, {"a": agency.id}).all())
        start, end = f"{YEAR}-01-01", f"{YEAR}-12-31"
        in_year = f"concluded_on BETWEEN '{start}' AND '{end}'"
        handwritten = text(
            f"SELECT applicant_type, outcome, "
            f"SUM(CASE WHEN received_on BETWEEN '{start}' AND '{end}' THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN received_on < '{start}' AND (concluded_on IS NULL OR concluded_on >= '{start}') THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN {in_year} THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN received_on <= '{end}' AND (concluded_on IS NULL OR concluded_on > '{end}') THEN 1 ELSE 0 END) "
            f"FROM disclosure_request WHERE agency_id = :a AND (received_on <= '{end}' OR {in_year}) "
            f"GROUP BY applicant_type, outcome"
        )
        hand_min, hand_med = best(lambda: db.session.execute(handwritten, {"a": agency.id}).all())
        t3_min, t3_med = best(lambda: derive_table3(agency.id, YEAR))
        full_min, full_med = best(lambda: derive(agency.id, YEAR), repeats=3)

        statements: list[str] = []
        listener = lambda *a: statements.append(a[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        report = derive(agency.id, YEAR)
        event.remove(db.engine, "before_cursor_execute", listener)

    t3 = report["table3"]
    print(f"{label}_rows={count}")
    print(f"{label}_insert_seconds={insert_seconds:.2f}")
    print(f"{label}_baseline_single_query_seconds={baseline_min:.4f}")
    print(f"{label}_baseline_single_query_median_seconds={baseline_med:.4f}")
    print(f"{label}_handwritten_table3_query_seconds={hand_min:.4f}")
    print(f"{label}_report_table3_seconds={t3_min:.4f}")
    print(f"{label}_report_table3_median_seconds={t3_med:.4f}")
    print(f"{label}_ratio_table3_to_baseline={t3_min / baseline_min:.2f}")
    print(f"{label}_ratio_table3_to_handwritten_table3={t3_min / hand_min:.2f}")
    print(f"{label}_report_full_seconds={full_min:.4f}")
    print(f"{label}_ratio_full_to_baseline={full_min / baseline_min:.2f}")
    print(f"{label}_queries_in_full_report={len(statements)}")
    print(f"{label}_table3_new_total={t3['new']['total']}")
    print(f"{label}_table3_total_total={t3['total']['total']}")
    print(f"{label}_table3_carried_out_total={t3['carried_out']['total']}")
    print(f"{label}_checks_ok={all(c['ok'] for c in report['checks'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="server URL (…/postgres); a throwaway database is created and dropped")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db", args.rows, "sqlite")

    if args.postgres:
        import psycopg

        base = args.postgres.rpartition("/")[0]
        name = f"tracker_bench_{uuid.uuid4().hex[:8]}"
        admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            run(f"{base}/{name}", args.rows, "postgresql")
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
