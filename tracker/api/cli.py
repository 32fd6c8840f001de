"""flask api-token create|list|revoke: the platform's tokens from the command line."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from ..cli import fail
from ..errors import ServiceError
from ..extensions import db


@click.group("api-token")
def api_token():
    """在线申请平台的接口令牌。"""


@api_token.command("create")
@click.option("--agency", "agency_name", default=None, help="机关名称（默认第一个机关）")
@click.option("--name", "name", required=True, help="令牌名称，例如“省政府门户网站在线申请平台”")
@with_appcontext
def create_cmd(agency_name, name):
    """创建令牌；令牌只显示这一次，系统只保存其摘要。"""
    from ..accounts import services
    from . import tokens

    try:
        row, secret = tokens.create_token(None, services.agency_by_name(agency_name), name)
    except ServiceError as e:
        db.session.rollback()
        fail(e.message)
    click.echo(f"已为“{row.agency.name}”创建接口令牌“{row.name}”（编号 {row.id}）。")
    click.echo(f"令牌（只显示这一次，请立即交给平台并妥善保管）：{secret}")


@api_token.command("list")
@click.option("--agency", "agency_name", default=None, help="机关名称（默认第一个机关）")
@with_appcontext
def list_cmd(agency_name):
    """列出令牌（编号、名称、前缀、状态）。"""
    from ..accounts import services
    from . import tokens

    try:
        agency = services.agency_by_name(agency_name)
    except ServiceError as e:
        fail(e.message)
    for row in tokens.tokens_of(agency.id):
        state = f"已吊销 {row.revoked_at:%Y-%m-%d %H:%M} UTC" if row.revoked_at else "有效"
        click.echo(f"{row.id}\t{row.name}\t{row.prefix}…\t{state}")


@api_token.command("revoke")
@click.argument("token_id", type=int)
@click.option("--agency", "agency_name", default=None, help="机关名称（默认第一个机关）")
@with_appcontext
def revoke_cmd(token_id, agency_name):
    """吊销令牌：此后用它的调用一律被拒绝。"""
    from ..accounts import services
    from . import tokens

    try:
        row = tokens.revoke_token(None, services.agency_by_name(agency_name), token_id)
    except ServiceError as e:
        db.session.rollback()
        fail(e.message)
    click.echo(f"已吊销接口令牌“{row.name}”（编号 {row.id}）。")


def register(app: Flask) -> None:
    app.cli.add_command(api_token)
