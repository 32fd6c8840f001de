"""Pages of NPC suggestions / CPPCC proposals (/proposals/). Thin: parse, call one service, show the result."""

from __future__ import annotations

from datetime import date

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import attachments, audit, personal
from ..accounts.access import get_proposal_for, unit_names
from ..accounts.decorators import permission_required
from ..accounts.models import Agency, Section
from ..errors import ConflictError, NotFound, PermissionDenied, ServiceError
from ..extensions import db
from ..ledger.export import record_export
from ..lists import listing, page_arg
from ..pending_uploads import FormFile
from ..rules import proposals as rules
from ..rules.clock import today_cn, valid_year
from ..web import xlsx_download
from ..workcal.service import current_calendar
from . import clock, export, queries, services, workflow
from .blueprint import bp
from .forms import (
    AttachmentForm,
    ContactForm,
    DecisionForm,
    EditForm,
    ExtensionForm,
    FeedbackForm,
    LabelsForm,
    OpinionForm,
    PublishForm,
    RegisterForm,
    ReplyForm,
)

# Event data keys as the timeline shows them.
FIELD_LABELS = {
    **services.FIELD_LABELS,
    "cosigners": "附议/联名",
    "lead_section": "主办科室",
    "due_date": "办理期限",
    "due_provisional": "期限暂定",
    "form": "沟通方式",
    "contacted_on": "沟通日期",
    "round": "办理轮次",
    "section": "科室",
    "mode": "方式",
    "opinion_on": "提交日期",
    "opinion_due": "意见期限",
    "late": "逾期",
    "result_class": "答复类别",
    "reply_date": "答复日期",
    "on_time": "按期",
    "status": "状态",
    "document": "答复文件",
    "published": "公开答复",
    "published_on": "公开日期",
    "publish_link": "公开链接",
    "satisfaction": "反馈意见",
    "feedback_on": "反馈日期",
    "final": "说明",
    "rehandling_months": "重新办理期限（月）",
    "months": "办理期限（月）",
    "name": "文件",
    "year": "年度",
    "count": "件数",
    "A": "A类",
    "B": "B类",
    "C": "C类",
    "D": "D类",
}


def field_label(key: str) -> str:
    if key.startswith("opinion_due:"):
        return f"协办意见期限（{key.split(':', 1)[1]}）"
    return FIELD_LABELS.get(key, key)


def _shown(value) -> str:
    if value is None or value == "":
        return "空"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "无"
    return str(value)


def event_rows(event) -> list[tuple[str, str]]:
    """(label, text) lines of an item's event, as its log shows them: old → new for a change."""
    rows = []
    for key, value in (event.data or {}).items():
        if isinstance(value, list) and len(value) == 2 and (key != "cohandlers" or not isinstance(value[0], str)):
            text = f"{_shown(value[0])} → {_shown(value[1])}"
        else:
            text = _shown(value)
        rows.append((field_label(key), text))
    return rows


@bp.app_context_processor
def helpers():
    return {"proposal_field_label": field_label, "proposal_value": _shown, "proposal_event_rows": event_rows}


def _agency() -> Agency:
    return db.session.get(Agency, current_user.agency_id)


def _sections():
    return db.session.scalars(
        select(Section).where(Section.agency_id == current_user.agency_id).order_by(Section.name)
    ).all()


def _active_sections():
    return [s for s in _sections() if s.active]


def _load(proposal_id: int):
    try:
        return get_proposal_for(current_user, proposal_id)
    except NotFound:
        abort(404)


def _upload_or_error(form, name: str) -> None:
    """When the form is refused before the service: read the file anyway, so it can be kept."""
    try:
        _upload(name)
    except services.ProposalInvalid as e:
        _put_errors(form, e.errors)


def _upload(name: str) -> services.Upload | None:
    """The file of a file field: newly chosen, or kept from a refused submission (tracker.pending_uploads).
    A kept file that is gone is refused under its field, never silently dropped."""
    chosen = FormFile(name, current_user)
    g.setdefault("form_files", {})[name] = chosen
    if chosen.error:
        raise services.ProposalInvalid({name: chosen.error})
    return chosen.upload


def _form_files_done(ok: bool) -> dict:
    """After the service: on success the kept copies go; on refusal acceptable files are kept for the
    re-shown form. Returns {field name: kept file} for the page."""
    kept = {}
    for name, chosen in g.pop("form_files", {}).items():
        if ok:
            chosen.done()
        else:
            chosen.keep_for_retry()
            kept[name] = chosen.kept
    return kept


def _version() -> int | None:
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        return None


