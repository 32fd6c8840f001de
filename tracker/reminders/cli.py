"""`flask --app tracker remind [--at YYYY-MM-DDTHH:MM]` and `flask --app tracker scheduler`."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..cli import fail
from ..rules.clock import CHINA_TZ, to_cn, utcnow


def parse_at(value: str) -> datetime:
    """'YYYY-MM-DDTHH:MM' (China time; a space instead of T is accepted) -> an aware UTC instant."""
    text = value.strip().replace(" ", "T")
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            local = datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    else:
        raise ValueError(f"时间“{value}”无法识别，请写成 YYYY-MM-DDTHH:MM（北京时间），例如 2026-09-29T08:30")
    return local.replace(tzinfo=CHINA_TZ).astimezone(UTC)


@click.command("remind")
@click.option(
    "--at", "at", default=None, metavar="YYYY-MM-DDTHH:MM", help="按这一时刻（北京时间）运行一次提醒扫描，默认现在"
)
@with_appcontext
def remind_cmd(at: str | None):
    """运行一次期限提醒扫描，打印各类提醒新建和发出的条数。"""
    from .service import run

    try:
        now = parse_at(at) if at else utcnow()
    except ValueError as e:
        fail(str(e))
    result = run(now)
    click.echo(f"{to_cn(now):%Y-%m-%d %H:%M}（北京时间）提醒扫描：")
    for line in result.lines():
        click.echo(line)
    if not current_app.config.get("MAIL_SERVER"):
        click.echo("  未配置邮件服务器（MAIL_SERVER），提醒仅在站内通知中显示。")


@click.command("scheduler")
@with_appcontext
def scheduler_cmd():
    """在本进程中运行提醒调度器（APScheduler），直到按 Ctrl+C 停止。"""
    import logging

    from .scheduler import build_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app = current_app._get_current_object()
    try:
        sched = build_scheduler(app)
    except ValueError as e:
        fail(str(e))
    for job in sched.get_jobs():
        click.echo(f"已安排：{job.name}，{job.trigger}")
    click.echo("提醒调度器已启动（非工作日自动跳过）；按 Ctrl+C 停止。")
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("提醒调度器已停止。")


def register(app: Flask) -> None:
    app.cli.add_command(remind_cmd)
    app.cli.add_command(scheduler_cmd)
