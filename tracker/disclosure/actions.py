"""Pages of the handling workflow: one generic action page per (case, action), letters, letter templates.

Thin by design: a view finds the case through the scoped query (404 for a case the user may not see),
asks tracker.disclosure.workflow whether the action is allowed (403 for the wrong role or a co-handler,
back to the case with the reason for the wrong state), and passes the form to the action's service.
Refusals show the service's Chinese messages next to the fields and keep what the user typed; a
stale form (someone else saved first) is answered with 409 and the same kept input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..accounts.access import get_request_for
from ..accounts.decorators import permission_required
from ..accounts.models import Section
from ..errors import ConflictError, NotFound, PermissionDenied, ServiceError
from ..extensions import db
from ..rules import deadlines, outcomes
from ..rules.clock import today_cn
from ..rules.fees import FeeMethod
from ..workcal.service import current_calendar
from . import letters, services, workflow
from .forms import IntakeForm
from .reviews import REVIEW_KINDS, REVIEW_RESULTS, record_review, update_review
from .views import bp

DATE_MESSAGE = IntakeForm.DATE_MESSAGE


def _date(label: str) -> DateField:
    return DateField(label, validators=[Optional()], render_kw={"type": "date"})


def _select(label: str) -> SelectField:
    return SelectField(label, choices=[], validate_choice=False)


class ActionForm(FlaskForm):
    version = HiddenField()


class AssignSectionForm(ActionForm):
    section_id = _select("承办科室")
    instruction = TextAreaField("领导批示（可选）")


class ReassignSectionForm(ActionForm):
    section_id = _select("改派至科室")
    reason = TextAreaField("改派原因")
    instruction = TextAreaField("领导批示（可选）")


class AssignHandlerForm(ActionForm):
    handler_id = _select("承办人")


class AddCohandlerForm(ActionForm):
    section_id = _select("协办科室")


class OpinionForm(ActionForm):
    opinion = TextAreaField("协办意见")


class AnswerContentForm(ActionForm):
    outcome = _select("办理结果")
    letter_kind = _select("答复书类型")
    legal_ground = TextAreaField("法律依据和理由（部分公开及各类不予公开、无法提供、不予处理必填）")
    responsible_agency = StringField("负责公开的机关（非本机关政府信息，能确定的填写）")
    answer_summary = TextAreaField("答复要点")


class DeliveryForm(ActionForm):
    answer_date = _date("答复日期")
    delivery_method = _select("送达方式")
    delivered_on = _date("送达（发出）日期")


class ConcludeForm(AnswerContentForm, DeliveryForm):
    pass


class NoteForm(ActionForm):
    note = TextAreaField("审核意见（可选）")


class ReasonForm(ActionForm):
    reason = TextAreaField("原因")


class ClarifyForm(ActionForm):
    notice_on = _date("补正告知日期")
    items = TextAreaField("需要补正的事项")
    period_workdays = StringField("补正期限（工作日）")


class ClarificationReceivedForm(ActionForm):
    received_on = _date("收到补正材料日期")
    note = TextAreaField("说明（逾期补正时写明正当理由）")


class ConsultForm(ActionForm):
    kind = _select("征求意见对象")
    party = StringField("第三方或机关名称")
    sent_on = _date("征求意见书发出日期")
    matter = TextAreaField("征求意见事项")


class ConsultationClosedForm(ActionForm):
    clock_action_id = _select("征求意见")
    end_reason = _select("结果")
    ended_on = _date("收到答复日期（期限届满未答复的无需填写）")
    opinion = TextAreaField("答复意见")


class FeeNoticeForm(ActionForm):
    method = _select("计收方式")
    pages = StringField("页数（按量计收）")
    units = StringField("拆分件数（按件计收，默认1）")
    notice_on = _date("收费通知发出日期")
    served_on = _date("申请人收到通知日期（不填则与发出日期相同）")
    confirm_amount = HiddenField()


class FeePaidForm(ActionForm):
    paid_on = _date("缴费日期")
    amount = StringField("缴费金额（元）")
    note = TextAreaField("说明（逾期缴费时写明正当理由）")


class ExtensionForm(ActionForm):
    workdays = StringField("延期天数（工作日，累计不超过20个）")
    reason = TextAreaField("延期理由")
    requested_on = _date("申请日期")


class DecideExtensionForm(ActionForm):
    clock_action_id = _select("延期申请")
    decision = _select("审批结果")
    decided_on = _date("审批日期")
    note = TextAreaField("审批意见")


class ExplicitDeadlineForm(ActionForm):
    due = _date("另行确定的答复期限")
    reason = TextAreaField("理由")
    set_on = _date("确定日期")


class WithdrawForm(ActionForm):
    withdrawn_on = _date("撤回日期")
    reason = TextAreaField("撤回说明")


class ReviewForm(ActionForm):
    kind = _select("类型")
    filed_on = _date("申请复议（起诉）日期")
    concluded_on = _date("审结日期（尚未审结的不填）")
    result = _select("审结结果")
    body = StringField("复议机关或法院")
    note = TextAreaField("备注")


class UpdateReviewForm(ReviewForm):
    review_id = _select("复议诉讼记录")


class LetterForm(ActionForm):
    key = _select("告知书")


# --- choices and defaults -------------------------------------------------------------------------


def _sections(req, exclude: set[int]) -> list[tuple[str, str]]:
    rows = db.session.scalars(
        select(Section).where(Section.agency_id == req.agency_id, Section.active.is_(True)).order_by(Section.name)
    ).all()
    return [("", "请选择")] + [(str(s.id), s.name) for s in rows if s.id not in exclude]


def _outcome_choices() -> list[tuple[str, str]]:
    # Flat, with the short labels that name their group; the lapse codes have their own actions.
    return [("", "请选择")] + [(c, text) for c, text in outcomes.choices() if c not in services.LAPSE_CODES]


def _answer_choices(form, req, source: dict | None):
    form.outcome.choices = _outcome_choices()
    form.letter_kind.choices = [("", "按办理结果默认")] + list(outcomes.LETTER_KINDS.items())
    if request.method == "GET" and source:
        for name in ("outcome", "letter_kind", "legal_ground", "responsible_agency", "answer_summary"):
            getattr(form, name).data = source.get(name)


def _delivery_choices(form, req):
    form.delivery_method.choices = [("", "请选择")] + list(workflow.DELIVERY_METHODS.items())
    if request.method == "GET":
        form.answer_date.data = form.delivered_on.data = today_cn()


def _review_choices(form, req):
    form.kind.choices = [("", "请选择")] + list(REVIEW_KINDS.items())
    form.result.choices = [("", "尚未审结")] + list(REVIEW_RESULTS.items())


def _prepare_update_review(form, req):
    _review_choices(form, req)
    form.review_id.choices = [(str(r.id), f"{REVIEW_KINDS.get(r.kind, r.kind)}（{r.filed_on}）") for r in req.reviews]
    if request.method == "GET":
        chosen = request.args.get("review") or (form.review_id.choices[0][0] if form.review_id.choices else None)
        review = next((r for r in req.reviews if str(r.id) == str(chosen)), None)
        if review is not None:
            form.review_id.data = str(review.id)
            for name in ("kind", "filed_on", "concluded_on", "result", "body", "note"):
                getattr(form, name).data = getattr(review, name)


def _prepare_today(*names: str) -> Callable:
    def prepare(form, req):
        if request.method == "GET":
            for name in names:
                getattr(form, name).data = today_cn()

    return prepare


def _prepare_assign(form, req):
    form.section_id.choices = _sections(req, {req.section_id} if req.section_id else set())


def _prepare_handler(form, req):
    form.handler_id.choices = [("", "请选择")] + [(str(u.id), u.display_name) for u in services.section_handlers(req)]


def _prepare_cohandler(form, req):
    taken = {c.section_id for c in req.cohandlers} | {req.section_id}
    form.section_id.choices = _sections(req, taken)


def _prepare_clarify(form, req):
    _prepare_today("notice_on")(form, req)
    if request.method == "GET":
        form.period_workdays.data = str(
            current_app.config.get("CORRECTION_PERIOD_WORKDAYS", deadlines.CORRECTION_PERIOD_WORKDAYS)
        )


def _prepare_consult(form, req):
    form.kind.choices = [("", "请选择")] + list(services.CONSULT_KINDS.items())
    _prepare_today("sent_on")(form, req)


def _prepare_consult_closed(form, req):
    form.clock_action_id.choices = [
        (str(a.id), f"{a.party}（{a.started_on}发出，{a.window_end}前答复）")
        for a in services.open_clock_actions(req, *services.CONSULT_KINDS)
    ]
    form.end_reason.choices = [("answered", "已收到答复"), ("window_closed", "期限届满未答复")]
    _prepare_today("ended_on")(form, req)


def _prepare_fee(form, req):
    form.method.choices = [(m.value, m.label) for m in FeeMethod]
    _prepare_today("notice_on")(form, req)


def _prepare_fee_paid(form, req):
    _prepare_today("paid_on")(form, req)
    if request.method == "GET":
        form.amount.data = str(req.fee_amount or "")


def _prepare_decide(form, req):
    form.clock_action_id.choices = [
        (str(a.id), f"延期{a.workdays}个工作日（{a.started_on}申请：{a.reason}）")
        for a in services.pending_extensions(req)
    ]
    form.decision.choices = [("approve", "批准"), ("refuse", "不批准")]
    _prepare_today("decided_on")(form, req)


def _prepare_conclude(form, req):
    _answer_choices(form, req, req.draft)
    _delivery_choices(form, req)


def _prepare_lapse(form, req):
    _delivery_choices(form, req)


def _prepare_letter(form, req):
    form.key.choices = [(a.key, a.label) for a in letters.available_letters(req)]


# --- the registry -----------------------------------------------------------------------------------


def _fields(form, *names: str) -> dict[str, Any]:
    return {name: getattr(form, name).data for name in names}


ANSWER = ("outcome", "letter_kind", "legal_ground", "responsible_agency", "answer_summary")
DELIVERY = ("answer_date", "delivery_method", "delivered_on")
REVIEW = ("kind", "filed_on", "concluded_on", "result", "body", "note")


@dataclass(frozen=True)
class Page:
    form: type[ActionForm]
    run: Callable[[Any, Any, Any], services.Done]  # (user, req, form) -> Done
    prepare: Callable[[Any, Any], None] | None = None
    help: str = ""
    danger: bool = False


def _v(form) -> str | None:
    return form.version.data


PAGES: dict[str, Page] = {
    "assign_section": Page(
        AssignSectionForm,
        lambda u, r, f: services.assign_section(u, r, version=_v(f), **_fields(f, "section_id", "instruction")),
        _prepare_assign,
        "请示领导后分办至承办科室；领导批示记入办理记录。",
    ),
    "reassign_section": Page(
        ReassignSectionForm,
        lambda u, r, f: services.reassign_section(
            u, r, version=_v(f), **_fields(f, "section_id", "reason", "instruction")
        ),
        _prepare_assign,
        "改派后原承办人取消，由新科室负责人重新指定承办人。改派原因必填。",
    ),
    "assign_handler": Page(
        AssignHandlerForm,
        lambda u, r, f: services.assign_handler(u, r, version=_v(f), handler_id=f.handler_id.data),
        _prepare_handler,
        "承办人须为承办科室的工作人员。",
    ),
    "add_cohandler": Page(
        AddCohandlerForm,
        lambda u, r, f: services.add_cohandler(u, r, version=_v(f), section_id=f.section_id.data),
        _prepare_cohandler,
        "协办科室可以查看本案件并提交协办意见，不能办理其他操作。",
    ),
    "submit_opinion": Page(
        OpinionForm,
        lambda u, r, f: services.submit_opinion(u, r, version=_v(f), opinion=f.opinion.data),
        None,
        "协办意见提交后承办科室可见；再次提交将替换此前的意见。",
    ),
    "submit_draft": Page(
        AnswerContentForm,
        lambda u, r, f: services.submit_draft(u, r, version=_v(f), **_fields(f, *ANSWER)),
        lambda f, r: _answer_choices(f, r, r.draft),
        "提交后由政务公开办或领导审核。部分公开及各类不予公开、无法提供、不予处理须写明法律依据和理由。",
    ),
    "approve_draft": Page(
        NoteForm,
        lambda u, r, f: services.approve_draft(u, r, version=_v(f), note=f.note.data),
        None,
        "审核通过后由政务公开办发出答复并办结。",
    ),
    "return_draft": Page(
        ReasonForm,
        lambda u, r, f: services.return_draft(u, r, version=_v(f), reason=f.reason.data),
        None,
        "退回后案件回到办理中，由承办人修改后重新提交。",
        danger=True,
    ),
    "clarify": Page(
        ClarifyForm,
        lambda u, r, f: services.clarify(u, r, version=_v(f), **_fields(f, "notice_on", "items", "period_workdays")),
        _prepare_clarify,
        "补正告知应在收到申请后7个工作日内一次性发出（条例第三十条），发出后暂停计算答复期限，收到补正材料后重新计算。",
    ),
    "clarification_received": Page(
        ClarificationReceivedForm,
        lambda u, r, f: services.clarification_received(u, r, version=_v(f), **_fields(f, "received_on", "note")),
        _prepare_today("received_on"),
        "答复期限自收到补正材料之日起重新计算20个工作日。",
    ),
    "clarification_lapsed": Page(
        DeliveryForm,
        lambda u, r, f: services.clarification_lapsed(u, r, version=_v(f), **_fields(f, *DELIVERY)),
        _prepare_lapse,
        "补正期限届满后，按“申请人无正当理由逾期不补正”办结，并告知申请人。",
        danger=True,
    ),
    "consult": Page(
        ConsultForm,
        lambda u, r, f: services.consult(u, r, version=_v(f), **_fields(f, "kind", "party", "sent_on", "matter")),
        _prepare_consult,
        "征求意见期间不计入答复期限；第三方或其他机关应在15个工作日内答复（条例第三十二条、第三十四条）。",
    ),
    "consultation_closed": Page(
        ConsultationClosedForm,
        lambda u, r, f: services.consultation_closed(
            u, r, version=_v(f), **_fields(f, "clock_action_id", "end_reason", "ended_on", "opinion")
        ),
        _prepare_consult_closed,
        "收到答复或15个工作日届满后，答复期限继续计算。",
    ),
    "fee_notice": Page(
        FeeNoticeForm,
        None,
        _prepare_fee,  # two steps, see fee_notice_page
        "先核算金额，核对后再确认发出收费通知。缴费期间不计入答复期限；申请人应在收到通知后20个工作日内缴纳。",
    ),
    "fee_paid": Page(
        FeePaidForm,
        lambda u, r, f: services.fee_paid(u, r, version=_v(f), **_fields(f, "paid_on", "amount", "note")),
        _prepare_fee_paid,
        "缴费后答复期限继续计算。",
    ),
    "fee_lapsed": Page(
        DeliveryForm,
        lambda u, r, f: services.fee_lapsed(u, r, version=_v(f), **_fields(f, *DELIVERY)),
        _prepare_lapse,
        "缴费期限届满未缴纳的，按“申请人逾期未缴纳费用”办结，并告知申请人。",
        danger=True,
    ),
    "request_extension": Page(
        ExtensionForm,
        lambda u, r, f: services.request_extension(
            u, r, version=_v(f), **_fields(f, "workdays", "reason", "requested_on")
        ),
        _prepare_today("requested_on"),
        "延期须在答复期限届满前经批准，累计不超过20个工作日（条例第三十三条）。",
    ),
    "decide_extension": Page(
        DecideExtensionForm,
        lambda u, r, f: services.decide_extension(
            u,
            r,
            version=_v(f),
            clock_action_id=f.clock_action_id.data,
            approve=f.decision.data == "approve",
            decided_on=f.decided_on.data,
            note=f.note.data,
        ),
        _prepare_decide,
        "批准须在答复期限届满前作出；批准后请生成并送达延期答复告知书。",
    ),
    "set_explicit_deadline": Page(
        ExplicitDeadlineForm,
        lambda u, r, f: services.set_explicit_deadline(u, r, version=_v(f), **_fields(f, "due", "reason", "set_on")),
        _prepare_today("set_on"),
        "申请数量、频次明显超过合理范围但理由合理、无法在期限内答复的，可以确定延迟答复的合理期限（条例第三十五条）。",
    ),
    "conclude": Page(
        ConcludeForm,
        lambda u, r, f: services.conclude(u, r, version=_v(f), **_fields(f, *ANSWER, *DELIVERY)),
        _prepare_conclude,
        "办结须选择一种办理结果（年度报告表三），记录答复日期、送达方式和日期。",
    ),
    "withdraw": Page(
        WithdrawForm,
        lambda u, r, f: services.withdraw(u, r, version=_v(f), **_fields(f, "withdrawn_on", "reason")),
        _prepare_today("withdrawn_on"),
        "申请人撤回申请的，案件按“其他处理”办结，显示为已撤回。",
        danger=True,
    ),
    "reopen": Page(
        ReasonForm,
        lambda u, r, f: services.reopen(u, r, version=_v(f), reason=f.reason.data),
        None,
        "重新办理会清除办结信息（原信息保留在办理记录中），可能影响已发布的年度报告数字。",
        danger=True,
    ),
    "record_review": Page(
        ReviewForm,
        lambda u, r, f: record_review(u, r, version=_v(f), **_fields(f, *REVIEW)),
        _review_choices,
        "登记针对本申请的行政复议或行政诉讼（年度报告表四）。尚未审结的，结果留空。",
    ),
    "update_review": Page(
        UpdateReviewForm,
        lambda u, r, f: update_review(u, r, version=_v(f), review_id=f.review_id.data, **_fields(f, *REVIEW)),
        _prepare_update_review,
        "审结后填写审结日期和结果。",
    ),
}


# --- views ---------------------------------------------------------------------------------------------


def _case(request_id: int):
    try:
        return get_request_for(current_user, request_id)
    except NotFound:
        abort(404)


def _render(req, act, page, form, status: int = 200, **extra):
    return render_template(
        "disclosure/action.html",
        req=req,
        act=act,
        page=page,
        form=form,
        date_fields=[n for n, f in form._fields.items() if f.type == "DateField"],
        **extra,
    ), status


def _show_errors(form, e: ServiceError) -> None:
    errors = getattr(e, "errors", None) or ({e.field: e.message} if e.field else {})
    shown = False
    for name, message in errors.items():
        if name in form and name not in ("csrf_token", "version"):
            getattr(form, name).errors = [*getattr(form, name).errors, message]
            shown = True
        else:
            flash(message, "danger")
            shown = True
    if not shown:
        flash(e.message, "danger")


def _form_ok(form) -> bool:
    if form.validate():
        return True
    for field in form:
        if field.type == "DateField" and field.errors:
            field.errors[:] = [DATE_MESSAGE]
    return False


def _done(req, done: services.Done):
    flash(done.message, "success")
    for w in done.warnings:
        flash(w, "warning")
    return redirect(url_for("disclosure.detail", request_id=req.id))


@bp.route("/<int:request_id>/act/<action_id>", methods=["GET", "POST"])
@login_required
def act(request_id: int, action_id: str):
    page = PAGES.get(action_id)
    if page is None:
        abort(404)
    req = _case(request_id)
    try:
        act = workflow.check(current_user, req, action_id)
    except PermissionDenied:
        abort(403)
    except workflow.StateError as e:
        flash(e.message, "warning")
        return redirect(url_for("disclosure.detail", request_id=req.id))
    form = page.form()
    if request.method == "GET":
        form.version.data = str(req.version)
    if page.prepare:
        page.prepare(form, req)
    if action_id == "fee_notice":
        return _fee_notice(req, act, page, form)
    if request.method == "POST" and _form_ok(form):
        try:
            return _done(req, page.run(current_user, req, form))
        except PermissionDenied:
            abort(403)
        except workflow.StateError as e:
            flash(e.message, "warning")
            return redirect(url_for("disclosure.detail", request_id=req.id))
        except ConflictError as e:
            flash(e.message, "danger")
            return _render(_case(request_id), act, page, form, 409)
        except ServiceError as e:
            _show_errors(form, e)
        req = _case(request_id)  # the failed transaction was rolled back
        flash("未保存：请按提示修改后重新提交。", "danger")
    return _render(req, act, page, form)


def _fee_notice(req, act, page, form):
    """Step 1 (“核算”): show the calculation; step 2 (“确认发出”): issue the notice for the shown amount."""
    calc = None
    if request.method == "POST" and _form_ok(form):
        try:
            calc = services.fee_quote(
                current_user, req, method=form.method.data, pages=form.pages.data, units=form.units.data
            )
            if request.form.get("step") == "confirm":
                return _done(
                    req,
                    services.fee_notice(
                        current_user,
                        req,
                        version=_v(form),
                        method=form.method.data,
                        pages=form.pages.data,
                        units=form.units.data,
                        confirm_amount=form.confirm_amount.data,
                        notice_on=form.notice_on.data,
                        served_on=form.served_on.data,
                    ),
                )
            form.confirm_amount.data = str(calc.amount)
        except PermissionDenied:
            abort(403)
        except workflow.StateError as e:
            flash(e.message, "warning")
            return redirect(url_for("disclosure.detail", request_id=req.id))
        except ConflictError as e:
            flash(e.message, "danger")
            return _render(_case(req.id), act, page, form, 409, calc=calc)
        except ServiceError as e:
            _show_errors(form, e)
            req = _case(req.id)
    return _render(req, act, page, form, calc=calc)


@bp.post("/<int:request_id>/letters")
@login_required
def generate_letter(request_id: int):
    req = _case(request_id)
    form = LetterForm()
    _prepare_letter(form, req)
    try:
        workflow.check(current_user, req, "generate_letter")
        if not form.validate():
            raise ServiceError("请选择要生成的告知书。")
        att = letters.generate_letter(current_user, req, form.key.data)
        flash(f"已生成“{att.original_name}”，可在附件中下载。", "success")
    except PermissionDenied:
        abort(403)
    except ServiceError as e:
        flash(e.message, "danger")
    return redirect(url_for("disclosure.detail", request_id=req.id) + "#letters")


# --- the case page's helpers ------------------------------------------------------------------------


DUE_BADGES = {
    deadlines.OK: "text-bg-success",
    deadlines.DUE_SOON: "text-bg-warning",
    deadlines.DUE_TODAY: "text-bg-warning",
    deadlines.OVERDUE: "text-bg-danger",
    deadlines.PAUSED: "text-bg-secondary",
}


def _request_calendar():
    """The calendar once per request: current_calendar() asks the database whether it changed, and a
    list shows a badge per row."""
    key = "tracker.workflow.calendar"
    if key not in request.environ:
        request.environ[key] = current_calendar()
    return request.environ[key]


def due_badge(req, today: date | None = None) -> tuple[str, str] | None:
    """(label, css class) of the case's deadline status, None for a concluded case."""
    if not req.is_open:
        return None
    status = deadlines.due_status(
        req.due_date,
        today or today_cn(),
        _request_calendar(),
        current_app.config.get("DUE_SOON_WORKDAYS", deadlines.DUE_SOON_WORKDAYS),
    )
    return deadlines.STATUS_LABELS[status], DUE_BADGES[status]