def _put_errors(form, errors: dict[str, str], aliases: dict[str, str] | None = None) -> None:
    """Service errors onto the form's fields; errors with no field go to a flash message."""
    for key, message in errors.items():
        name = (aliases or {}).get(key, key)
        if name in form:
            form[name].errors = [*form[name].errors, message]
        else:
            flash(message, "danger")


# --- list, summary, export --------------------------------------------------------------------


def _year_choices(today: date) -> list[int]:
    return list(range(today.year + 1, today.year - 6, -1))


@bp.get("/")
@login_required
def list_proposals():
    today = today_cn()
    q, sort = queries.filtered_query(current_user, request.args, today)
    page = page_arg(request.args)
    per = current_app.config["PAGE_SIZE"]
    total, rows = queries.page_rows(q, today, page, per)
    return render_template(
        "proposals/list.html",
        units=unit_names(current_user),
        **listing(rows, total, page, per),
        sort=sort,
        sections=_sections(),
        args=request.args,
        today=today,
        rules=rules,
        labels=services.result_labels_for(_agency()),
        years=_year_choices(today),
        narrowed=queries.narrowing(request.args),
    )


@bp.get("/summary")
@login_required
def summary():
    today = today_cn()
    year = request.args.get("year", today.year, type=int)
    if not valid_year(year):
        year = today.year
    labels = services.result_labels_for(_agency())
    s = queries.summary(current_user, year, today, labels)
    return render_template(
        "proposals/summary.html", s=s, year=year, years=_year_choices(today), rules=rules, today=today
    )


@bp.get("/export")
@permission_required("proposal.export")
def export_year():
    today = today_cn()
    args = request.args.to_dict()
    year = request.args.get("year", type=int)
    if not valid_year(year):
        args["year"] = str(today.year)
    data, count = export.year_workbook(current_user, args, today)
    filters = {k: v for k, v in args.items() if k not in ("year", "page")}
    record_export(current_user, "proposal", {"year": int(args["year"]), "count": count, "filters": filters})
    return xlsx_download(data, f"{args['year']}年建议提案办理情况.xlsx")


# --- registration -----------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@permission_required("proposal.register")
def new_proposal():
    g.pop("form_files", None)
    form = RegisterForm()
    form.set_sections(_active_sections())
    if request.method == "GET":
        form.assigned_on.data = today_cn()
    if form.is_submitted():
        if form.validate():
            try:
                p = services.register_proposal(current_user, form.data_dict(), _upload("attachment"))
                _form_files_done(True)
                flash(f"已登记{p.kind_label}{p.session}第{p.number}号，办理期限 {p.due_date}。", "success")
                return redirect(url_for("proposals.detail", proposal_id=p.id))
            except services.ProposalInvalid as e:
                _put_errors(form, e.errors, {"cohandlers": "assist_section_ids"})
            except ServiceError as e:
                flash(e.message, "danger")
        else:
            _upload_or_error(form, "attachment")
        flash("登记未保存：请按红色提示修改后重新提交。", "danger")
    return render_template("proposals/edit.html", form=form, p=None, kept=_form_files_done(False))


@bp.route("/<int:proposal_id>/edit", methods=["GET", "POST"])
@permission_required("proposal.register")
def edit_proposal(proposal_id: int):
    p = _load(proposal_id)
    _may(p, "edit")
    form = EditForm(obj=p if request.method == "GET" else None)
    form.set_sections(_active_sections())
    if request.method == "GET":
        form.lead_section_id.data = str(p.lead_section_id or "")
        form.assist_section_ids.data = [str(c.section_id) for c in p.cohandlers if c.mode == "assist"]
        form.joint_section_ids.data = [str(c.section_id) for c in p.cohandlers if c.mode == "joint"]
    version, seen, changes = _version() or p.version, request.form.get("seen") or None, None
    if form.is_submitted():
        if form.validate():
            try:
                diff = services.edit_registration(
                    current_user, p, form.data_dict(), version=_version(), reason=form.reason.data or ""
                )
                flash("登记信息已修改。" if diff else "没有修改任何内容。", "success" if diff else "info")
                return redirect(url_for("proposals.detail", proposal_id=p.id))
            except services.ProposalInvalid as e:
                _put_errors(form, e.errors, {"cohandlers": "assist_section_ids"})
            except PermissionDenied:
                abort(403)
            except ConflictError:
                # someone saved first: keep the typed form, show the changes, carry the current version
                db.session.rollback()
                changes, version, seen = _changed(p) or [], p.version, None
            except ServiceError as e:
                flash(e.message, "danger")
        if changes is None:
            flash("未保存：请按提示修改后重新提交。", "danger")
    return render_template(
        "proposals/edit.html",
        form=form,
        p=p,
        version=version,
        seen=seen or audit.last_event_id("proposal", p.id),
        changes=changes,
    ), (409 if changes is not None else 200)


