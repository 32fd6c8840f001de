"""`flask --app tracker report YEAR [--agency NAME] --format json|xlsx|docx [-o FILE] [--current]`, and
`flask --app tracker report YEAR [--agency NAME] --cell ID`: the case numbers behind one figure."""

from __future__ import annotations

import re
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from ..errors import ServiceError
from .render import FORMATS

USAGE = (
    "用法：flask --app tracker report 年份 [--agency 机关名称] --format json|xlsx|docx [-o 输出文件] [--current]；"
    "列出一个数字背后的案件：flask --app tracker report 年份 [--agency 机关名称] --cell 编号；"
    "本单位及下属单位的汇总报告：加 --with-units"
)


class _ChineseUsage(click.Command):
    """Argument errors in Chinese, with the usage line, and a non-zero exit."""

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as e:
            from ..cli import fail

            fail(f"参数有误（{e.format_message()}）。{USAGE}")


@click.command("report", cls=_ChineseUsage)
@click.argument("year", required=False)
@click.option("--agency", "agency_name", default=None, help="机关名称（默认第一个机关）")
@click.option("--format", "fmt", default="json", help="json | xlsx | docx（默认 json）")
@click.option("-o", "--output", default=None, help="输出文件；json 不指定时输出到标准输出")
@click.option("--current", is_flag=True, help="已发布的年度也按现有记录计算（默认输出已发布的冻结报告）")
@click.option("--with-units", is_flag=True, help="本单位及全部下属单位的汇总报告（JSON 另含 units 各单位一览）")
@click.option("--cell", "cell_id", default=None, help="列出一个数字所计的案件编号，每行一个，例如 table3.new.total")
@with_appcontext
def report_cmd(
    year: str | None,
    agency_name: str | None,
    fmt: str,
    output: str | None,
    current: bool,
    with_units: bool,
    cell_id: str | None,
):
    """输出政府信息公开工作年度报告（数字全部由记录计算）。"""
    from ..accounts.services import agency_by_name
    from ..cli import fail
    from . import render, services

    if not year or not re.fullmatch(r"\d{4}", year.strip()):
        fail(f"请给出四位数字的年份，例如 2023（现为“{year or ''}”）。{USAGE}")
    if cell_id is not None:
        _print_cell(agency_name, int(year), cell_id, with_units)
        return
    fmt = (fmt or "").lower()
    if fmt not in FORMATS:
        fail(f"格式应为 json、xlsx 或 docx 之一（现为“{fmt}”）。")
    if fmt != "json" and not output:
        fail(f"{fmt} 是二进制文件，请用 -o 指定输出文件，例如 -o 报告{year}.{fmt}。")
    target = Path(output) if output else None
    if target is not None and not target.parent.exists():
        fail(f"输出目录“{target.parent}”不存在，请先创建或换一个路径。")
    if target is not None and target.is_dir():
        fail(f"“{target}”是一个目录，请给出文件名，例如 {target / f'报告{year}.{fmt}'}。")
    from .cells import case_sheets

    try:
        agency = agency_by_name(agency_name)
        if with_units:
            view = services.year_rollup(agency.id, int(year), current=current)
        else:
            view = services.year_report(agency.id, int(year), current=current)
    except ServiceError as e:
        fail(e.message)
    if with_units:
        from . import rollup

        sheets = [*case_sheets(int(year), view.rollup.ids), rollup.unit_sheet(view.rollup)] if fmt == "xlsx" else ()
        report = {**view.report, "units": rollup.units_json(view.rollup)} if fmt == "json" else view.report
        body = render.to_file(fmt, report, view.narrative, sheets)
    else:
        sheets = case_sheets(int(year), agency.id) if fmt == "xlsx" else ()
        body = render.to_file(fmt, view.report, view.narrative, sheets)
    if target is None:
        click.echo(body.decode("utf-8"), nl=False)
        return
    try:
        target.write_bytes(body)
    except OSError as e:
        fail(f"无法写入“{target}”：{e.strerror or e}。")
    state = "已发布的冻结报告" if view.frozen else "按现有记录计算的报告"
    scope = "（本单位及下属单位汇总）" if with_units else ""
    click.echo(f"已输出{agency.name}{scope}{year}年度{state}：{target}", err=True)


def _print_cell(agency_name: str | None, year: int, cell_id: str, with_units: bool = False) -> None:
    """One case number per line, so that the number of lines equals the figure (as the records stand)."""
    from ..accounts.access import unit_ids
    from ..accounts.services import agency_by_name
    from ..cli import fail
    from . import cells, services

    try:
        agency = agency_by_name(agency_name)
        services.check_year(year)
        fig = cells.figure(cell_id, year)
    except ServiceError as e:
        fail(e.message)
    scope = "with_units" if with_units else "unit"
    what = "汇总报告（本单位及下属单位）" if with_units else "报告"
    if services.snapshot_for(agency.id, year, scope) is not None:
        click.echo(
            f"注意：{agency.name}{year}年度{what}已发布；以下按现有记录列出，件数等于 --current 所得的数字。", err=True
        )
    ids = unit_ids(agency.id) if with_units else agency.id
    for number in cells.case_numbers(fig, year, ids):
        click.echo(number)


def register(app: Flask) -> None:
    app.cli.add_command(report_cmd)
