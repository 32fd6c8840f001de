"""Pages of the handling workflow: one generic action page per (case, action), letters, letter templates.

Thin by design: a view finds the case through the scoped query (404 for a case the user may not see),
asks tracker.disclosure.workflow whether the action is allowed (403 for the wrong role or a co-handler,
back to the case with the reason for the wrong state), and passes the form to the action's service.
Refusals show the service's Chinese messages next to the fields and keep what the user typed; a
stale form (someone else saved first) is answered with 409 and the same kept input."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import audit, personal
from ..accounts.access import get_request_for
from ..errors import ConflictError, NotFound, PermissionDenied, ServiceError
from ..forms import show_missing
from ..lists import local_path
from ..rules import masking, outcomes
from ..rules.clock import today_cn
from ..rules.fees import FeeMethod
from . import letters, services, workflow
from .action_forms import DATE_MESSAGE, LetterForm, prepare_letter
from .action_pages import PAGES, _v
from .blueprint import bp
from .reviews import REVIEW_KINDS, REVIEW_RESULTS

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
        multipart=any(f.type == "FileField" for f in form),
        **extra,
    ), status


def _stale(req, form) -> bool:
    """The form was loaded at another version of the case than the one stored now."""
    return form.version.data != str(req.version)


def _refused_stale(req, act, page, form, refusal: str | None = None):
    """Someone else changed the case after this form was loaded: 409 with what the user typed kept and the
    changes since shown. The form now carries the current version, so sending it again is a decision taken
    with the changes in view; ``refusal``: the action is no longer possible at all (shown, button disabled)."""
    changes = audit.changed_since("request", req.id, form.seen.data, event_rows)
    form.version.data = str(req.version)
    form.seen.data = str(audit.last_event_id("request", req.id))
    return _render(req, act, page, form, 409, changes=changes, refusal=refusal)


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
        if field.type == "DateField" and field.errors and field.data is None:  # unreadable, not out of range
            field.errors[:] = [DATE_MESSAGE]
    show_missing(form)
    return False


def _refused(e: ServiceError, req, act, page, form):
    """The answer to a refused action: 403 for the wrong role, back to the case with the reason in the
    wrong state, 409 with the kept input and what changed for a stale form; None when the form is shown
    again with its errors."""
    if isinstance(e, PermissionDenied):
        abort(403)
    if isinstance(e, workflow.StateError):
        flash(e.message, "warning")
        return redirect(url_for("disclosure.detail", request_id=req.id))
    if isinstance(e, ConflictError):
        return _refused_stale(_case(req.id), act, page, form)
    _show_errors(form, e)
    return None


def _done(req, done: services.Done):
    flash(done.message, "success")
    for w in done.warnings:
        flash(w, "warning")
    # back where the form was (e.g. the workbench's row), else the case
    return redirect(local_path(request.form.get("next")) or url_for("disclosure.detail", request_id=req.id))


@bp.route("/<int:request_id>/act/<action_id>", methods=["GET", "POST"])
@login_required
def act(request_id: int, action_id: str):
    page = PAGES.get(action_id)
    if page is None:
        abort(404)
    req = _case(request_id)
    form = page.form()
    try:
        act = workflow.check(current_user, req, action_id)
    except PermissionDenied:
        abort(403)
    except workflow.StateError as e:
        if request.method == "POST" and _stale(req, form):
            # the case moved on under this form: keep what was typed and say what changed
            if page.prepare:
                page.prepare(form, req)
            return _refused_stale(req, workflow.action(action_id), page, form, e.message)
        flash(e.message, "warning")
        return redirect(url_for("disclosure.detail", request_id=req.id))
    if request.method == "GET":
        form.version.data = str(req.version)
        form.seen.data = str(audit.last_event_id("request", req.id))
    if page.prepare:
        page.prepare(form, req)
    if request.method == "GET" and (why := services.precondition(req, action_id)):
        # the case page shows this action disabled with the reason; a typed URL shows the page, refused
        return _render(req, act, page, form, refusal=why)
    if action_id == "fee_notice":
        return _fee_notice(req, act, page, form)
    if request.method == "POST" and _form_ok(form):
        try:
            return _done(req, page.run(current_user, req, form))
        except ServiceError as e:
            if (answer := _refused(e, req, act, page, form)) is not None:
                return answer
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
        except ServiceError as e:
            if (answer := _refused(e, req, act, page, form)) is not None:
                return answer
            req = _case(req.id)
    return _render(req, act, page, form, calc=calc)


@bp.post("/<int:request_id>/letters")
@login_required
def generate_letter(request_id: int):
    req = _case(request_id)
    form = LetterForm()
    prepare_letter(form, req)
    try:
        workflow.check(current_user, req, "generate_letter")
        if not form.validate():
            raise ServiceError("请选择要生成的告知书。")
        if request.form.get("preview"):
            title, lines, when, _ = letters.compose(req, form.key.data)
            return render_template(
                "disclosure/letter_preview.html", req=req, key=form.key.data, title=title, lines=lines, when=when
            )
        att = letters.generate_letter(current_user, req, form.key.data)
        flash(f"已生成“{att.original_name}”并开始下载；各版本都保留在本案的告知书中。", "success")
        # straight to the file: the browser downloads it and stays on the case page
        return redirect(url_for("disclosure.attachment", request_id=req.id, attachment_id=att.id))
    except PermissionDenied:
        abort(403)
    except ServiceError as e:
        flash(e.message, "danger")
    return redirect(url_for("disclosure.detail", request_id=req.id) + "#letters")


# --- the case page's helpers ------------------------------------------------------------------------


# Offered elsewhere on the case page, not in the panel: every letter has its own delivery link.
_NOT_IN_PANEL = {"record_delivery"}
# Shown disabled only when the reason helps the person; otherwise (nothing to act on at all) left out.
_QUIET = {"decide_extension", "update_review", "disclose_over_objection", "approve_draft"}


def _panel(req) -> dict:
    """The actions the table allows the user in this state: those the service would take now, and those
    it would refuse now (services.precondition), disabled with the service's reason."""
    today = today_cn()
    acts, refused = [], []
    for a in workflow.allowed_actions(current_user, req):
        if a.id in _NOT_IN_PANEL:
            continue
        why = services.precondition(req, a.id, today)
        if why is None:
            acts.append(a)
        elif a.id not in _QUIET and a.id in PAGES:
            refused.append((a, why))
    letter_form = None
    if any(a.id == "generate_letter" for a in acts):
        letter_form = LetterForm()
        prepare_letter(letter_form, req)
    return {
        "actions": [a for a in acts if not a.record and a.id in PAGES],
        "records": [a for a in acts if a.record and a.id in PAGES],
        "refused": refused,
        "letter_form": letter_form,
    }