# --- the item and its actions -----------------------------------------------------------------


def _forms(p, actions: set[str], labels: dict[str, str], active: tuple[str, object] | None = None) -> dict:
    """The action forms for the page; ``active`` is the submitted form to show again with its errors."""
    forms: dict[str, object] = {}
    classes = {
        "contact": ContactForm,
        "opinion": OpinionForm,
        "reply": ReplyForm,
        "publish": PublishForm,
        "feedback": FeedbackForm,
        "extension": ExtensionForm,
        "decide": DecisionForm,
        "attach": AttachmentForm,
    }
    for name, cls in classes.items():
        if name not in actions:
            continue
        form = active[1] if active and active[0] == name else cls(formdata=None)
        forms[name] = form
    today = today_cn()
    for name in ("contact", "reply", "feedback", "opinion"):
        if name in forms and not (active and active[0] == name):
            field = {
                "contact": "contacted_on",
                "reply": "reply_date",
                "feedback": "feedback_on",
                "opinion": "opinion_on",
            }[name]
            forms[name][field].data = today
    if "reply" in forms:
        forms["reply"].set_labels(labels)
    if "extension" in forms:
        forms["extension"].set_months(p.extended_months or p.period_months, clock.max_months(p))
    if "opinion" in forms:
        forms["opinion"].opinion_section.choices = [
            (str(c.section_id), f"{c.section.name}（{c.mode_label}）")
            for c in workflow.open_opinion_rows(current_user, p)
        ]
    if "publish" in forms and not (active and active[0] == "publish"):
        r = p.latest_reply
        forms["publish"].published.data = "1" if r.published else "0"
        forms["publish"].published_on.data = r.published_on or today
        forms["publish"].publish_link.data = r.publish_link or ""
    return forms


def _changed(p) -> list[dict] | None:
    """What others did to the item after the posted form's page was loaded (its hidden "seen")."""
    return audit.changed_since("proposal", p.id, request.form.get("seen"), event_rows)


def _render_detail(p, active: tuple[str, object] | None = None, status: int = 200, changes=None, kept=None):
    labels = services.result_labels_for(_agency())
    offer = workflow.offer(current_user, p)
    actions = offer.allowed
    events = audit.timeline("proposal", p.id)
    files = attachments.of("proposal", p.id)
    calendar = current_calendar()
    deadline = clock.reply_deadline(p, calendar)
    return render_template(
        "proposals/detail.html",
        p=p,
        events=events,
        attachments=files,
        deadline=deadline,
        actions=actions,
        refused=offer.refused,
        forms=_forms(p, actions, labels, active),
        labels=labels,
        rules=rules,
        today=today_cn(),
        attachment_kinds=rules.ATTACHMENT_KINDS,
        seen=audit.last_event_id("proposal", p.id),
        changes=changes,
        kept=kept or {},
        case_views=personal.views_of(current_user, "proposal", p.id),
    ), status


@bp.get("/<int:proposal_id>")
@login_required
def detail(proposal_id: int):
    p = _load(proposal_id)
    page = _render_detail(p)
    personal.record_view(current_user, "proposal", p)  # who opened it (after rendering: the commit expires)
    return page


def _may(p, action_id: str) -> None:
    """403 unless the action is the user's to take on this item (role and section, tracker.proposals.workflow);
    whether it is possible now is the service's to say, after it has compared the version the form saw."""
    if workflow.permission_error(current_user, p, workflow.action(action_id)):
        abort(403)


def _act(proposal_id: int, name: str, form_cls, run, success: str, aliases: dict[str, str] | None = None):
    """403 for the wrong role or section; else validate the posted form, run the service; on refusal show
    the page again with the message (a stale form: what changed meanwhile, the input kept)."""
    p = _load(proposal_id)
    g.pop("form_files", None)
    _may(p, name)
    form = form_cls()
    if name == "reply":
        form.set_labels(services.result_labels_for(_agency()))
    if form.validate():
        try:
            message = run(p, form)
            _form_files_done(True)
            flash(message or success, "success")
            return redirect(url_for("proposals.detail", proposal_id=p.id) + f"#{name}")
        except PermissionDenied:
            abort(403)
        except ConflictError:
            # someone saved first: keep the typed form, show what changed; the page carries the new version
            db.session.rollback()
            return _render_detail(p, (name, form), 409, changes=_changed(p) or [], kept=_form_files_done(False))
        except services.ProposalInvalid as e:
            db.session.rollback()
            _put_errors(form, e.errors, aliases)
        except ServiceError as e:
            db.session.rollback()
            flash(e.message, "danger")
    else:
        for field in form:
            if field.type == "FileField":
                _upload_or_error(form, field.name)
        flash("未保存：请按红色提示修改后重新提交。", "danger")
    return _render_detail(p, (name, form), kept=_form_files_done(False))


