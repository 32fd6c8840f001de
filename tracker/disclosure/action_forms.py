"""The forms of the handling workflow's action pages and how each is prepared for a case (choices, defaults)."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..accounts.models import Section
from ..extensions import db
from ..forms import REQUIRED
from ..rules import deadlines, outcomes
from ..rules.clock import today_cn
from ..rules.fees import FeeMethod
from . import letters, services, workflow
from .forms import IntakeForm
from .reviews import REVIEW_KINDS, REVIEW_RESULTS

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
    legal_ground = TextAreaField("法律依据和理由（部分公开及各类不予公开、无法提供、不予处理必填）")
    responsible_agency = StringField("负责公开的机关（非本机关政府信息，能确定的填写）")
    answer_summary = TextAreaField("答复要点")


class DeliveryForm(ActionForm):
    answer_date = _date("答复日期", True)
    delivery_method = _select("送达方式", True)
    delivered_on = _date("送达（发出）日期", True)


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
    matter = TextAreaField("征求意见事项")


class ConsultationClosedForm(ActionForm):
    clock_action_id = _select("征求意见", True)
    end_reason = _select("结果", True)
    ended_on = _date("收到答复日期（期限届满未答复的无需填写）")
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
    note = TextAreaField("备注")


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
    if request.method == "GET" and source:
        for name in ("outcome", "letter_kind", "legal_ground", "responsible_agency", "answer_summary"):
            getattr(form, name).data = source.get(name)


def _delivery_choices(form, req):
    form.delivery_method.choices = [("", "请选择")] + list(workflow.DELIVERY_METHODS.items())
    if request.method == "GET":
        form.answer_date.data = form.delivered_on.data = today_cn()


def review_choices(form, req):
    form.kind.choices = [("", "请选择")] + list(REVIEW_KINDS.items())
    form.result.choices = [("", "尚未审结")] + list(REVIEW_RESULTS.items())


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


def prepare_consult(form, req):
    form.kind.choices = [("", "请选择")] + list(services.CONSULT_KINDS.items())
    prepare_today("sent_on")(form, req)


def prepare_consult_closed(form, req):
    form.clock_action_id.choices = [
        (str(a.id), f"{a.party}（{a.started_on}发出，{a.window_end}前答复）")
        for a in services.open_clock_actions(req, *services.CONSULT_KINDS)
    ]
    form.end_reason.choices = [("answered", "已收到答复"), ("window_closed", "期限届满未答复")]
    prepare_today("ended_on")(form, req)


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
