"""`flask remind`, `flask scheduler` (built, not started), and the PostgreSQL run lock."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest

from tracker import ROOT
from tracker.extensions import db
from tracker.reminders import scheduler, service
from tracker.reminders.cli import parse_at
from tracker.rules.clock import CHINA_TZ

from .reminder_helpers import make_case, reminders, run_at, smtp_server, with_addresses

LATE_RECEIVED = date(2026, 8, 31)  # due 2026-09-28


@pytest.fixture()
def people(w):
    return with_addresses(w)


@pytest.fixture()
def smtp(app, monkeypatch):
    yield from smtp_server(app, monkeypatch)


def test_remind_prints_what_it_created_and_sent(app_ctx, people, smtp):
    make_case(people, LATE_RECEIVED)
    make_case(people, date(2026, 9, 4))  # due Oct 9: 临期 on Sep 29
    runner = app_ctx.test_cli_runner()
    out = runner.invoke(args=["remind", "--at", "2026-09-29T08:30"])
    assert out.exit_code == 0, out.output
    assert "2026-09-29 08:30（北京时间）" in out.output
    assert "超期：新建2条，邮件发出2条" in out.output
    assert "临期：新建1条，邮件发出1条" in out.output
    assert "共新建3条提醒；发出邮件2封（含3条提醒、0条交办通知），发送失败0封" in out.output
    again = runner.invoke(args=["remind", "--at", "2026-09-29T09:30"])
    assert again.exit_code == 0 and "没有新的提醒" in again.output and "发出邮件0封" in again.output
    assert len(smtp.messages) == 2


def test_remind_on_a_holiday_and_without_mail(app_ctx, people):
    make_case(people, LATE_RECEIVED)
    runner = app_ctx.test_cli_runner()
    out = runner.invoke(args=["remind", "--at", "2026-10-01T08:30"])
    assert out.exit_code == 0 and "2026-10-01不是工作日" in out.output
    assert reminders() == []
    out = runner.invoke(args=["remind", "--at", "2026-09-29 08:30"])
    assert "超期：新建2条，邮件发出0条" in out.output and "未配置邮件服务器" in out.output


def test_remind_rejects_a_bad_moment(app_ctx, people):
    out = app_ctx.test_cli_runner().invoke(args=["remind", "--at", "29/09/2026"])
    assert out.exit_code == 2
    assert "无法识别" in out.output and "YYYY-MM-DDTHH:MM" in out.output
    assert reminders() == []


def test_parse_at_is_china_time():
    moment = parse_at("2026-09-29T00:30")
    assert moment.utcoffset() == timedelta(0)
    assert moment == datetime(2026, 9, 28, 16, 30, tzinfo=moment.tzinfo)


def test_scheduler_jobs_run_on_china_time_mornings_and_hourly(app, monkeypatch):
    monkeypatch.setitem(app.config, "REMINDER_TIME", "08:30")
    monkeypatch.setitem(app.config, "REMINDER_HOURLY_UNTIL", 18)
    sched = scheduler.build_scheduler(app)
    jobs = {j.id: j for j in sched.get_jobs()}
    assert set(jobs) == {"reminders-morning", "reminders-hourly"}
    assert not sched.running
    start = datetime(2026, 9, 29, 0, 0, tzinfo=CHINA_TZ)
    morning = jobs["reminders-morning"].trigger.get_next_fire_time(None, start)
    assert (morning.astimezone(CHINA_TZ).hour, morning.minute, morning.date()) == (8, 30, date(2026, 9, 29))
    fires, t = [], start
    for _ in range(12):
        t = jobs["reminders-hourly"].trigger.get_next_fire_time(None, t + timedelta(seconds=1))
        fires.append(t.astimezone(CHINA_TZ))
    assert [f.hour for f in fires[:10]] == list(range(9, 19))
    assert all(f.minute == 30 for f in fires) and fires[10].date() == date(2026, 9, 30)
    for job in jobs.values():
        assert job.max_instances == 1 and job.coalesce


def test_scheduler_time_is_configurable_and_checked(app, monkeypatch):
    monkeypatch.setitem(app.config, "REMINDER_TIME", "07:05")
    sched = scheduler.build_scheduler(app)
    t = sched.get_job("reminders-morning").trigger.get_next_fire_time(None, datetime(2026, 9, 29, tzinfo=CHINA_TZ))
    assert (t.hour, t.minute) == (7, 5)
    monkeypatch.setitem(app.config, "REMINDER_TIME", "25:00")
    with pytest.raises(ValueError, match="小时应为0–23"):
        scheduler.build_scheduler(app)
    monkeypatch.setitem(app.config, "REMINDER_TIME", "8点半")
    with pytest.raises(ValueError, match="例如 08:30"):
        scheduler.build_scheduler(app)


def test_scheduler_job_runs_a_scan_and_survives_errors(app_ctx, people, monkeypatch, caplog):
    make_case(people, LATE_RECEIVED)
    calls = []
    real = service.run
    monkeypatch.setattr(
        service, "run", lambda now=None: calls.append(1) or real(datetime(2026, 9, 29, 8, 30, tzinfo=CHINA_TZ))
    )
    scheduler.run_job(app_ctx)
    assert calls == [1] and len(reminders()) == 2

    def boom(now=None):
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(service, "run", boom)
    scheduler.run_job(app_ctx)  # logged, not raised
    assert "提醒任务运行失败" in caplog.text


def test_web_app_never_starts_a_scheduler():
    """Building the app (what every gunicorn worker does) does not even import APScheduler."""
    code = (
        "from tracker import create_app; import sys, threading; "
        "app = create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'SECRET_KEY': 'x'}); "
        "app.test_client().get('/login'); "
        "print(any(m.startswith('apscheduler') for m in sys.modules), threading.active_count())"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "1"]


def test_postgresql_run_lock_makes_a_second_copy_skip(app_ctx, people):
    if db.engine.dialect.name != "postgresql":
        pytest.skip(
            "the advisory lock exists only on PostgreSQL; SQLite runs serialise on the write lock "
            "(test_concurrent_runs_send_nothing_twice)"
        )
    from sqlalchemy import text

    make_case(people, LATE_RECEIVED)
    with db.engine.connect() as other:  # another scheduler, mid-run on another host
        other.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": service.ADVISORY_LOCK_KEY})
        result = run_at(date(2026, 9, 29))
        assert result.skipped and "另一个提醒任务正在运行" in result.skipped
        assert reminders() == []
        other.rollback()  # its transaction ends: the lock is released
    assert sum(run_at(date(2026, 9, 29)).created.values()) == 2