# How the case log shows the data of an event: field labels, and which ids it leaves out (their names
# are recorded next to them).
EVENT_FIELD_LABELS: dict[str, str] = {
    "field": "查看的项目",  # personal_data.revealed
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
    "tracking_number": "邮件单号",
    "served_on": "对方收到日期",
    "proof": "送达凭证",
    "key": "告知书编号",
    "version": "版本",
    "position": "对方意见",
    "content": "决定公开的内容",
    "split_into": "拆分出的申请",
    "split_from": "拆分自",
    "answer_letter_delivery": "原答复送达日期",
    "outcome_details": "办理结果补充信息",
    "repeat_of_id": "重复申请所指的前次申请",
    "legal_ground": "依据和理由",
    "responsible_agency": "负责公开的机关",
    "answer_summary": "答复要点",
    "letter_kind": "答复书类型",
    "withdrawn": "撤回",
    "due_date": "答复期限",
    "internal_due": "内部办理期限（科室提交答复稿）",
    "draft_submitted_on": "答复稿提交日期",
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
    "key",
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
    if field in masking.MASKED_ON_SCREEN:  # events written before issue 14 hold raw values
        return str(personal.shown(current_user, field, value))
    if field == "field":
        return personal.REVEALABLE.get(value, str(value))
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
        "outcome_label": outcome_label,
        "event_rows": event_rows,
        "delivery_labels": workflow.DELIVERY_METHODS,
        "letter_kind_labels": outcomes.LETTER_KINDS,
        "review_kinds": REVIEW_KINDS,
        "review_results": REVIEW_RESULTS,
        "consult_kinds": services.CONSULT_KINDS,
        "pause_reasons": workflow.PAUSE_REASON_LABELS,
        "legal_bases": {o.code: o.legal_basis_for() or "" for o in outcomes.OUTCOMES if o.needs_legal_ground},
        "detail_labels": {f.id: f.label.split("（")[0] for f in outcomes.ALL_DETAIL_FIELDS.values()},
    }
