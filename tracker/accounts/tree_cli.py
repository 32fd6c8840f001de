"""The unit tree at the command line (issue 16, docs/district.md): create-agency, move-agency, list-agencies.

Thin: each command calls tracker.accounts.tree; a refusal is a Chinese message and exit status 2, and
changes nothing."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from ..cli import fail
from ..errors import ServiceError
from ..extensions import db
from . import tree


def _refused(e: ServiceError) -> None:
    db.session.rollback()
    fail(e.message)


@click.command("create-agency")
@click.argument("name")
@click.option("--parent", "parent_name", default=None, help="上级单位名称（不填则为顶级单位）")
@click.option("--population", default=None, help="常住人口（人数，可不填）")
@with_appcontext
def create_agency_cmd(name: str, parent_name: str | None, population: str | None):
    """创建单位（机关），可指定上级单位和常住人口。"""
    try:
        parent = tree.unit_by_name(parent_name, "上级单位") if parent_name is not None else None
        unit = tree.create_unit(name, parent=parent, population=population)
    except ServiceError as e:
        _refused(e)
    where = f"，上级单位：{parent.name}" if parent else "（顶级单位）"
    click.echo(f"已创建单位：{unit.name}{where}")


@click.command("move-agency")
@click.argument("name")
@click.option("--parent", "parent_name", default=None, help="新的上级单位名称")
@click.option("--root", is_flag=True, help="改为顶级单位（没有上级）")
@click.option(
    "--reports",
    default=None,
    help="已发布报告如何处理；单位（或其下级）有案件或已发布报告时必填。keep：" + tree.REPORT_CHOICES["keep"],
)
@with_appcontext
def move_agency_cmd(name: str, parent_name: str | None, root: bool, reports: str | None):
    """把单位（连同其全部下级单位）移到另一个上级单位之下。"""
    if root == (parent_name is not None):
        fail("请用 --parent 上级单位名称 指定新的上级单位，或用 --root 改为顶级单位（二者选一）。")
    try:
        unit = tree.unit_by_name(name)
        parent = None if root else tree.unit_by_name(parent_name, "上级单位")
        data = tree.move_unit(unit, parent, reports=reports)
    except ServiceError as e:
        _refused(e)
    click.echo(f"已移动单位：{name}（共{data['units_moved']}个单位）→ {data['to_parent'] or '顶级单位'}")
    if reports:
        click.echo(f"已发布的报告：{data['reports_note']}")


@click.command("list-agencies")
@with_appcontext
def list_agencies_cmd():
    """按隶属关系列出全部单位。"""
    for row in tree.tree_rows():
        pop = f"，常住人口 {row.unit.population}" if row.unit.population else ""
        click.echo(f"{'  ' * row.depth}{row.unit.name}（科室 {row.sections}，用户 {row.users}{pop}）")


def register(app: Flask) -> None:
    for cmd in (create_agency_cmd, move_agency_cmd, list_agencies_cmd):
        app.cli.add_command(cmd)