# Actions the table allows in the state but that have nothing to act on yet: not offered in the panel.
_OFFER_WHEN: dict[str, Callable] = {
    "decide_extension": lambda req: bool(services.pending_extensions(req)),
    "submit_draft": lambda req: req.handler_id is not None,  # services.submit_draft refuses a case without one
    "approve_draft": lambda req: bool(req.draft) and not req.draft.get("approved"),
    "update_review": lambda req: bool(req.reviews),
}


def _panel(req) -> dict:
    acts = [a for a in workflow.allowed_actions(current_user, req) if _OFFER_WHEN.get(a.id, bool)(req)]
    letter_form = None
    if any(a.id == "generate_letter" for a in acts):
        letter_form = LetterForm()
        _prepare_letter(letter_form, req)
    return {
        "actions": [a for a in acts if not a.record and a.id in PAGES],
        "records": [a for a in acts if a.record and a.id in PAGES],
        "letter_form": letter_form,
    }


# How the case log shows the data of an event: field labels, and which ids it leaves out (their names
# are recorded next to them).
EVENT_FIELD_LABELS: dict[str, str] = {
    "status": "状态",
    "pause_reason": "暂停原因",
    "section": "承办科室",
    "handler": "承办人",
    "leader_instruction": "领导批示",
    "cohandler": "协办科室",
    "cohandler_removed": "取消协办科室",
    "draft_outcome": "答复稿办理结果",
    "draft_approved": "答复稿审核通过",
    "correction_due": "补正期限",
    "restart_on": "重新起算日",
    "party": "征求意见对象",
    "window_end": "答复截止日",
    "end_reason": "结果",
    "ended_on": "结束日期",
    "fee_method": "计收方式",
    "fee_amount": "信息处理费（元）",
    "payment_due": "缴费期限",
    "fee_paid_on": "缴费日期",
    "workdays": "延期工作日",
    "decided_on": "审批日期",
    "explicit_due": "另行确定的期限",
    "outcome": "办理结果",
    "concluded_on": "办结日期",
    "answer_date": "答复日期",
    "delivery_method": "送达方式",
    "delivered_on": "送达日期",
    "legal_ground": "依据和理由",
    "responsible_agency": "负责公开的机关",
    "answer_summary": "答复要点",
    "letter_kind": "答复书类型",
    "withdrawn": "撤回",
    "due_date": "答复期限",
    "due_provisional": "期限暂定",
    "clarification_due": "补正告知期限",
    "number": "编号",
    "received_on": "收到申请之日",
    "letter": "告知书",
    "file": "文件",
    "kind": "类型",
    "filed_on": "申请（起诉）日期",
    "result": "审结结果",
    "body": "复议机关或法院",
    "note": "备注",
    "opinion": "协办意见",
    "name": "文件名",
    "tags": "主题标签",
}
HIDDEN_EVENT_FIELDS = {
    "section_id",
    "handler_id",
    "paused_from",
    "draft",
    "attachment_id",
    "review_id",
    "opinion_at",
    "opinion_by_id",
}
_END_REASONS = {
    "corrected": "已补正",
    "lapsed": "逾期",
    "answered": "已答复",
    "window_closed": "期限届满未答复",
    "paid": "已缴费",
    "withdrawn": "申请撤回",
}


