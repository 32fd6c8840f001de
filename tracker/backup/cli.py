"""`flask --app tracker backup FILE` / `backup --verify FILE` and `flask --app tracker restore FILE` /
`restore --check FILE` (docs/deployment.md, 备份与恢复)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from ..cli import fail
from .archive import BackupError


def _say(message: str) -> None:
    click.echo(message)


def _os_message(e: OSError) -> str:
    where = f"“{str(e.filename)[:120]}”" if e.filename else ""
    return f"读写文件{where}失败：{e.strerror or e}。请检查路径、磁盘空间和权限后重试。"


@click.command("backup")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="FILE 已存在时覆盖它")
@click.option("--verify", is_flag=True, help="不备份，只校验已有的备份文件 FILE（清单、大小和 SHA-256）")
@with_appcontext
def backup_cmd(file: Path, force: bool, verify: bool):
    """备份数据库和全部附件到一个归档文件 FILE（.tar.gz；以 .tar 结尾则不压缩）。"""
    from . import service

    try:
        if verify:
            service.check(file, say=_say)
            return
        manifest = service.backup(file, force=force, say=_say)
    except BackupError as e:
        fail(e.message)
    except OSError as e:
        fail(_os_message(e))
    problems = manifest["attachments"]["problems"]
    if problems:
        click.echo(
            f"警告：数据库登记的附件中有 {len(problems)} 个未能按原样备份（清单 attachments.problems 列出了它们）：",
            err=True,
        )
        for p in problems[:20]:
            click.echo(f"  {p['stored_name']}：{p['problem']}", err=True)
        sys.exit(1)


@click.command("restore")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="不恢复，只校验 FILE 并检查目标数据库和附件目录是否为空")
@click.option("--no-privileges", is_flag=True, help="PostgreSQL：不恢复表的授权（目标服务器上没有原来的角色时）")
@with_appcontext
def restore_cmd(file: Path, check: bool, no_privileges: bool):
    """把备份 FILE 恢复到当前配置的空数据库（DATABASE_URL）和空附件目录（UPLOAD_FOLDER）。"""
    from . import service

    try:
        if check:
            service.check(file, target=True, say=_say)
        else:
            service.restore(file, no_privileges=no_privileges, say=_say)
    except BackupError as e:
        fail(e.message)
    except OSError as e:
        fail(_os_message(e))


def register(app: Flask) -> None:
    app.cli.add_command(backup_cmd)
    app.cli.add_command(restore_cmd)
