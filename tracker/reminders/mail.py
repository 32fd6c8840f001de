"""One digest mail per person per run, sent with smtplib over a single connection.

Composing is pure; sending reports, per recipient, whether the server accepted the mail, so that the
caller can keep unaccepted reminders owed for the next run.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from .scan import KIND_LABELS

SMTP_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Line:
    kind: str
    text: str
    url: str


@dataclass
class Digest:
    recipient_id: int
    name: str
    email: str
    lines: list[Line] = field(default_factory=list)


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int = 25
    use_tls: bool = False
    username: str = ""
    password: str = ""
    sender: str = "tracker@localhost"

    @classmethod
    def from_config(cls, cfg: Mapping) -> MailSettings | None:
        """None when MAIL_SERVER is empty: reminders are then in-app only."""
        if not cfg.get("MAIL_SERVER"):
            return None
        return cls(
            server=cfg["MAIL_SERVER"],
            port=int(cfg.get("MAIL_PORT") or 25),
            use_tls=bool(cfg.get("MAIL_USE_TLS")),
            username=cfg.get("MAIL_USERNAME") or "",
            password=cfg.get("MAIL_PASSWORD") or "",
            sender=cfg.get("MAIL_DEFAULT_SENDER") or "tracker@localhost",
        )


def digests(rows: Iterable, base_url: str, kind_of=lambda r: r.kind) -> tuple[list[Digest], list[int]]:
    """Group claimed rows (id, recipient_id, display_name, email, kind, text, link) by person; the ids of
    rows whose person has no address are returned apart."""
    out: dict[int, Digest] = {}
    no_address: list[int] = []
    for r in rows:
        email = (r.email or "").strip()
        if not email:
            no_address.append(r.id)
            continue
        d = out.setdefault(r.recipient_id, Digest(r.recipient_id, r.display_name, email))
        d.lines.append(Line(kind_of(r), r.text, f"{base_url}{r.link or ''}"))
    return list(out.values()), no_address


def compose(
    digest: Digest,
    today: date,
    sender: str,
    system_name: str = "政府信息公开申请办理系统",
    *,
    heading: str = "期限提醒",
    intro: str = "您负责或督办的事项有以下期限提醒",
) -> EmailMessage:
    """The digest: a Chinese subject with the count, the lines grouped by kind, each with its link."""
    by_kind: dict[str, list[Line]] = {}
    for line in digest.lines:
        by_kind.setdefault(line.kind, []).append(line)
    counts = "，".join(f"{KIND_LABELS.get(k, k)}{len(v)}项" for k, v in _ordered(by_kind))
    msg = EmailMessage()
    msg["Subject"] = f"【{heading}】{today.year}年{today.month}月{today.day}日：{counts}"
    msg["From"] = sender
    msg["To"] = formataddr((digest.name, digest.email))
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    body = [
        f"{digest.name}：",
        "",
        f"截至{today.isoformat()}，{intro}（共{len(digest.lines)}项）：",
        "",
    ]
    for kind, lines in _ordered(by_kind):
        body.append(f"【{KIND_LABELS.get(kind, kind)}】")
        for i, line in enumerate(lines, 1):
            body.append(f"{i}. {line.text}")
            body.append(f"   查看：{line.url}")
        body.append("")
    body += [f"以上{heading}也可在系统的“通知”页面查看。", f"—— {system_name}（系统自动发送，请勿直接回复）"]
    msg.set_content("\n".join(body), charset="utf-8")
    return msg


def _ordered(by_kind: Mapping[str, list[Line]]) -> list[tuple[str, list[Line]]]:
    order = {k: i for i, k in enumerate(KIND_LABELS)}
    return sorted(by_kind.items(), key=lambda kv: order.get(kv[0], len(order)))


def send(settings: MailSettings, messages: Iterable[tuple[int, EmailMessage]]) -> dict[int, str | None]:
    """Send each (recipient_id, message); recipient_id -> None when accepted, else the error (Chinese)."""
    pending = list(messages)
    results: dict[int, str | None] = {}
    if not pending:
        return results
    try:
        smtp = smtplib.SMTP(settings.server, settings.port, timeout=SMTP_TIMEOUT_SECONDS)
    except (OSError, smtplib.SMTPException) as e:
        return {rid: f"无法连接邮件服务器 {settings.server}:{settings.port}（{e}）" for rid, _ in pending}
    try:
        smtp.ehlo_or_helo_if_needed()
        if settings.use_tls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.username:
            smtp.login(settings.username, settings.password)
    except (OSError, smtplib.SMTPException) as e:
        _quit(smtp)
        return {rid: f"邮件服务器拒绝连接或登录（{e}）" for rid, _ in pending}
    for rid, msg in pending:
        try:
            refused = smtp.send_message(msg)
            results[rid] = f"收件人被拒绝：{', '.join(refused)}" if refused else None
        except smtplib.SMTPServerDisconnected as e:
            results[rid] = f"邮件服务器断开连接（{e}）"
            for other, _ in pending:
                results.setdefault(other, f"邮件服务器断开连接（{e}）")
            break
        except (OSError, smtplib.SMTPException) as e:
            results[rid] = f"发送失败（{e}）"
    _quit(smtp)
    return results


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
