"""The registers that feed table 二 and the proactive-disclosure figures: one service for every change.

Each change checks the permission and every field first (all problems at once, in Chinese), then writes
the entry and its event in one transaction. The ledger import (issue 8) writes the same model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from .. import audit
from ..accounts.roles import require
from ..errors import FieldErrors, NotFound, ServiceError
from ..extensions import db
from ..rules.clock import today_cn, year_bounds
from ..rules.report_layout import TABLE2_BLOCKS
from ..unit_of_work import unit_of_work
from .models import DECISION, DOCUMENT, FEE, KIND_LABELS, KIND_OF_TABLE2_BLOCK, PROACTIVE, RegisterEntry

PERMISSION = "register.manage"
REFUSED = "您的角色不能维护登记簿。如需登记，请联系政务公开办。"
MAX_QUANTITY = 10_000_000
MAX_AMOUNT = Decimal("99999999999999.99")  # Numeric(16, 2)
LIMITS = {"title": 300, "category": 40, "doc_number": 100, "link": 500, "note": 2000}
DATE_FORMAT_HELP = "请按“年-月-日”填写，例如 2023-03-02"


@dataclass(frozen=True)
class KindSpec:
    date_label: str
    title_label: str
    title_required: bool
    has_number: bool = False
    has_link: bool = False
    has_abolition: bool = False
    has_quantity: bool = False
    has_amount: bool = False


SPECS: dict[str, KindSpec] = {
    PROACTIVE: KindSpec("公开日期", "信息标题", True, has_link=True),
    DOCUMENT: KindSpec("印发日期", "文件标题", True, has_number=True, has_link=True, has_abolition=True),
    DECISION: KindSpec("决定日期（定期汇总的填统计期末日）", "说明", False, has_quantity=True),
    FEE: KindSpec("收费日期（定期汇总的填统计期末日）", "说明", False, has_amount=True),
}


def categories(kind: str) -> list[tuple[str, str]]:
    """(id, official label) of the table 二 rows a register feeds; empty for the proactive register."""
    return [
        (row.id, row.label) for block in TABLE2_BLOCKS if KIND_OF_TABLE2_BLOCK[block.id] == kind for row in block.rows
    ]


def category_label(kind: str, category: str) -> str:
    return dict(categories(kind)).get(category, category)


RegisterInvalid = FieldErrors  # the one several-field-errors exception, under its old local name


def _text(data: dict, name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value).strip())


def _date(data: dict, name: str, label: str, errors: dict, required: bool) -> date | None:
    value = data.get(name)
    if isinstance(value, date):
        return value
    text = _text(data, name)
    if not text:
        if required:
            errors[name] = f"请填写{label}。"
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = f"{label}“{text}”格式不正确，{DATE_FORMAT_HELP}。"
        return None


def _quantity(data: dict, errors: dict) -> int | None:
    text = _text(data, "quantity").replace(",", "").replace("，", "")
    if not text:
        errors["quantity"] = "请填写决定数量（件）。"
        return None
    if not re.fullmatch(r"\d+", text) or not 1 <= int(text) <= MAX_QUANTITY:
        errors["quantity"] = f"决定数量应为 1 到 {MAX_QUANTITY} 之间的整数（现为“{text}”）。"
        return None
    return int(text)


def _amount(data: dict, errors: dict) -> Decimal | None:
    value = data.get("amount_yuan")
    text = _text(data, "amount_yuan").replace(",", "").replace("，", "")
    if not text:
        errors["amount_yuan"] = "请填写收费金额（元）。"
        return None
    try:
        amount = value if isinstance(value, Decimal) else Decimal(text)
    except InvalidOperation:
        errors["amount_yuan"] = f"收费金额“{text}”不是数字，请填写以元为单位的金额，例如 1234.50。"
        return None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        errors["amount_yuan"] = f"收费金额应大于 0、最多两位小数（单位：元），现为“{text}”。"
        return None
    return amount.quantize(Decimal("0.01"))


def validate(kind: str, data: dict, today: date) -> dict:
    """The clean column values of an entry of `kind`; RegisterInvalid listing every problem otherwise."""
    if kind not in SPECS:
        raise ServiceError(f"未知的登记簿：{kind}")
    spec = SPECS[kind]
    errors: dict[str, str] = {}
    clean: dict = {"kind": kind}
    entry_date = _date(data, "entry_date", spec.date_label, errors, required=True)
    if entry_date and entry_date > today:
        errors["entry_date"] = f"{spec.date_label}不能晚于今天（{today.isoformat()}），请核对。"
    clean["entry_date"] = entry_date

    category = _text(data, "category")
    allowed = categories(kind)
    if kind == PROACTIVE:
        if not category:
            errors["category"] = "请填写主动公开信息的类别，例如 机构职能。"
    elif len(allowed) == 1 and not category:
        category = allowed[0][0]
    elif category not in dict(allowed):
        errors["category"] = "请选择" + "、".join(label for _, label in allowed) + "中的一项。"
    clean["category"] = category

    title = _text(data, "title")
    if not title:
        if spec.title_required:
            errors["title"] = f"请填写{spec.title_label}。"
        elif entry_date and category in dict(allowed):
            title = f"{category_label(kind, category)}（{entry_date.isoformat()}）"
    clean["title"] = title

    clean["doc_number"] = _text(data, "doc_number") or None if spec.has_number else None
    if spec.has_number and not clean["doc_number"]:
        errors["doc_number"] = "请填写文号，例如 某政规〔2023〕1号。"
    link = _text(data, "link") if spec.has_link else ""
    if link and not re.match(r"^(https?://|/)\S+$", link):
        errors["link"] = "链接应以 http:// 或 https:// 开头，且不含空格。"
    clean["link"] = link or None

    abolished_on = _date(data, "abolished_on", "废止日期", errors, required=False) if spec.has_abolition else None
    if abolished_on and entry_date and abolished_on < entry_date:
        errors["abolished_on"] = f"废止日期不能早于印发日期（{entry_date.isoformat()}）。"
    elif abolished_on and abolished_on > today:
        errors["abolished_on"] = f"废止日期不能晚于今天（{today.isoformat()}）；尚未废止的请留空。"
    clean["abolished_on"] = abolished_on
    clean["quantity"] = _quantity(data, errors) if spec.has_quantity else 1
    clean["amount_yuan"] = _amount(data, errors) if spec.has_amount else None
    clean["note"] = _text(data, "note") or None

    names = {"title": spec.title_label, "category": "类别", "doc_number": "文号", "link": "链接", "note": "备注"}
    for name, limit in LIMITS.items():
        value = clean.get(name) or ""
        if len(value) > limit and name not in errors:
            errors[name] = f"{names[name]}不能超过{limit}个字（现为{len(value)}个字），请精简。"
    if errors:
        raise RegisterInvalid(errors)
    return clean


def _event_data(diff: dict[str, list]) -> dict[str, list]:
    """Amounts as strings: the event log is JSON and a Decimal is not."""
    return {k: [str(v) if isinstance(v, Decimal) else v for v in pair] for k, pair in diff.items()}


def get_entry(actor, entry_id: int) -> RegisterEntry:
    """The entry if it belongs to the actor's agency; NotFound exactly as for one that does not exist."""
    entry = db.session.scalar(
        select(RegisterEntry).where(RegisterEntry.id == entry_id, RegisterEntry.agency_id == actor.agency_id)
    )
    if entry is None:
        raise NotFound("登记记录不存在或您无权查看。")
    return entry


