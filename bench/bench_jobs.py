"""The jobs under data: the reminder scan (first run, hourly rerun) and a calendar change's recompute.

    .venv/bin/python bench/bench_jobs.py [--n N] [--engine sqlite|postgresql|both]

Prints per engine:
- remind_first_s / remind_first_created / remind_first_queries: the day's first scan (reminders of the
  day deleted before, so every run is a first run), as of 08:30 today China time;
- remind_rerun_s / remind_rerun_created / remind_rerun_queries: the same scan again (nothing new);
- recompute_s / recompute_moved / recompute_queries: entering the current year's arrangement with one
  more day off (the next Monday), which moves every open deadline after it; recompute_back_s: entering
  the unchanged arrangement again, which moves them back (the database ends as it began).
Jobs run once each per REPEATS_JOBS (median, min, max).
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import datetime, timedelta

from common import arguments, counted, emit, engines, prepared

REPEATS_JOBS = int(os.environ.get("BENCH_REPEATS_JOBS", "3"))


def _spread(values: list[float]) -> tuple[float, tuple[float, float]]:
    return statistics.median(values), (min(values), max(values))


def run(engine: str, n: int) -> None:
    from sqlalchemy import delete

    from tracker.extensions import db
    from tracker.reminders import service
    from tracker.reminders.models import Notification, Reminder, ReminderRun
    from tracker.rules.clock import CHINA_TZ, today_cn
    from tracker.workcal import service as cal_service

    app = prepared(engine, n)
    with app.app_context():
        today = today_cn()
        now = datetime(today.year, today.month, today.day, 8, 30, tzinfo=CHINA_TZ)
        firsts, reruns = [], []
        for _ in range(REPEATS_JOBS):
            db.session.execute(delete(Notification).where(Notification.reminder_id.is_not(None)))
            db.session.execute(delete(Reminder))
            db.session.execute(delete(ReminderRun))
            db.session.commit()
            t0 = time.perf_counter()
            with counted(db.engine) as first_q:
                first = service.run(now)
            firsts.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            with counted(db.engine) as again_q:
                again = service.run(now + timedelta(hours=1))
            reruns.append(time.perf_counter() - t0)
        emit(engine, "remind_first_s", *_spread(firsts))
        emit(engine, "remind_first_created", sum(first.created.values()))
        emit(engine, "remind_first_queries", len(first_q))
        emit(engine, "remind_rerun_s", *_spread(reruns))
        emit(engine, "remind_rerun_created", sum(again.created.values()))
        emit(engine, "remind_rerun_queries", len(again_q))

        info = cal_service.year_info(today.year)
        original = [(d, False, name) for d, name in info.days_off] + [(d, True, name) for d, name in info.makeup_days]
        monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
        changed = original + [(monday, False, "基准测试调休")]
        forth, back = [], []
        for _ in range(REPEATS_JOBS):
            t0 = time.perf_counter()
            with counted(db.engine) as recompute_q:
                result = cal_service.apply_year(today.year, changed, source="基准测试")
            forth.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            cal_service.apply_year(today.year, original, source="基准测试（恢复）")
            back.append(time.perf_counter() - t0)
        emit(engine, "recompute_s", *_spread(forth))
        emit(engine, "recompute_moved", result.deadlines_changed)
        emit(engine, "recompute_queries", len(recompute_q))
        emit(engine, "recompute_back_s", *_spread(back))


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    for engine in engines(args):
        run(engine, args.n)


if __name__ == "__main__":
    main()
