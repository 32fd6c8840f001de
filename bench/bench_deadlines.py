"""Recomputing every open deadline after a calendar change: 10,000 synthetic cases.

Prints `name=value` lines. "cold" builds a fresh calendar (what happens right after an administrator
changes the calendar: the per-year tables are rebuilt lazily during the run); "warm" reuses it.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracker.rules.deadlines import Extension, Pause, answer_deadline  # noqa: E402
from tracker.rules.workdays import WorkCalendar  # noqa: E402

CASES = 10_000
REPEATS = 5
KINDS = ("third_party", "other_agency", "fee")


def synthetic_cases(n: int, seed: int = 20260302) -> list[tuple[date, list[Pause], list[Extension]]]:
    rnd = random.Random(seed)
    first = date(2024, 1, 1).toordinal()
    last = date(2027, 12, 31).toordinal()
    cases = []
    for _ in range(n):
        receipt = date.fromordinal(rnd.randint(first, last))
        pauses = []
        for _ in range(rnd.choice((0, 1, 1, 2, 2, 3))):
            start = receipt + timedelta(days=rnd.randint(1, 40))
            end = None if rnd.random() < 0.05 else start + timedelta(days=rnd.randint(0, 30))
            pauses.append(Pause(start, end, rnd.choice(KINDS)))
        extensions = []
        if rnd.random() < 0.3:
            extensions.append(Extension(rnd.randint(1, 20), receipt + timedelta(days=rnd.randint(5, 25))))
        cases.append((receipt, pauses, extensions))
    return cases


def recompute(cases, calendar: WorkCalendar, today: date) -> int:
    open_or_provisional = 0
    for receipt, pauses, extensions in cases:
        r = answer_deadline(receipt, pauses=pauses, extensions=extensions, calendar=calendar, today=today)
        open_or_provisional += r.paused or r.provisional
    return open_or_provisional


def entered_calendar() -> WorkCalendar:
    """2026 entered by an administrator (as the database would hand it over), the rest as usual."""
    pkg = WorkCalendar()
    entries = {d: False for d, _ in pkg.days_off(2026)} | {d: True for d, _ in pkg.makeup_workdays(2026)}
    return WorkCalendar(entries=entries, confirmed_years=[2026])


def main() -> None:
    cases = synthetic_cases(CASES)
    today = date(2026, 11, 25)

    cold = []
    for _ in range(REPEATS):
        calendar = WorkCalendar()
        t0 = time.perf_counter()
        flagged = recompute(cases, calendar, today)
        cold.append(time.perf_counter() - t0)
    warm = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        recompute(cases, calendar, today)
        warm.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    recompute(cases, entered_calendar(), today)
    entered = time.perf_counter() - t0

    pauses = sum(len(p) for _, p, _ in cases)
    print(f"deadlines_cases={CASES}")
    print(f"deadlines_pauses_total={pauses}")
    print(f"deadlines_paused_or_provisional={flagged}")
    print(f"deadlines_recompute_{CASES}_cold_seconds={min(cold):.4f}")
    print(f"deadlines_recompute_{CASES}_warm_seconds={min(warm):.4f}")
    print(f"deadlines_recompute_{CASES}_entered_calendar_cold_seconds={entered:.4f}")
    print(f"per_case_microseconds={min(warm) / CASES * 1e6:.1f}")


if __name__ == "__main__":
    main()
