"""`flask --app tracker audit verify`: check every chain of the event log (tracker.rules.event_chain).

One pass over the events in id order (streamed in batches, no query per event) after the chain heads are
read; a summary per agency in Chinese; on a break the first broken event of each chain and exit code 1.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from .audit import EVENT_LABELS, Event, EventChain
from .extensions import db
from .rules import event_chain
from .rules.clock import to_cn

BATCH = 5000
COLUMNS = ("id", "agency_id", "prev_hash", "hash", *event_chain.CONTENT)


def _heads() -> dict[int, tuple[int, str]]:
    rows = db.session.execute(db.select(EventChain.chain, EventChain.seq, EventChain.last_hash))
    return {c: (s, h) for c, s, h in rows}


def verify(batch: int = BATCH) -> event_chain.Verifier:
    """Verify every chain; the caller reads ``checked()`` and ``breaks``."""
    verifier = event_chain.Verifier(limits=_heads())
    stmt = db.select(*(Event.__table__.c[n] for n in COLUMNS)).order_by(Event.id)
    for row in db.session.execute(stmt.execution_options(yield_per=batch)).mappings():
        verifier.add(row)
    verifier.finish(_heads())
    db.session.rollback()  # end the read transaction (and the server-side cursor on PostgreSQL)
    return verifier


def _chain_name(chain: int, names: dict[int, str]) -> str:
    if chain == event_chain.NO_AGENCY:
        return "不属于任何机关的事件"
    return f"{names.get(chain, '（已不存在的机关）')}（机关编号 {chain}）"


def describe(b: event_chain.Break, names: dict[int, str]) -> str:
    where = _chain_name(b.chain, names)
    if b.event_id is None:
        return f"{where}：{b.reason}"
    at = to_cn(b.created_at).strftime("%Y-%m-%d %H:%M:%S") if b.created_at else "（无时间）"
    label = EVENT_LABELS.get(b.kind, b.kind)
    return f"{where}：事件 #{b.event_id}（{label} {b.kind}，北京时间 {at}）{b.reason}"


audit_cli = AppGroup("audit", help="事件日志（审计记录）。")


@audit_cli.command("verify")
def verify_cmd():
    """校验事件日志的哈希链：逐条核对每个机关的事件，报告第一处断裂。"""
    from .accounts.models import Agency

    verifier = verify()
    names = dict(db.session.execute(db.select(Agency.id, Agency.name)).all())
    db.session.rollback()
    checked = verifier.checked()
    click.echo(f"事件日志链校验：共校验 {sum(checked.values())} 条事件，{len(checked)} 条链。")
    for chain, count in checked.items():
        click.echo(f"  {_chain_name(chain, names)}：{count} 条")
    if not verifier.breaks:
        click.echo("结论：每条链完整，未发现改动或删除。")
        return
    first = verifier.first_break()
    click.echo(f"结论：事件日志链断裂，共 {len(verifier.breaks)} 条链有问题。", err=True)
    click.echo(f"第一处断裂：{describe(first, names)}", err=True)
    for b in sorted(verifier.breaks.values(), key=lambda b: b.chain):
        if b is not first:
            click.echo(f"  另：{describe(b, names)}", err=True)
    sys.exit(1)


def register(app: Flask) -> None:
    app.cli.add_command(audit_cli)
