"""The forms of the handling workflow's action pages and how each is prepared for a case (choices, defaults)."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..accounts.models import Section
from ..extensions import db
from ..forms import REQUIRED
from ..rules import deadlines, outcomes
from ..rules.clock import today_cn
from ..rules.fees import FeeMethod
from . import delivery, letters, repeats, services, workflow
from .forms import IntakeForm
from .reviews import REVIEW_KINDS, REVIEW_RESULTS, UNATTACHED_SUBJECTS

DATE_MESSAGE = IntakeForm.DATE_MESSAGE


def _date(label: str, required: bool = False) -> DateField:
    return DateField(label, validators=[Optional(), *(REQUIRED if required else ())], render_kw={"type": "date"})


def _select(label: str, required: bool = False) -> SelectField:
    return SelectField(label, choices=[], validate_choice=False, validators=REQUIRED if required else [])


def _text(label: str) -> TextAreaField:
    """A text the service refuses empty."""
    return TextAreaField(label, validators=REQUIRED)


class ActionForm(FlaskForm):
    version = HiddenField()
    seen = HiddenField()  # the case's newest event when the page was loaded: what changed since is shown


INTERNAL_DUE_HELP = (
    "科室应在此日期前提交答复稿，留出审核和送达的时间；不填则按机关设置自动确定（法定答复期限前若干个工作日）。"
)


class AssignSectionForm(ActionForm):
    section_id = _select("承办科室", True)
    instruction = TextAreaField("领导批示（可选）")
    internal_due = DateField(
        "内部办理期限（可选）", validators=[Optional()], render_kw={"type": "date"}, description=INTERNAL_DUE_HELP
    )


class ReassignSectionForm(ActionForm):
    section_id = _select("改派至科室", True)
    reason = _text("改派原因")
    instruction = TextAreaField("领导批示（可选）")
    internal_due = DateField(
        "内部办理期限（可选）", validators=[Optional()], render_kw={"type": "date"}, description=INTERNAL_DUE_HELP
    )


class AssignHandlerForm(ActionForm):
    handler_id = _select("承办人", True)


class AddCohandlerForm(ActionForm):
    section_id = _select("协办科室", True)


class OpinionForm(ActionForm):
    opinion = _text("协办意见")


class AnswerContentForm(ActionForm):
    outcome = _select("办理结果", True)
    letter_kind = _select("答复书类型")
    legal_ground = TextAreaField("理由（部分公开及各类不予公开、无法提供、不予处理必填；法律依据由答复书自动引用）")
    responsible_agency = StringField("负责公开的机关（非本机关政府信息，能确定的填写）")
    proper_channel = StringField(
        outcomes.ALL_DETAIL_FIELDS["proper_channel"].label.replace("必填", "信访举报投诉类必填")
    )
    procedure = TextAreaField(outcomes.ALL_DETAIL_FIELDS["procedure"].label.replace("必填", "行政查询事项必填"))
    repeat_of_id = _select("重复申请所指的前次申请（重复申请必选，答复书引用其编号和答复日期）")
    answer_summary = TextAreaField("答复要点")


class DeliveryForm(ActionForm):
    answer_date = _date("答复日期（答复书落款日期）", True)
    delivery_method = _select("送达方式（尚未送达的留空，送达后在告知书中登记）")
    delivered_on = _date("送达日期（邮寄为交邮日期，当面为签收日期，电子邮件、网络平台为发送日期）")
    tracking_number = StringField("邮件单号（邮寄的填写）")


class LetterDeliveryForm(ActionForm):
    key = _select("告知书", True)
    delivery_method = _select("送达方式", True)
    delivered_on = _date("送达日期（邮寄为交邮日期，当面为签收日期，电子邮件、网络平台为发送日期）", True)
    tracking_number = StringField("邮件单号（邮寄的填写）")
    served_on = _date("对方收到日期（征求意见书、收费通知书：对方的期限自收到之日起计算；当面或电子送达的可不填）")
    proof = FileField("送达凭证（回执、签收单、发送记录的扫描件，可选）")


class ObjectionForm(ActionForm):
    clock_action_id = _select("不同意公开的第三方", True)
    decided_on = _date("决定公开的日期", True)
    content = _text("决定公开的政府信息内容")
    reasons = _text("决定公开的理由（不公开可能对公共利益造成重大影响的情形）")


class SplitForm(ActionForm):
    items = _text("拆分出的申请事项（每行一项，每项登记为一件新申请；原申请保留其余事项）")
    reason = _text("拆分理由")


class ConcludeForm(AnswerContentForm, DeliveryForm):
    pass


class NoteForm(ActionForm):
    note = TextAreaField("审核意见（可选）")


class ReasonForm(ActionForm):
    reason = _text("原因")


class ClarifyForm(ActionForm):
    notice_on = _date("补正告知日期", True)
    items = _text("需要补正的事项")
    period_workdays = StringField("补正期限（工作日）")


class ClarificationReceivedForm(ActionForm):
    received_on = _date("收到补正材料日期", True)
    note = TextAreaField("说明（逾期补正时写明正当理由）")


class ConsultForm(ActionForm):
    kind = _select("征求意见对象", True)
    party = StringField("第三方或机关名称", validators=REQUIRED)
    sent_on = _date("征求意见书发出日期", True)
    served_on = _date("对方收到日期（已知时填写，如当面送达；否则送达后在告知书中登记）")
    matter = TextAreaField("征求意见事项")


class ConsultationClosedForm(ActionForm):
    clock_action_id = _select("征求意见", True)
    end_reason = _select("结果", True)
    ended_on = _date("收到答复日期（期限届满未答复的无需填写）")
    position = _select("对方对公开的意见（已答复的必选）")
    opinion = TextAreaField("答复意见")


class FeeNoticeForm(ActionForm):
    method = _select("计收方式", True)
    pages = StringField("页数（按量计收）")
    units = StringField("拆分件数（按件计收，默认1）")
    notice_on = _date("收费通知发出日期", True)
    served_on = _date("申请人收到通知日期（不填则与发出日期相同）")
    confirm_amount = HiddenField()


class FeePaidForm(ActionForm):
    paid_on = _date("缴费日期", True)
    amount = StringField("缴费金额（元）", validators=REQUIRED)
    note = TextAreaField("说明（逾期缴费时写明正当理由）")


class ExtensionForm(ActionForm):
    workdays = StringField("延期天数（工作日，累计不超过20个）", validators=REQUIRED)
    reason = _text("延期理由")
    requested_on = _date("申请日期", True)


class DecideExtensionForm(ActionForm):
    clock_action_id = _select("延期申请", True)
    decision = _select("审批结果", True)
    decided_on = _date("审批日期", True)
    note = TextAreaField("审批意见")


class ExplicitDeadlineForm(ActionForm):
    due = _date("另行确定的答复期限", True)
    reason = _text("理由")
    set_on = _date("确定日期", True)


class WithdrawForm(ActionForm):
    withdrawn_on = _date("撤回日期", True)
    reason = TextAreaField("撤回说明")


class ReviewForm(ActionForm):
    kind = _select("类型", True)
    filed_on = _date("申请复议（起诉）日期", True)
    concluded_on = _date("审结日期（尚未审结的不填）")
    result = _select("审结结果")
    body = StringField("复议机关或法院")
    prior_reconsideration = TextAreaField(
        "行政复议情况说明（复议后起诉、而复议未在本系统登记时填写，如：2023年5月区人民政府作出维持的复议决定）"
    )
    note = TextAreaField("备注")


class UnattachedReviewForm(ReviewForm):
    subject = _select("所涉事项", True)
    subject_note = _text("所涉事项说明（如：对某文件主动公开不服；申请人称曾提交但本机关未收到的申请）")


class UpdateReviewForm(ReviewForm):
    review_id = _select("复议诉讼记录", True)


class LetterForm(ActionForm):
    key = _select("告知书", True)


# --- choices and defaults -------------------------------------------------------------------------


def _sections(req, exclude: set[int]) -> list[tuple[str, str]]:
    rows = db.session.scalars(
        select(Section).where(Section.agency_id == req.agency_id, Section.active.is_(True)).order_by(Section.name)
    ).all()
    return [("", "请选择")] + [(str(s.id), s.name) for s in rows if s.id not in exclude]


def _outcome_choices() -> list[tuple[str, str]]:
    # Flat, with the short labels that name their group; the lapse codes have their own actions.
    return [("", "请选择")] + [(c, text) for c, text in outcomes.choices() if c not in services.LAPSE_CODES]


def answer_choices(form, req, source: dict | None):
    form.outcome.choices = _outcome_choices()
    form.letter_kind.choices = [("", "按办理结果默认")] + list(outcomes.LETTER_KINDS.items())
    form.repeat_of_id.choices = [("", "不是重复申请")] + [
        (str(e.request.id), f"{e.request.number}（{e.answered_on}答复：{e.request.subject[:30]}）")
        for e in repeats.repeat_candidates(req)
    ]
    if request.method == "GET" and source:
        for name in ("outcome", "letter_kind", "legal_ground", "responsible_agency", "answer_summary"):
            getattr(form, name).data = source.get(name)
        for name, value in (source.get("outcome_details") or {}).items():
            if name in form:
                getattr(form, name).data = value
        if source.get("repeat_of_id"):
            form.repeat_of_id.data = str(source["repeat_of_id"])


def _delivery_choices(form, req):
    form.delivery_method.choices = [("", "尚未送达")] + list(workflow.DELIVERY_METHODS.items())
    if request.method == "GET":
        form.answer_date.data = today_cn()


def review_choices(form, req):
    form.kind.choices = [("", "请选择")] + list(REVIEW_KINDS.items())
    form.result.choices = [("", "尚未审结")] + list(REVIEW_RESULTS.items())
    if "subject" in form:
        form.subject.choices = [("", "请选择")] + list(UNATTACHED_SUBJECTS.items())


def prepare_update_review(form, req):
    review_choices(form, req)
    form.review_id.choices = [(str(r.id), f"{REVIEW_KINDS.get(r.kind, r.kind)}（{r.filed_on}）") for r in req.reviews]
    if request.method == "GET":
        chosen = request.args.get("review") or (form.review_id.choices[0][0] if form.review_id.choices else None)
        review = next((r for r in req.reviews if str(r.id) == str(chosen)), None)
        if review is not None:
            form.review_id.data = str(review.id)
            for name in ("kind", "filed_on", "concluded_on", "result", "body", "note"):
                getattr(form, name).data = getattr(review, name)


def prepare_today(*names: str) -> Callable:
    def prepare(form, req):
        if request.method == "GET":
            for name in names:
                getattr(form, name).data = today_cn()

    return prepare


def prepare_assign(form, req):
    form.section_id.choices = _sections(req, {req.section_id} if req.section_id else set())


def prepare_handler(form, req):
    form.handler_id.choices = [("", "请选择")] + [(str(u.id), u.display_name) for u in services.section_handlers(req)]


def prepare_cohandler(form, req):
    taken = {c.section_id for c in req.cohandlers} | {req.section_id}
    form.section_id.choices = _sections(req, taken)


def prepare_clarify(form, req):
    prepare_today("notice_on")(form, req)
    if request.method == "GET":
        form.period_workdays.data = str(
            current_app.config.get("CORRECTION_PERIOD_WORKDAYS", deadlines.CORRECTION_PERIOD_WORKDAYS)
        )


def prepare_extension(form, req):
    """The label names the request's own limit (the one in force on its receipt date)."""
    prepare_today("requested_on")(form, req)
    form.workdays.label.text = f"延期天数（工作日，累计不超过{deadlines.extension_limit(req.received_on)}个）"


