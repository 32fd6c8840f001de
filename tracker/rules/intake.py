"""Intake vocabulary of a disclosure request and the receipt-date rule (Regulation Art. 31).

The answer period runs from the receipt date (收到申请之日), which depends on how the request came in;
the form shows the channel's rule so staff record the legally right date, not the day they typed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .clock import to_cn, today_cn

_ART31 = "《条例》第三十一条"


@dataclass(frozen=True)
class Channel:
    id: str
    label: str
    receipt_rule: str  # how the receipt date is determined for this channel, shown on the form


CHANNELS: tuple[Channel, ...] = (
    Channel("in_person", "当面", f"当面提交的，以提交之日为收到申请之日（{_ART31}第（一）项）。"),
    Channel(
        "post", "邮寄", f"以挂号信、快递等需要签收的方式邮寄的，以本机关签收之日为收到申请之日（{_ART31}第（二）项）。"
    ),
    Channel(
        "letter",
        "平信",
        "以平常信函等无需签收的方式邮寄的，政府信息公开工作机构应当于收到当日与申请人确认，"
        f"以确认之日为收到申请之日（{_ART31}第（二）项）。",
    ),
    Channel(
        "online",
        "网络平台",
        f"通过政府信息公开申请平台等互联网渠道提交的，以双方确认之日为收到申请之日（{_ART31}第（三）项）。",
    ),
    Channel("email", "电子邮件", "通过本机关公布的电子邮箱提交的，以该邮箱收到申请之日为收到申请之日。"),
    Channel(
        "fax", "传真", f"通过政府信息公开工作机构的传真提交的，以双方确认之日为收到申请之日（{_ART31}第（三）项）。"
    ),
    Channel("other", "其他", "以其他方式提交的，以本机关实际收到申请之日为收到申请之日，请在备注中写明提交方式。"),
)
_CHANNELS = {c.id: c for c in CHANNELS}

PROVISION_FORMS: dict[str, str] = {"paper": "纸质", "electronic": "电子"}
OBTAIN_WAYS: dict[str, str] = {"post": "邮寄", "email": "电子邮件", "pickup": "自行领取", "online": "网络平台"}


def channel_ids() -> tuple[str, ...]:
    return tuple(_CHANNELS)


def provision_form_ids() -> tuple[str, ...]:
    return tuple(PROVISION_FORMS)


def obtain_way_ids() -> tuple[str, ...]:
    return tuple(OBTAIN_WAYS)


def channel(channel_id: str) -> Channel:
    try:
        return _CHANNELS[channel_id]
    except KeyError:
        raise KeyError(f"未知的申请渠道：{channel_id}") from None


def channel_rules() -> dict[str, str]:
    """Channel id -> receipt-date rule, for the form's explanation next to the date."""
    return {c.id: c.receipt_rule for c in CHANNELS}


def format_date_cn(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _require_date(value: object, name: str) -> None:
    # a datetime would compare by its UTC instant, not by the China calendar date the law counts
    if value is not None and (isinstance(value, datetime) or not isinstance(value, date)):
        raise TypeError(f"{name} must be a datetime.date, got {type(value).__name__}")


ONLINE_RECEIPT_SOURCE = "《中华人民共和国政府信息公开条例》第三十一条第（三）项"
ONLINE_RECEIPT_APPLIES_FROM = date(2019, 5, 15)  # the revised Regulation (国务院令第711号) in force


def online_receipt_date(confirmed_at: datetime) -> date:
    """The receipt date of a request submitted through the online application platform.

    申请人通过互联网渠道或者政府信息公开工作机构的传真提交政府信息公开申请的，以双方确认之日为收到申请
    之日 (ONLINE_RECEIPT_SOURCE, in force from ONLINE_RECEIPT_APPLIES_FROM). ``confirmed_at`` is the moment
    both sides confirmed (the platform's confirmation, an aware timestamp); the day is its date in China
    time, whatever zone the platform wrote it in.
    """
    if not isinstance(confirmed_at, datetime) or confirmed_at.tzinfo is None:
        raise ValueError("confirmed_at must be an aware datetime")
    return today_cn(confirmed_at)


def online_receipt_explanation(confirmed_at: datetime) -> str:
    """The receipt date of an online request explained in words, for the workbench and the case page."""
    local = to_cn(confirmed_at)
    return (
        f"网上申请平台于{format_date_cn(local.date())} {local:%H:%M}（北京时间）与申请人双方确认，"
        f"以双方确认之日为收到申请之日（{ONLINE_RECEIPT_SOURCE}）。"
    )


def intake_date_errors(
    sent: date | None, received: date | None, today: date, *, channel_id: str | None = None
) -> dict[str, str]:
    """What is wrong with the two dates of an intake, each under its own field: ``sent`` (the date the
    applicant submitted or posted the request, optional) and ``received`` (the receipt date).

    The receipt date is required; neither date is after `today` (China date); the receipt date is never
    before the date sent (that message stands under the receipt date, the one the deadline runs from).
    With `channel_id`, a missing receipt date is answered with that channel's rule.
    """
    _require_date(sent, "sent")
    _require_date(received, "received")
    _require_date(today, "today")
    errors: dict[str, str] = {}
    if sent is not None and sent > today:
        errors["sent"] = (
            f"申请人提交（寄出）日期{format_date_cn(sent)}晚于今天（{format_date_cn(today)}），不能是将来的日期，请核对"
        )
    if received is None:
        rule = (
            _CHANNELS[channel_id].receipt_rule
            if channel_id in _CHANNELS
            else (f"按{_ART31}根据提交方式确定，例如当面提交的为提交当日")
        )
        errors["received"] = f"请填写收到申请之日：{rule}"
    elif received > today:
        errors["received"] = (
            f"收到申请之日{format_date_cn(received)}晚于今天（{format_date_cn(today)}），不能是将来的日期，请核对"
        )
    elif sent is not None and received < sent and "sent" not in errors:
        errors["received"] = (
            f"收到申请之日{format_date_cn(received)}早于申请人提交（寄出）日期{format_date_cn(sent)}，"
            "收到日期不能早于提交日期，请核对这两个日期"
        )
    return errors


def receipt_date_error(
    sent: date | None, received: date | None, today: date, *, channel_id: str | None = None
) -> str | None:
    """The first problem of the two dates (intake_date_errors) as one message, or None; for callers that
    report a row, not fields (the ledger import)."""
    errors = intake_date_errors(sent, received, today, channel_id=channel_id)
    return errors.get("sent") or errors.get("received")
