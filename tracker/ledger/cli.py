"""`flask import-ledger FILE`: the ledger import from the command line (the same service as the upload page)."""

from __future__ import annotations

import getpass
import os
import sys

import click
from flask import Flask
from flask.cli import with_appcontext

from ..errors import ServiceError
from ..extensions import db
from .parse import SPECS, LedgerInvalid


def problem_lines(problems) -> list[str]:
    """Problems grouped under their sheet's name when the file has several sheets."""
    sheets = list(dict.fromkeys(p.sheet for p in problems))
    if len(sheets) <= 1:
        return [str(p) for p in problems]
    out = []
    for sheet in sheets:
        out.append(f"工作表“{sheet}”：" if sheet else "文件：")
        out.extend(f"  {p}" for p in problems if p.sheet == sheet)
    return out


@click.command("import-ledger")
@click.argument("file")
@click.option("--kind", type=click.Choice(list(SPECS)), default=None, help="台账类型；不指定时按工作表名称或表头识别")
@click.option("--agency", "agency_name", default=None, help="机关名称（默认第一个机关）")
@click.option("--dry-run", is_flag=True, help="只检查并显示将导入的内容，不写入数据库")
@with_appcontext
def import_ledger_cmd(file: str, kind: str | None, agency_name: str | None, dry_run: bool):
    """导入台账（.xlsx 或 .csv）：先检查整个文件，有任何问题则全部不导入。"""
    from ..accounts.services import agency_by_name
    from .service import import_ledger

    if not os.path.isfile(file):
        what = "是一个文件夹" if os.path.isdir(file) else "不存在"
        click.echo(f"错误：文件“{file[:200]}”{what}。请给出要导入的 .xlsx 或 .csv 文件的路径。", err=True)
        sys.exit(2)

    try:
        agency = agency_by_name(agency_name)
        who = f"命令行（{getpass.getuser()}）"
        summary = import_ledger(None, file, file, agency=agency, kind=kind, dry_run=dry_run, who=who)
    except LedgerInvalid as e:
        db.session.rollback()
        click.echo(f"未导入，数据库没有任何改动。共发现 {len(e.problems)} 个问题，请修改后重新导入：", err=True)
        for line in problem_lines(e.problems):
            click.echo(line, err=True)
        sys.exit(1)
    except ServiceError as e:
        db.session.rollback()
        click.echo(f"错误：{e.message}", err=True)
        sys.exit(2)
    click.echo(("检查通过（试运行，未写入数据库）：" if dry_run else "导入完成：") + summary.filename)
    for line in summary.lines():
        click.echo(line)


def register(app: Flask) -> None:
    app.cli.add_command(import_ledger_cmd)
