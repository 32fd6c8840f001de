"""The year-end report of one year against hand-written SQL over the same rows.

    .venv/bin/python bench/bench_report.py [--n N] [--engine sqlite|postgresql|both] [--year 2025]

Prints per engine:
- report_s: the whole tracker.reports.derive.derive() of the year (tables 二/三/四, summary, other
  matters, the previous year's figures, every check, the data-quality counts);
- sql_s: one hand-written query computing table 三 for the year (the conditional aggregate, bounded by
  the year as the product's query is), i.e. the least SQL the report's main table needs;
- baseline_s: one `GROUP BY applicant_type, outcome` over that year's received rows alone;
- report_vs_sql_ratio (target ≤ 1.2) and report_vs_baseline_ratio (target ≤ 2);
- report_queries: statements one report sends; rows_in_year.
Median of REPEATS runs after a warm-up, with min/max.
"""

from __future__ import annotations

from common import arguments, counted, emit, engines, prepared, timed, year_argument
from sqlalchemy import text


def run(engine: str, n: int, year: int) -> None:
    from tracker.extensions import db
    from tracker.reports.derive import derive

    app = prepared(engine, n)
    start, end = f"{year}-01-01", f"{year}-12-31"
    in_year = f"concluded_on BETWEEN '{start}' AND '{end}'"
    received = f"received_on BETWEEN '{start}' AND '{end}'"
    table3 = text(
        f"SELECT applicant_type, outcome, "
        f"SUM(CASE WHEN {received} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN received_on < '{start}' AND (concluded_on IS NULL OR concluded_on >= '{start}') THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {in_year} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN received_on <= '{end}' AND (concluded_on IS NULL OR concluded_on > '{end}') THEN 1 ELSE 0 END) "
        f"FROM disclosure_request WHERE agency_id = 1 AND ({received} OR {in_year} "
        f"OR (concluded_on IS NULL AND received_on < '{start}') OR (concluded_on > '{end}' AND received_on < '{start}')) "
        f"GROUP BY outcome, applicant_type"
    )
    baseline = text(
        f"SELECT applicant_type, outcome, COUNT(*) FROM disclosure_request WHERE agency_id = 1 AND {received} "
        f"GROUP BY outcome, applicant_type"
    )
    with app.app_context():
        rows = db.session.scalar(text(f"SELECT COUNT(*) FROM disclosure_request WHERE {received}"))
        base = timed(lambda: db.session.execute(baseline).all())
        sql = timed(lambda: db.session.execute(table3).all())
        report = timed(lambda: derive(1, year), repeats=5)
        with counted(db.engine) as statements:
            result = derive(1, year)
    emit(engine, "rows_in_year", rows)
    emit(engine, "report_s", report[0], report[1:])
    emit(engine, "sql_s", sql[0], sql[1:])
    emit(engine, "baseline_s", base[0], base[1:])
    emit(engine, "report_vs_sql_ratio", round(report[0] / sql[0], 2))
    emit(engine, "report_vs_baseline_ratio", round(report[0] / base[0], 2))
    emit(engine, "report_queries", len(statements))
    emit(engine, "table3_new_total", result["table3"]["new"]["total"])
    emit(engine, "table3_carried_out_total", result["table3"]["carried_out"]["total"])


def main() -> None:
    year = year_argument()
    args = arguments(__doc__.splitlines()[0])
    for engine in engines(args):
        run(engine, args.n, year)


if __name__ == "__main__":
    main()