def _event_value(field: str, value) -> str:
    if value is None or value == "":
        return "空"
    if isinstance(value, bool):
        return "是" if value else "否"
    vocab = {
        "status": workflow.STATUS_LABELS,
        "pause_reason": workflow.PAUSE_REASON_LABELS,
        "delivery_method": workflow.DELIVERY_METHODS,
        "letter_kind": outcomes.LETTER_KINDS,
        "end_reason": _END_REASONS,
        "fee_method": {m.value: m.label for m in FeeMethod},
        "result": REVIEW_RESULTS,
    }.get(field)
    if field == "outcome" and outcomes.is_valid(value):
        return outcomes.outcome(value).short_label
    if vocab and isinstance(value, str):
        return vocab.get(value, value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def event_rows(event) -> list[tuple[str, str]]:
    """(label, text) lines of an event's data for the case log."""
    from .intake import FIELD_LABELS as INTAKE_LABELS

    rows = []
    for field, value in (event.data or {}).items():
        if field in HIDDEN_EVENT_FIELDS:
            continue
        label = EVENT_FIELD_LABELS.get(field) or INTAKE_LABELS.get(field) or field
        if isinstance(value, list) and len(value) == 2 and field != "tags":
            text = f"{_event_value(field, value[0])} → {_event_value(field, value[1])}"
        else:
            text = _event_value(field, value)
        rows.append((label, text))
    return rows


@bp.app_context_processor
def workflow_helpers():
    def outcome_label(code):
        return outcomes.outcome(code).short_label if outcomes.is_valid(code) else (code or "")

    return {
        "case_panel": _panel,
        "due_badge": due_badge,
        "outcome_label": outcome_label,
        "event_rows": event_rows,
        "delivery_labels": workflow.DELIVERY_METHODS,
        "letter_kind_labels": outcomes.LETTER_KINDS,
        "review_kinds": REVIEW_KINDS,
        "review_results": REVIEW_RESULTS,
        "consult_kinds": services.CONSULT_KINDS,
        "pause_reasons": workflow.PAUSE_REASON_LABELS,
        "legal_bases": {o.code: o.legal_basis_for() or "" for o in outcomes.OUTCOMES if o.needs_legal_ground},
    }


# --- letter templates ------------------------------------------------------------------------------


class TemplateForm(FlaskForm):
    title = StringField("标题")
    body = TextAreaField("正文（每行一段；占位符写成 {{ 名称 }}）", render_kw={"rows": 14})


@bp.get("/letter-templates/")
@permission_required("letters.manage")
def letter_templates():
    rows = []
    for kind, label in letters.workflow_kinds():
        title, _, row = letters.current_template(current_user.agency_id, kind)
        rows.append(
            {
                "kind": kind,
                "label": label,
                "title": title,
                "custom": row is not None,
                "updated_at": row.updated_at if row else None,
            }
        )
    return render_template("disclosure/letter_templates.html", rows=rows)


@bp.route("/letter-templates/<kind>", methods=["GET", "POST"])
@permission_required("letters.manage")
def letter_template(kind: str):
    if kind not in letters.KINDS:
        abort(404)
    spec = letters.spec(kind)
    title, body, row = letters.current_template(current_user.agency_id, kind)
    form = TemplateForm()
    if request.method == "GET":
        form.title.data, form.body.data = title, body
    preview = None
    if form.validate_on_submit():
        try:
            letters.save_template(current_user, kind, form.title.data or "", form.body.data or "")
            flash(f"“{spec.label}”模板已保存，此后生成的告知书使用新模板。", "success")
            return redirect(url_for("disclosure.letter_templates"))
        except ServiceError as e:
            _show_errors(form, e)
    if not form.errors and not form.body.errors:
        try:
            preview = letters._env.from_string(form.body.data or "").render(**letters.sample_context(kind))
        except Exception:  # the form shows the error on save; the preview is only a help
            preview = None
    return render_template(
        "disclosure/letter_template.html", form=form, spec=spec, custom=row is not None, preview=preview
    )


@bp.post("/letter-templates/<kind>/reset")
@permission_required("letters.manage")
def reset_letter_template(kind: str):
    if kind not in letters.KINDS:
        abort(404)
    FlaskForm().validate_on_submit()  # CSRF is checked globally; nothing else to read
    if letters.reset_template(current_user, kind):
        flash("已恢复默认模板。", "success")
    else:
        flash("该模板本来就是默认模板。", "info")
    return redirect(url_for("disclosure.letter_templates"))