def prepare_consult(form, req):
    form.kind.choices = [("", "请选择")] + list(services.CONSULT_KINDS.items())
    prepare_today("sent_on")(form, req)


def prepare_consult_closed(form, req):
    form.clock_action_id.choices = [
        (
            str(a.id),
            f"{a.party}（{a.started_on}发出，"
            + (f"{a.window_end}前答复）" if a.window_end else "尚未登记对方收到日期）"),
        )
        for a in services.open_clock_actions(req, *services.CONSULT_KINDS)
    ]
    form.end_reason.choices = [("answered", "已收到答复"), ("window_closed", "期限届满未答复")]
    form.position.choices = [("", "请选择")] + list(services.OBJECTIONS.items())
    prepare_today("ended_on")(form, req)


def prepare_objection(form, req):
    form.clock_action_id.choices = [
        (str(a.id), f"{a.party}（{a.ended_on}答复：不同意公开）") for a in services.objected_consultations(req)
    ]
    prepare_today("decided_on")(form, req)


def letter_delivery_choices(req) -> list[tuple[str, str]]:
    """The letters whose delivery can be recorded now (a draft answer under review cannot)."""
    return [(a.key, a.label) for a in letters.available_letters(req) if a.key != "answer" or letters._has_answer(req)]


def prepare_record_delivery(form, req):
    """One letter's delivery form when the page is opened for it (?letter=KEY): only the fields that letter
    takes (the recipient's receipt date only for a consultation or a fee notice)."""
    choices = letter_delivery_choices(req)
    form.delivery_method.choices = [("", "请选择")] + list(workflow.DELIVERY_METHODS.items())
    chosen = request.args.get("letter") or request.form.get("key")
    if chosen in dict(choices):
        form.key.choices = [(chosen, dict(choices)[chosen])]
        if not delivery.delivery_fields(chosen):
            del form.served_on
    else:
        form.key.choices = choices
    if request.method != "GET":
        return
    key = chosen if chosen in dict(choices) else (choices[0][0] if choices else None)
    if key is None:
        return
    form.key.data = key
    row = letters.letter_row(req, key)
    if row is not None and row.delivered_on is not None:
        form.delivery_method.data, form.delivered_on.data = row.delivery_method, row.delivered_on
        form.tracking_number.data = row.tracking_number
    else:
        form.delivered_on.data = today_cn()
    if delivery.delivery_fields(key) and "served_on" in form:
        action = letters._clock(req, key, key.partition(":")[0])
        form.served_on.data = action.served_on


