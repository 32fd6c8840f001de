from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import attachments, audit, personal
from ..accounts.access import get_request_for, readable_agencies, unit_names
from ..accounts.decorators import permission_required
from ..accounts.models import Section
from ..errors import NotFound, ServiceError
from ..extensions import db
from ..lists import MAX_PAGE
from ..paging import COUNT_CAP, paginate
from ..pending_uploads import FormFile
from ..rules.clock import today_cn
from ..rules.report_layout import APPLICANT_TYPES, applicant_type_label
from ..workcal.service import current_calendar
from . import intake, workflow
from .blueprint import bp
from .forms import IntakeForm
from .models import DisclosureRequest
from .queries import AWAITING_LABELS, HANDLER_FILTERS, SORT_KEYS, is_plain_search, sort_of, unordered_query
from .search import SEARCH_MIN_CHARS, resolve, short_terms
from .workflow import STATUS_LABELS, status_label


@bp.app_context_processor
def helpers():
    from ..rules import ids
    from ..rules import intake as intake_rules

    return {
        "status_label": status_label,
        "applicant_type_labels": {t.id: applicant_type_label(t.id) for t in APPLICANT_TYPES},
        "id_type_labels": ids.ID_TYPES,
        "channel_labels": {c.id: c.label for c in intake_rules.CHANNELS},
        "provision_form_labels": intake_rules.PROVISION_FORMS,
        "obtain_way_labels": intake_rules.OBTAIN_WAYS,
    }


@bp.get("/")
@login_required
def list_requests():
    sort = sort_of(request.args)
    # the section is shown on every row: load it with the rows, not one query per row
    # the search covers the units the list reads (a district: its sub-units too)
    agencies = readable_agencies(current_user)
    found = resolve(request.args.get("q"), agencies, db.session.get_bind().dialect.name, db.session)
    q = unordered_query(current_user, request.args, found).options(
        joinedload(DisclosureRequest.section), joinedload(DisclosureRequest.handler)
    )
    page = paginate(
        db.session,
        q,
        SORT_KEYS[sort],
        request.args,
        current_app.config["PAGE_SIZE"],
        max_page=MAX_PAGE,
        selective=bool(found and found.few),
        # a search with thousands of matches and no other filter, seen agency-wide: more than the cap
        known_count=COUNT_CAP + 1
        if found and found.surely_many and is_plain_search(current_user, request.args)
        else None,
    )
    sections = db.session.scalars(
        select(Section).where(Section.agency_id == current_user.agency_id).order_by(Section.name)
    ).all()
    return render_template(
        "disclosure/list.html",
        rows=page.rows,
        units=unit_names(current_user),
        paging=page,
        sort=sort,
        sections=sections,
        statuses=STATUS_LABELS,
        args=request.args,
        today=today_cn(),
        short_terms=short_terms(request.args.get("q")),
        handler_filters=HANDLER_FILTERS,
        awaiting_labels=AWAITING_LABELS,
        search_min_chars=SEARCH_MIN_CHARS,
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required("request.register")
def new_request():
    form = IntakeForm()
    if request.method == "GET":
        form.received_on.data = today_cn()
    scan = None
    if form.is_submitted():
        scan = FormFile("attachment", current_user)  # a file kept from a refused submission counts as chosen
        loose: list[str] = []
        if not form.parse():
            # the other fields are still checked, so that every problem shows at once
            errors = intake.validate(form.data_dict(), today_cn())
            if err := intake.check_upload(scan.upload):
                errors["attachment"] = err
            loose = form.add_errors(errors)
        elif scan.error is None:  # a kept file that is gone is refused, never silently dropped
            try:
                req = intake.register_request(current_user, form.data_dict(), scan.upload)
                scan.done()
                note = "（暂定：所依据年度的放假安排尚未录入，录入后自动重算）" if req.due_provisional else ""
                flash(f"已登记 {req.number}，答复期限 {req.due_date or '（暂停中）'}{note}。", "success")
                from .repeats import similar_earlier

                if similar := similar_earlier(req):
                    flash(
                        f"同一申请人此前有{len(similar)}件内容相似的申请（"
                        + "、".join(e.request.number for e in similar)
                        + "），请在案件页面核对是否属于重复申请（条例第三十六条第（六）项）。",
                        "warning",
                    )
                return redirect(url_for("disclosure.detail", request_id=req.id))
            except intake.IntakeInvalid as e:
                loose = form.add_errors(e.errors)
            except ServiceError as e:
                loose = [e.message]
        scan.keep_for_retry()
        if scan.error and scan.error not in form.attachment.errors:
            form.attachment.errors = [*form.attachment.errors, scan.error]
        for message in loose:
            flash(message, "danger")
        flash("登记未保存：请按红色提示修改后重新提交。", "danger")
    from ..rules import intake as intake_rules

    return render_template(
        "disclosure/new.html",
        form=form,
        channel_rules=intake_rules.channel_rules(),
        attachment_kept=scan.kept if scan else None,
    )


@bp.get("/<int:request_id>")
@login_required
def detail(request_id: int):
    try:
        req = get_request_for(current_user, request_id)
    except NotFound:
        abort(404)
    page = _detail_page(req)
    personal.record_view(current_user, "request", req)  # after rendering: its commit expires the session
    return page


@bp.post("/<int:request_id>/reveal")
@login_required
def reveal(request_id: int):
    """Show one masked field of the case in full (an event says who saw which)."""
    if not personal.can_reveal(current_user):
        abort(403)  # a refusal, logged in the security log like every other
    try:
        req = get_request_for(current_user, request_id)
    except NotFound:
        abort(404)
    field = request.form.get("field", "")
    try:
        value = personal.reveal(current_user, req, field)
    except ServiceError as e:  # the page again with the reason, and nothing recorded (not even a view)
        flash(e.message, "danger")
        return _detail_page(req), 400
    return _detail_page(db.session.get(DisclosureRequest, req.id), revealed={field: value})


def _detail_page(req: DisclosureRequest, revealed: dict | None = None):
    events = audit.timeline("request", req.id)
    files = attachments.of("request", req.id)
    from ..rules import deadlines as deadline_rules
    from . import clock, letters, repeats, services

    deadline = clock.compute(req, current_calendar())
    timeliness = (
        deadline_rules.answer_timeliness(req.due_date, req.delivered_on, today_cn())
        if req.status == "concluded" and not req.withdrawn and req.outcome and req.source != "import"
        else None
    )
    return render_template(
        "disclosure/detail.html",
        req=req,
        events=events,
        attachments=files,
        deadline=deadline,
        case_letters=letters.case_letters(req),
        timeliness=timeliness,
        timeliness_labels=deadline_rules.TIMELINESS_LABELS,
        similar=repeats.similar_earlier(req),
        requests_last_year=repeats.requests_in_last_year(req),
        split_family=services.split_family(req),
        allowed={a.id for a in workflow.allowed_actions(current_user, req)},
        revealed=revealed or {},
        can_reveal=personal.can_reveal(current_user) and req.agency_id == current_user.agency_id,
        case_views=personal.views_of(current_user, "request", req.id),
    )


@bp.get("/<int:request_id>/attachments/<int:attachment_id>")
@login_required
def attachment(request_id: int, attachment_id: int):
    try:
        req = get_request_for(current_user, request_id)
    except NotFound:
        abort(404)
    return attachments.download("request", req.id, attachment_id)
