"""Field types only; every rule is checked by the services (tracker.reports.registers / services)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField

from ..forms import REQUIRED
from .models import PROACTIVE
from .registers import SPECS, categories


class _EntryFields(FlaskForm):
    entry_date = StringField("日期", render_kw={"type": "date"})
    title = StringField("标题")
    doc_number = StringField("文号")
    link = StringField("链接（网址）")
    abolished_on = StringField("废止日期（尚未废止的留空）", render_kw={"type": "date"})
    quantity = StringField("决定数量（件）", render_kw={"inputmode": "numeric"})
    amount_yuan = StringField("收费金额（元）", render_kw={"inputmode": "decimal"})
    note = TextAreaField("备注")


class ProactiveEntryForm(_EntryFields):
    category = StringField(
        "类别（可从建议中选择，也可自行填写）", render_kw={"list": "proactive-categories", "maxlength": 40}
    )


class Table2EntryForm(_EntryFields):
    category = SelectField("类别", choices=[], validate_choice=False)


def entry_form(kind: str, **kwargs) -> FlaskForm:
    """The form of one register, showing only that register's fields, labelled as the register calls them."""
    spec = SPECS[kind]
    form = ProactiveEntryForm(**kwargs) if kind == PROACTIVE else Table2EntryForm(**kwargs)
    if kind != PROACTIVE:
        form.category.choices = categories(kind)
    form.entry_date.label.text = spec.date_label
    form.title.label.text = spec.title_label + ("" if spec.title_required else "（可不填，自动生成）")
    form.visible = (
        ["entry_date", "category", "title"]
        + [
            name
            for name, on in (
                ("doc_number", spec.has_number),
                ("link", spec.has_link),
                ("abolished_on", spec.has_abolition),
                ("quantity", spec.has_quantity),
                ("amount_yuan", spec.has_amount),
            )
            if on
        ]
        + ["note"]
    )
    # What the register's spec requires (tracker.reports.registers.validate refuses it empty) is marked.
    required = {"entry_date", "category", "doc_number", "quantity", "amount_yuan"}
    if spec.title_required:
        required.add("title")
    for name in required & set(form.visible):
        form[name].flags.required = True
    return form


def entry_data(form) -> dict:
    return {name: form[name].data for name in form.visible}


class CsrfOnlyForm(FlaskForm):
    """Forms whose fields are read by name (the narrative parts) or that carry none (delete)."""


class PublishForm(FlaskForm):
    confirm = BooleanField(
        "我已核对本年度报告的数字和文字；发布后将冻结，以后对案件的修改只显示为差异，不会改变已发布的报告",
        validators=REQUIRED,
    )