def prepare_fee(form, req):
    form.method.choices = [(m.value, m.label) for m in FeeMethod]
    prepare_today("notice_on")(form, req)


def prepare_fee_paid(form, req):
    prepare_today("paid_on")(form, req)
    if request.method == "GET":
        form.amount.data = str(req.fee_amount or "")


def prepare_decide(form, req):
    from ..rules.clock import today_cn
    from ..workcal.service import current_calendar
    from . import clock

    cal, today = current_calendar(), today_cn()

    def preview(a) -> str:
        after = clock.preview_extension(req, cal, a, today).due
        return f"；批准后答复期限为{after.isoformat()}" if after else "；批准后期限仍暂停计算"

    form.clock_action_id.choices = [
        (str(a.id), f"延期{a.workdays}个工作日（{a.started_on}申请：{a.reason}）{preview(a)}")
        for a in services.pending_extensions(req)
    ]
    form.decision.choices = [("", "请选择"), ("approve", "批准"), ("refuse", "不批准")]
    prepare_today("decided_on")(form, req)


def prepare_conclude(form, req):
    answer_choices(form, req, req.draft)
    _delivery_choices(form, req)


def prepare_lapse(form, req):
    _delivery_choices(form, req)


def prepare_letter(form, req):
    form.key.choices = [(a.key, a.label) for a in letters.available_letters(req)]