@bp.post("/<int:proposal_id>/contact")
@login_required
def add_contact(proposal_id: int):
    return _act(
        proposal_id,
        "contact",
        ContactForm,
        lambda p, f: services.record_contact(current_user, p, f.data_dict(), version=_version()) and None,
        "已登记沟通情况。",
        {"form": "contact_form", "note": "contact_note"},
    )


@bp.post("/<int:proposal_id>/opinion")
@login_required
def add_opinion(proposal_id: int):
    def run(p, f):
        row = services.submit_opinion(current_user, p, f.data_dict(), _upload("opinion_file"), version=_version())
        return f"已提交{row.section.name}的{row.mode_label}意见。"

    return _act(
        proposal_id, "opinion", OpinionForm, run, "", {"section_id": "opinion_section", "attachment": "opinion_file"}
    )


@bp.post("/<int:proposal_id>/reply")
@login_required
def add_reply(proposal_id: int):
    def run(p, f):
        r = services.reply(current_user, p, f.data_dict(), _upload("reply_document"), version=_version())
        timing = "按期" if r.on_time else ("逾期" if r.on_time is False else "")
        return f"已登记第{r.round}次答复（{r.result_class}类，{timing}答复），请在收到反馈后登记{p.author_title}的反馈意见。"

    return _act(proposal_id, "reply", ReplyForm, run, "", {"summary": "reply_summary", "document": "reply_document"})


@bp.post("/<int:proposal_id>/publish")
@login_required
def set_publication(proposal_id: int):
    def run(p, f):
        diff = services.set_publication(current_user, p, f.data_dict(), version=_version())
        return "已登记公开答复情况。" if diff else "公开答复情况没有变化。"

    return _act(proposal_id, "publish", PublishForm, run, "")


@bp.post("/<int:proposal_id>/feedback")
@login_required
def add_feedback(proposal_id: int):
    def run(p, f):
        status = services.record_feedback(current_user, p, f.data_dict(), version=_version())
        if status == rules.REHANDLING:
            return f"已登记不满意的反馈，该件重新办理，新的办理期限为 {p.due_date}。"
        return "已登记反馈意见，该件已办结。"

    return _act(proposal_id, "feedback", FeedbackForm, run, "", {"note": "feedback_note"})


@bp.post("/<int:proposal_id>/extension")
@login_required
def request_extension(proposal_id: int):
    def run(p, f):
        services.request_extension(current_user, p, f.data_dict(), version=_version())
        return "已提交延期申请，等待领导审批。"

    return _act(proposal_id, "extension", ExtensionForm, run, "", {"reason": "extension_reason"})


@bp.post("/<int:proposal_id>/extensions/<int:extension_id>/decide")
@login_required
def decide_extension(proposal_id: int, extension_id: int):
    def run(p, f):
        ext = services.decide_extension(current_user, p, extension_id, f.data_dict(), version=_version())
        return f"已批准延期，新的办理期限为 {p.due_date}。" if ext.state == "approved" else "已记录不批准延期。"

    return _act(proposal_id, "decide", DecisionForm, run, "", {"note": "decision_note"})


@bp.post("/<int:proposal_id>/attachments")
@login_required
def upload_attachment(proposal_id: int):
    def run(p, f):
        att = services.add_attachment(
            current_user, p, _upload("attachment_file"), f.attachment_kind.data, version=_version()
        )
        return f"已上传附件：{att.original_name}。"

    return _act(
        proposal_id, "attach", AttachmentForm, run, "", {"attachment": "attachment_file", "kind": "attachment_kind"}
    )


@bp.get("/<int:proposal_id>/attachments/<int:attachment_id>")
@login_required
def attachment(proposal_id: int, attachment_id: int):
    return attachments.download("proposal", _load(proposal_id).id, attachment_id)


# --- configuration ----------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
@permission_required("proposal_settings.view", "proposal_settings.manage")
def settings():
    agency = _agency()
    current = services.result_labels_for(agency)
    form = LabelsForm(data=current if request.method == "GET" else None)
    if form.is_submitted():
        if form.validate():
            try:
                diff = services.set_result_labels(current_user, agency, {k: form[k].data for k in rules.RESULT_CLASSES})
                flash("已保存答复类别名称。" if diff else "答复类别名称没有变化。", "success" if diff else "info")
                return redirect(url_for("proposals.settings"))
            except services.ProposalInvalid as e:
                _put_errors(form, e.errors)
            except PermissionDenied:
                abort(403)
        flash("未保存：请按红色提示修改后重新提交。", "danger")
    return render_template("proposals/settings.html", form=form, defaults=rules.DEFAULT_RESULT_LABELS)
