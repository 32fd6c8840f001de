"""Calendar commands: `calendar import FILE`, `calendar show YEAR`, `calendar export YEAR`, and `due-date`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from ..cli import USAGE_HINT, fail, usage_error_text
from ..errors import ServiceError
from ..extensions import db
from ..rules.clock import to_cn

PARAM_NAMES = {"start": "起算日期 START（YYYY-MM-DD）", "file": "CSV文件路径 FILE", "year": "年份 YEAR"}


def _chinese_usage_error(e: click.UsageError, cmd: str) -> str:
    """Click's own usage errors are English: tracker.cli.usage_error_text says them in Chinese."""
    if isinstance(e, click.BadOptionUsage) and e.option_name == "--pause":
        return "--pause 需要两个日期：--pause 开始日期 结束日期，例如 --pause 2026-03-05 2026-03-10"
    return usage_error_text(e, cmd, PARAM_NAMES)


class ChineseCommand(click.Command):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as e:
            path = ctx.command_path.split(" ", 1)[-1] if " " in ctx.command_path else self.name
            fail(_chinese_usage_error(e, path or ""))
            raise  # pragma: no cover - fail() exits


class ChineseGroup(click.Group):
    command_class = ChineseCommand

    def resolve_command(self, ctx: click.Context, args: list[str]):
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError:
            names = "、".join(sorted(self.commands))
            fail(f"没有子命令“{args[0] if args else ''}”，可用的子命令：{names}。{USAGE_HINT.format(cmd=self.name)}")
            raise  # pragma: no cover - fail() exits


@click.group("calendar", cls=ChineseGroup)
def calendar_group() -> None:
    """工作日历：录入、查看、导出每年的国务院放假安排。"""


