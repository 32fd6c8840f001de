"""Form field types only; every rule is checked by tracker.proposals.services (the one place).

Several action forms share the detail page, so their field names are unique across forms and the
templates write the CSRF token and the version as plain hidden inputs (no duplicate element ids).
"""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Optional

from ..forms import REQUIRED, show_missing
from ..rules import proposals as rules

DATE_MESSAGE = "日期格式不正确，请按“年-月-日”填写，例如 2026-03-02。"
_DATE = {"validators": [Optional()], "render_kw": {"type": "date"}}
_REQUIRED_DATE = {"validators": [Optional(), *REQUIRED], "render_kw": {"type": "date"}}


def _choices(vocabulary: dict[str, str], blank: str | None = "请选择") -> list[tuple[str, str]]:
    return ([("", blank)] if blank is not None else []) + list(vocabulary.items())


class _Form(FlaskForm):
    """Date fields that fail to parse get one clear Chinese message instead of WTForms' default."""

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for f in self:
            if f.type == "DateField" and f.errors and f.data is None:  # unreadable, not out of range
                f.errors[:] = [DATE_MESSAGE]
        if not ok:
            show_missing(self)
        return ok


class RegisterForm(_Form):
    kind = SelectField("类型", choices=_choices(rules.KINDS), validate_choice=False, validators=REQUIRED)
    session = StringField("届次会议（如：区十九届人大三次会议）", validators=REQUIRED)
    number = StringField("编号（人大、政协的编号）", validators=REQUIRED)
    title = StringField("标题", validators=REQUIRED)
    content = TextAreaField("内容")
    lead_author = StringField("领衔代表/委员", validators=REQUIRED)
    cosigners = TextAreaField("附议/联名代表委员（多个用顿号分隔）")
    assigned_on = DateField("交办日期", **_REQUIRED_DATE)
    lead_section_id = SelectField("主办科室", choices=[], validate_choice=False, validators=REQUIRED)
    assist_section_ids = SelectMultipleField("协办科室（可多选）", choices=[], validate_choice=False)
    joint_section_ids = SelectMultipleField("会办科室（可多选）", choices=[], validate_choice=False)
    attachment = FileField("交办材料（建议提案原件扫描件，可选）")

    def set_sections(self, sections) -> None:
        pairs = [(str(s.id), s.name) for s in sections]
        self.lead_section_id.choices = [("", "请选择")] + pairs
        self.assist_section_ids.choices = pairs
        self.joint_section_ids.choices = pairs

    def data_dict(self) -> dict:
        return {name: f.data for name, f in self._fields.items() if name not in ("csrf_token", "attachment")}


class EditForm(RegisterForm):
    reason = StringField("修改原因")


class ContactForm(_Form):
    contact_form = SelectField(
        "沟通方式", choices=_choices(rules.CONTACT_FORMS), validate_choice=False, validators=REQUIRED
    )
    contacted_on = DateField("沟通日期", **_REQUIRED_DATE)
    contact_note = TextAreaField("沟通情况（可选）")

    def data_dict(self) -> dict:
        return {"form": self.contact_form.data, "contacted_on": self.contacted_on.data, "note": self.contact_note.data}


class OpinionForm(_Form):
    opinion_section = SelectField("协办/会办科室", choices=[], validate_choice=False, validators=REQUIRED)
    opinion = TextAreaField("协办意见", validators=REQUIRED)
    opinion_on = DateField("提交日期", **_REQUIRED_DATE)
    opinion_file = FileField("意见附件（可选）")

    def data_dict(self) -> dict:
        return {
            "section_id": self.opinion_section.data,
            "opinion": self.opinion.data,
            "opinion_on": self.opinion_on.data,
        }


class ReplyForm(_Form):
    result_class = SelectField("答复类别", choices=[], validate_choice=False, validators=REQUIRED)
    reply_date = DateField("答复日期", **_REQUIRED_DATE)
    reply_summary = TextAreaField("答复摘要（可选）")
    reply_document = FileField("答复文件（可选）")

    def set_labels(self, labels: dict[str, str]) -> None:
        self.result_class.choices = [("", "请选择")] + [
            (k, rules.result_label(k, labels)) for k in rules.RESULT_CLASSES
        ]

    def data_dict(self) -> dict:
        return {
            "result_class": self.result_class.data,
            "reply_date": self.reply_date.data,
            "summary": self.reply_summary.data,
        }


class PublishForm(_Form):
    published = SelectField("是否公开答复", choices=[("1", "已公开"), ("0", "不公开")], validate_choice=False)
    published_on = DateField("公开日期", **_DATE)
    publish_link = StringField("公开链接（可选）")

    def data_dict(self) -> dict:
        return {
            "published": self.published.data == "1",
            "published_on": self.published_on.data,
            "publish_link": self.publish_link.data,
        }


class FeedbackForm(_Form):
    satisfaction = SelectField(
        "反馈意见", choices=_choices(rules.SATISFACTION), validate_choice=False, validators=REQUIRED
    )
    feedback_on = DateField("反馈日期", **_REQUIRED_DATE)
    feedback_note = TextAreaField("说明（可选）")

    def data_dict(self) -> dict:
        return {
            "satisfaction": self.satisfaction.data,
            "feedback_on": self.feedback_on.data,
            "note": self.feedback_note.data,
        }


class ExtensionForm(_Form):
    to_months = SelectField("延期至交办后", choices=[], validate_choice=False, validators=REQUIRED)
    extension_reason = TextAreaField("延期理由", validators=REQUIRED)

    def set_months(self, current: int, maximum: int) -> None:
        self.to_months.choices = [("", "请选择")] + [(str(m), f"{m}个月") for m in range(current + 1, maximum + 1)]

    def data_dict(self) -> dict:
        return {"to_months": self.to_months.data, "reason": self.extension_reason.data}


class DecisionForm(_Form):
    decision = SelectField(
        "审批意见",
        choices=[("", "请选择"), ("approve", "批准延期"), ("refuse", "不批准")],
        validate_choice=False,
        validators=REQUIRED,
    )
    decision_note = TextAreaField("说明（不批准时必填）")

    def data_dict(self) -> dict:
        return {"decision": self.decision.data, "note": self.decision_note.data}


class AttachmentForm(_Form):
    attachment_kind = SelectField(
        "附件类型", choices=_choices(rules.ATTACHMENT_KINDS, None), default="other", validate_choice=False
    )
    attachment_file = FileField("文件", validators=REQUIRED)


class LabelsForm(_Form):
    A = StringField("A类", validators=REQUIRED)
    B = StringField("B类", validators=REQUIRED)
    C = StringField("C类", validators=REQUIRED)
    D = StringField("D类", validators=REQUIRED)
