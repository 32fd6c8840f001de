"""Thin command-line commands; each calls a service. Capabilities add theirs in register_cli()."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .accounts import roles
from .errors import ServiceError
from .extensions import db


def fail(message: str) -> None:
    """Print a clear message to stderr and exit non-zero."""
    click.echo(f"错误：{message}", err=True)
    sys.exit(2)


@click.command("create-section")
@click.argument("name")
@click.option("--agency", "agency_name", default=None, help="机关名称（默认第一个机关）")
@with_appcontext
def create_section_cmd(name: str, agency_name: str | None):
    """创建科室。"""
    from .accounts import services

    try:
        section = services.create_section(name, agency=services.agency_by_name(agency_name))
    except ServiceError as e:
        db.session.rollback()
        fail(e.message)
    click.echo(f"已创建科室：{section.name}")


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True, help=" | ".join(roles.ROLES))
@click.option("--section", "section_name", default=None, help="所属科室名称")
@click.option("--email", default=None)
@click.option("--display-name", default=None)
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码")
@click.option("--agency", "agency_name", default=None, help="机关名称（默认第一个机关）")
@with_appcontext
def create_user_cmd(username, role, section_name, email, display_name, password_stdin, agency_name):
    """创建用户；未指定密码时生成一个并只显示一次。"""
    from .accounts import services

    try:
        agency = services.agency_by_name(agency_name)
        section = services.section_by_name(agency, section_name) if section_name else None
        password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
        if password_stdin and not password:
            raise ServiceError("标准输入中没有读到密码。")
        user, generated = services.create_user(
            username,
            role=role,
            password=password,
            email=email,
            display_name=display_name,
            section=section,
            agency=agency,
        )
    except ServiceError as e:
        db.session.rollback()
        fail(e.message)
    click.echo(f"已创建用户：{user.username}（{user.role_label}）")
    if generated:
        click.echo(f"初始密码（只显示这一次）：{generated}")


@click.command("demo-data")
@click.option("--seed", default=2026, help="随机种子")
@with_appcontext
def demo_data_cmd(seed: int):
    """填充示例机关（示例区发展和改革局）及其两个下属单位：科室、各角色用户和两年的申请。"""
    from .demo import load_demo

    try:
        logins = load_demo(seed=seed, env_name=current_app.config["ENV_NAME"])
    except ServiceError as e:
        db.session.rollback()
        fail(e.message)
    click.echo("示例数据已载入。示例账号（用户名 / 密码）：")
    for username, password, label in logins:
        click.echo(f"  {username} / {password}  {label}")


@click.command("anonymise")
@click.option("--dry-run", is_flag=True, help="只统计将要匿名化的案件数，不做修改")
@click.option(
    "--before", "before", default=None, help="只处理此日期（YYYY-MM-DD）之前办结的案件；不得晚于保存期限截止日"
)
@with_appcontext
def anonymise_cmd(dry_run: bool, before: str | None):
    """清除已办结且超过保存期限（PERSONAL_DATA_RETENTION_YEARS）的申请中的申请人个人信息；年度报告数字不变。"""
    from datetime import date

    from . import personal

    cutoff_day = None
    if before:
        try:
            cutoff_day = date.fromisoformat(before.strip())
        except ValueError:
            fail(f"日期“{before}”无效，请按 YYYY-MM-DD 填写，例如 2015-01-01。")
    try:
        cutoff = personal.cutoff_for(current_app.config["PERSONAL_DATA_RETENTION_YEARS"], cutoff_day)
        result = personal.anonymise(cutoff, dry_run=dry_run)
    except ServiceError as e:
        db.session.rollback()
        fail(e.message)
    verb = "将匿名化" if dry_run else "已匿名化"
    click.echo(f"{verb} {result.total} 件 {cutoff.isoformat()} 之前办结的申请的申请人个人信息。")
    if dry_run:
        click.echo("（试运行，未做任何修改）")


USAGE_HINT = "用法见 flask --app tracker {cmd} --help"


def usage_error_text(e: click.UsageError, cmd: str, names: dict[str, str] | None = None) -> str:
    """A click usage error in Chinese (click's own text kept in brackets for reference); ``names`` gives
    parameters their Chinese names."""
    hint = USAGE_HINT.format(cmd=cmd or "")
    param = getattr(e, "param", None)
    name = (names or {}).get(param.name or "", "") if param is not None else ""
    if isinstance(e, click.MissingParameter) and param is not None:
        return f"缺少{name or (param.get_error_hint(e.ctx) if e.ctx else param.name)}。{hint}"
    if isinstance(e, click.NoSuchOption):
        return f"没有选项 {e.option_name}。{hint}"
    if isinstance(e, click.BadOptionUsage):
        return f"选项 {e.option_name} 的值不完整。{hint}"
    if isinstance(e, click.BadParameter):
        return f"参数{name or (param.name if param is not None else '')}有误（{e.format_message()}）。{hint}"
    return f"命令行参数有误（{e.format_message()}）。{hint}"


def _check_arguments(cmd: click.Command) -> None:
    """``cmd`` refuses, before it parses them (so before a path is opened or a date read), any argument
    that tracker.rules.text refuses (NUL, control characters, what argv makes of bytes that are not UTF-8)."""
    from .rules.text import problem, xml_safe

    parse = cmd.parse_args

    def parse_args(ctx, args):
        for arg in args:
            if isinstance(arg, str) and (why := problem(arg)):
                fail(f"命令参数“{xml_safe(arg)[:40]}”{why}")
        try:
            return parse(ctx, args)
        except click.UsageError as e:  # click's own messages are English: every command says it in Chinese
            if isinstance(e, click.exceptions.NoArgsIsHelpError):
                raise
            fail(usage_error_text(e, ctx.command_path.split(" ", 1)[-1] if " " in ctx.command_path else cmd.name))

    cmd.parse_args = parse_args


def _check_every_command(group: click.Group) -> None:
    """Every command of the app (ours and Flask-Migrate's db) checks its arguments: one rule, one place."""
    for cmd in group.commands.values():
        if not getattr(cmd, "_args_checked", False):
            _check_arguments(cmd)
            cmd._args_checked = True
        if isinstance(cmd, click.Group):
            _check_every_command(cmd)


def register_cli(app: Flask) -> None:
    for cmd in (create_section_cmd, create_user_cmd, demo_data_cmd, anonymise_cmd):
        app.cli.add_command(cmd)
    # Capabilities register their own command groups here (one line each).
    from .workcal.cli import register as register_calendar

    register_calendar(app)
    from .reports.cli import register as register_report

    register_report(app)  # noqa: E702, I001
    from .ledger.cli import register as register_ledger

    register_ledger(app)  # noqa: E702, I001
    from .reminders.cli import register as register_reminders

    register_reminders(app)  # noqa: E702, I001
    from .backup.cli import register as register_backup

    register_backup(app)  # noqa: E702, I001
    from .audit_cli import register as register_audit

    register_audit(app)  # noqa: E702, I001
    from .api.cli import register as register_api

    register_api(app)  # noqa: E702, I001
    from .accounts.tree_cli import register as register_tree

    register_tree(app)  # noqa: E702, I001
    _check_every_command(app.cli)  # last: also the commands registered above