@calendar_group.command("import")
@click.argument("file", type=str)
@click.option("--source", default="", help="来源，例如：国务院办公厅关于2027年部分节假日安排的通知")
@click.option("--year", "expected_year", default=None, help="核对年份：文件中的日期必须属于该年")
@click.option("--dry-run", "dry_run", is_flag=True, help="只检查并列出将要调整的期限，不作任何改动")
@with_appcontext
def import_cmd(file: str, source: str, expected_year: str | None, dry_run: bool) -> None:
    """从CSV文件（表头 date,kind,name）导入一年的放假安排，替换该年已录入的数据并标记为已确认。

    导入前可加 --dry-run：按同样的规则检查文件，列出全部机关将要调整的未办结事项期限，不作任何改动。"""
    from . import service

    year = _year_arg(expected_year) if expected_year else None
    try:
        with open(file, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        fail(f"文件 {file} 不存在，请检查路径")
    except IsADirectoryError:
        fail(f"{file} 是一个目录，请给出CSV文件的路径")
    except OSError:
        fail(f"无法读取文件 {file}（可能没有读取权限），请检查")
    try:
        if dry_run:
            preview = service.check_csv(data, expected_year=year, filename=file)
        else:
            result = service.import_csv(data, source=source, expected_year=year, filename=file)
    except service.CalendarInvalid as e:
        db.session.rollback()
        click.echo(f"错误：文件 {file} 未导入，工作日历没有任何改动。请修改以下问题后重新导入：", err=True)
        for line in e.errors:
            click.echo(f"  {line}", err=True)
        raise SystemExit(2) from None
    except ServiceError as e:
        db.session.rollback()
        fail(e.message)
    if dry_run:
        db.session.rollback()
        for line in preview_lines(preview):
            click.echo(line)
        return
    for line in result.summary_lines():
        click.echo(line)


def preview_lines(preview) -> list[str]:
    """The preview of an import as `calendar import --dry-run` prints it: the days that flip, then one
    line per moved deadline grouped by unit and section, then the totals (the web preview's list)."""
    from . import impact, service

    imp = preview.impact
    lines = [
        f"预览（未作任何改动）：{preview.year}年放假{preview.days_off}天，调休上班{preview.makeup_workdays}天；"
        f"该年现为“{service.YEAR_STATUS_LABELS[preview.old_status]}”。",
        f"与现在的日历相比，{len(preview.changed)}天的工作日/休息日属性将发生变化"
        + (
            "：" + "、".join(f"{d.isoformat()}（{'休→班' if w else '班→休'}）" for d, w in preview.changed)
            if preview.changed
            else "。"
        ),
    ]
    unit = None
    for g in imp.groups:
        if g.unit != unit:
            unit = g.unit
            lines.append(f"【{unit}】")
        lines.append(f"  {g.section}（{len(g.rows)}个期限）")
        for r in g.rows:
            mark = f"  [{impact.MARK_LABELS[r.mark]}]" if r.mark else ""
            lines.append(
                f"    {r.kind_label} {r.number} {r.label}：{impact.day_text(r.old)} → {impact.day_text(r.new)}{mark}"
            )
    lines.append("合计：" + "".join(imp.summary_lines()))
    for u, n_cases, n_moves in imp.units:
        lines.append(f"  {u}：{n_cases}件，{n_moves}个期限")
    lines.append("以上为预览，工作日历和期限均未改动；去掉 --dry-run 再运行即导入并按上面调整期限。")
    return lines


def _year_arg(text: str) -> int:
    from . import service

    text = text.strip()
    if not text.isdigit():
        fail(f"年份应为四位数字，例如2027，当前为“{text}”")
    year = int(text)
    try:
        service.check_year(year)
    except ServiceError as e:
        fail(e.message)
    return year


@calendar_group.command("show")
@click.argument("year", type=str)
@with_appcontext
def show_cmd(year: str) -> None:
    """列出某年的放假日期和调休上班日期，以及该年安排是否已确认。"""
    from . import service

    info = service.year_info(_year_arg(year))
    click.echo(f"{info.year}年：{info.status_label}")
    if info.entry is not None:
        who = info.entry.updated_by.display_name if info.entry.updated_by else "命令行"
        src = f"，来源：{info.entry.source}" if info.entry.source else ""
        click.echo(f"录入：{to_cn(info.entry.updated_at).strftime('%Y-%m-%d %H:%M')}，{who}{src}")
    if info.provisional:
        click.echo(
            "该年的国务院放假安排尚未录入：按周末和《全国年节及纪念日放假办法》的法定节假日估算，"
            "不含调休；依此计算的期限均为暂定。"
        )
    click.echo(f"放假（{len(info.days_off)}天，不含普通周末）：")
    for d, name in info.days_off:
        click.echo(f"  {d.isoformat()} {service.WEEKDAYS_CN[d.weekday()]} {name}")
    click.echo(f"调休上班（{len(info.makeup_days)}天）：")
    for d, name in info.makeup_days:
        click.echo(f"  {d.isoformat()} {service.WEEKDAYS_CN[d.weekday()]} {name}")
    if not info.makeup_days:
        click.echo("  无")
    click.echo(f"全年工作日：{info.workday_count}天")


@calendar_group.command("export")
@click.argument("year", type=str)
@with_appcontext
def export_cmd(year: str) -> None:
    """按导入格式输出某年现有的安排（可作为模板修改后导入）。"""
    from . import service

    y = _year_arg(year)
    if service.year_info(y).provisional:
        click.echo(
            f"注意：{y}年尚未录入，以下是按法定节假日作出的估算（不含调休），请按国务院通知修改后再导入", err=True
        )
    click.echo(service.year_csv(y), nl=False)


@click.command("due-date", cls=ChineseCommand)
@click.argument("start", type=str)
@click.option("--working-days", "working_days", default=None, metavar="N", help="工作日天数（默认20）")
@click.option("--months", default=None, metavar="N", help="按月计算：月数")
@click.option("--extend", default=None, metavar="N", help="延期：工作日数（按月计算时为月数）")
@click.option("--pause", "pauses", nargs=2, multiple=True, metavar="FROM TO", help="暂停：开始日期 结束日期（可多次）")
@click.option("--explain", is_flag=True, help="同时列出计算过程")
@with_appcontext
def due_date_cmd(
    start: str,
    working_days: str | None,
    months: str | None,
    extend: str | None,
    pauses: tuple[tuple[str, str], ...],
    explain: bool,
) -> None:
    """计算期限：START之后第N个工作日（默认20），或N个月后（遇节假日顺延）。"""
    from .calculator import CalculatorInvalid, calculate, parse

    try:
        result = calculate(parse(start, working_days=working_days, months=months, extend=extend, pauses=list(pauses)))
    except CalculatorInvalid as e:
        fail("；".join(e.errors.values()))
    assert result.due is not None  # the calculator's pauses are always closed
    click.echo(result.due.isoformat())
    if result.provisional_note:
        click.echo(result.provisional_note)
    for w in result.warnings:
        click.echo(f"注意：{w}")
    if explain:
        for i, step in enumerate(result.explanation, start=1):
            click.echo(f"{i}. {step}")


def register(app: Flask) -> None:
    app.cli.add_command(calendar_group)
    app.cli.add_command(due_date_cmd)
