"""The reminder scheduler: APScheduler 3.x in its own process (`flask --app tracker scheduler`).

Nothing here runs on import; web workers and tests never build a scheduler. Each job run calls
tracker.reminders.service.run(), which skips days that are not working days and, on PostgreSQL,
skips itself when another copy holds the run lock, so several schedulers may run on several hosts.
"""

from __future__ import annotations

import logging

from flask import Flask

from ..rules.clock import CHINA_TZ

log = logging.getLogger("tracker.reminders")


def parse_time(value: str) -> tuple[int, int]:
    """'HH:MM' -> (hour, minute); ValueError with a Chinese message otherwise."""
    try:
        hh, mm = value.strip().split(":")
        hour, minute = int(hh), int(mm)
    except (AttributeError, ValueError):
        raise ValueError(f"REMINDER_TIME 应为“时:分”，例如 08:30，现为“{value}”") from None
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(f"REMINDER_TIME 的时间无效：“{value}”，小时应为0–23，分钟应为0–59")
    return hour, minute


def run_job(app: Flask) -> None:
    """One scheduled scan; errors are logged, never allowed to stop the scheduler."""
    from .service import run

    with app.app_context():
        try:
            result = run()
        except Exception:  # the next run retries; a crash here would silence every later reminder
            log.exception("提醒任务运行失败")
            return
        for line in result.lines():
            log.info("%s %s", result.today, line.strip())


def build_scheduler(app: Flask, scheduler_cls=None):
    """A scheduler with the morning job and the hourly job (China time); not started."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    hour, minute = parse_time(app.config.get("REMINDER_TIME") or "08:30")
    until = int(app.config.get("REMINDER_HOURLY_UNTIL", 18))
    sched = (scheduler_cls or BlockingScheduler)(timezone=CHINA_TZ)
    common = {"args": [app], "max_instances": 1, "coalesce": True, "misfire_grace_time": 3600}
    # Every day: the job itself skips the days the working-day calendar marks off (weekends, holidays)
    # and works on make-up Saturdays, which a cron day-of-week rule could not express.
    sched.add_job(
        run_job,
        CronTrigger(hour=hour, minute=minute, timezone=CHINA_TZ),
        id="reminders-morning",
        name="期限提醒（早间）",
        **common,
    )
    if hour < until:
        # Later in the day: new deadlines and mails a down server could not take. Never before the morning run.
        sched.add_job(
            run_job,
            CronTrigger(hour=f"{hour + 1}-{until}", minute=minute, timezone=CHINA_TZ),
            id="reminders-hourly",
            name="期限提醒（每小时）",
            **common,
        )
    return sched
