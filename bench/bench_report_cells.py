"""The first page of a report figure's case list (issue 16: under 200 ms at 1,000,000 requests).

    .venv/bin/python bench/bench_report_cells.py [--n N] [--engine sqlite|postgresql|both] [--year 2025]

Prints per engine, for each figure of FIGURES: cell_<figure>_ms, the whole request of
/reports/YEAR/cells/<figure> through the Flask test client as the office user (the exact count over the
figure's condition, the first 20 cases, rendering), median of REPEATS with min/max; cell_<figure>_cases,
the figure (the count the page shows); cell_queries, the statements one page sends; and cell_command_s,
`report --cell table3.new.total` printing every case number of the year's largest figure.

At --n 1000000 (median of 5, idle 2-core machine, with the covering indexes of e16b7c0a4f21 and
e16c5d2f8a90): every figure's page 22–68 ms on SQLite and 27–145 ms on PostgreSQL, the slowest single run
152 ms (table3.carried_out.total on PostgreSQL); docs/benchmarks.md has the table.
"""

from __future__ import annotations

import re

from common import arguments, counted, emit, engines, login, prepared, timed, year_argument

FIGURES = (
    "table3.new.total",  # the year's largest figure
    "table3.carried_out.total",
    "table3.total.total",
    "table3.disclosed.natural_person",
    "table3.withheld.third_party.natural_person",  # a sparse outcome row by one column
    "table3.carried_in.commercial_enterprise",
    "table4.reconsideration.total",
    "table4.litigation_direct.pending",
)


def run(engine: str, n: int, year: int) -> None:
    app = prepared(engine, n)
    with app.app_context():
        client = app.test_client()
        login(client, "office1")
        for fid in FIGURES:
            url = f"/reports/{year}/cells/{fid}"

            def get(url=url):
                resp = client.get(url)
                assert resp.status_code == 200, (url, resp.status_code)
                return resp

            html = get().get_data(as_text=True)
            cases = int(re.search(r'data-total="(\d+)"', html).group(1))
            t = timed(get)
            name = fid.replace(".", "_")
            emit(engine, f"cell_{name}_ms", t[0], t[1:], unit_scale=1000)
            emit(engine, f"cell_{name}_cases", cases)
        from tracker.extensions import db

        with counted(db.engine) as statements:
            client.get(f"/reports/{year}/cells/{FIGURES[0]}")
        emit(engine, "cell_queries", len(statements))
        runner = app.test_cli_runner()
        command = timed(lambda: runner.invoke(args=["report", str(year), "--cell", FIGURES[0]]), repeats=3)
        emit(engine, "cell_command_s", command[0], command[1:])


def main() -> None:
    year = year_argument()
    args = arguments(__doc__.splitlines()[0])
    for engine in engines(args):
        run(engine, args.n, year)


if __name__ == "__main__":
    main()