def add_entry(actor, kind: str, data: dict, *, today: date | None = None) -> RegisterEntry:
    require(actor, PERMISSION, REFUSED)
    clean = validate(kind, data, today or today_cn())
    entry = RegisterEntry(agency_id=actor.agency_id, created_by_id=actor.id, source="manual", **clean)
    db.session.add(entry)
    with unit_of_work():
        db.session.flush()
        audit.log(
            "register.added", entry, actor, _event_data({k: [None, v] for k, v in clean.items() if v is not None})
        )
    return entry


def edit_entry(actor, entry_id: int, data: dict, *, today: date | None = None) -> dict:
    """Apply a correction; returns {field: [old, new]} of what changed (empty: nothing to do)."""
    require(actor, PERMISSION, REFUSED)
    entry = get_entry(actor, entry_id)
    clean = validate(entry.kind, data, today or today_cn())
    clean.pop("kind")
    with unit_of_work():
        diff = audit.changes(entry, clean)
        if diff:
            audit.log("register.edited", entry, actor, _event_data(diff))
    return diff


def delete_entry(actor, entry_id: int) -> None:
    require(actor, PERMISSION, REFUSED)
    entry = get_entry(actor, entry_id)
    kept = {
        c: getattr(entry, c)
        for c in (
            "kind",
            "category",
            "entry_date",
            "title",
            "doc_number",
            "link",
            "abolished_on",
            "quantity",
            "amount_yuan",
        )
    }
    with unit_of_work():
        audit.log(
            "register.deleted", entry, actor, _event_data({k: [v, None] for k, v in kept.items() if v is not None})
        )
        db.session.delete(entry)


def list_query(agency_id: int, kind: str, year: int | None):
    """Entries of one register, newest first; `year` filters by the entry's date (the indexed column)."""
    q = select(RegisterEntry).where(RegisterEntry.agency_id == agency_id, RegisterEntry.kind == kind)
    bounds = year_bounds(year)
    if bounds:
        q = q.where(RegisterEntry.entry_date.between(*bounds))
    return q.order_by(RegisterEntry.entry_date.desc(), RegisterEntry.id.desc())


__all__ = [
    "KIND_LABELS",
    "SPECS",
    "add_entry",
    "edit_entry",
    "delete_entry",
    "get_entry",
    "list_query",
    "validate",
    "categories",
    "category_label",
    "RegisterInvalid",
]
