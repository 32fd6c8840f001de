"""Pages of the year-end report and of its registers. Thin: every change goes through a service."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from ..accounts.decorators import permission_required
from ..errors import NotFound, ServiceError
from ..extensions import db
from ..lists import page_arg
from ..rules import report_layout as rl
from ..rules.clock import today_cn
from . import registers, render, services
from .blueprint import bp
from .derive import PROBLEMS, data_notes, problem_cases
from .forms import CsrfOnlyForm, PublishForm, entry_data, entry_form
from .models import KIND_LABELS, PROACTIVE_CATEGORIES, RegisterEntry
from .structure import NARRATIVE_PARTS, SECTIONS, parts_of, report_title

FILE_TYPES = {
    "json": "application/json; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@bp.app_template_filter("figure")
def figure_filter(value):
    return render.figure_text(value)


def _year_or_redirect(year: int):
    try:
        services.check_year(year)
    except ServiceError as e:
        flash(e.message, "danger")
        return redirect(url_for("reports.index"))
    return None


@bp.get("/")
@permission_required("report.view")
def index():
    from ..disclosure.models import DisclosureRequest

    first = db.session.scalar(
        select(func.min(DisclosureRequest.received_on)).where(DisclosureRequest.agency_id == current_user.agency_id)
    )
    this_year = today_cn().year
    start = max(services.MIN_YEAR, min(first.year if first else this_year - 1, this_year - 1))
    years = list(range(this_year, start - 1, -1))
    published = {s.year: s for s in services.published_years(current_user.agency_id)}
    return render_template(
        "reports/index.html", years=years, published=published, kinds=KIND_LABELS, default_year=this_year - 1
    )


@bp.get("/rules")
@permission_required("report.view")
def rules():
    from .rules_doc import rules_page

    body, toc = rules_page()
    return render_template("reports/rules.html", body=body, toc=toc)


@bp.get("/<int:year>")
@permission_required("report.view")
def show(year: int):
    if (back := _year_or_redirect(year)) is not None:
        return back
    view = services.year_report(current_user.agency_id, year, current=request.args.get("view") == "current")
    failing = view.current.failing_problems()
    cases = {p.id: problem_cases(current_user.agency_id, year, p.id) for p in failing}
    changed = []
    if view.snapshot is not None and view.diffs:
        changed = services.cases_changed_since(current_user.agency_id, year, view.snapshot.published_at)
    return render_template(
        "reports/report.html",
        view=view,
        year=year,
        layouts={t: rl.version_of(view.report).layout(t) for t in ("table2", "table3", "table4")},
        sections=SECTIONS,
        parts_of=parts_of,
        title=report_title(view.report["agency"]["name"], year),
        check_titles=rl.CHECK_TITLES,
        problems=failing,
        problem_cases=cases,
        notes=data_notes(current_user.agency_id, year),
        all_problems=PROBLEMS,
        changed_refs={d.path for d in view.diffs},
        changed=changed,
        publish_form=PublishForm(),
        current_checks=view.current.report["checks"],
        cell_value=rl.cell_value,
        min_year=services.MIN_YEAR,
        this_year=today_cn().year,
    )


@bp.route("/<int:year>/narrative", methods=["GET", "POST"])
@permission_required("report.edit")
def narrative(year: int):
    if (back := _year_or_redirect(year)) is not None:
        return back
    view = services.year_report(current_user.agency_id, year, current=True)
    if view.snapshot is not None:
        flash(f"{year}年度报告已发布，文字已冻结，不能再修改。", "warning")
        return redirect(url_for("reports.show", year=year))
    form = CsrfOnlyForm()
    texts = {p.id: view.texts[p.id].text for p in NARRATIVE_PARTS}
    if form.validate_on_submit():
        submitted = {p.id: request.form.get(f"part-{p.id}", "") for p in NARRATIVE_PARTS}
        try:
            diff = services.save_narrative(current_user, year, submitted)
            flash("报告文字已保存。" if diff else "没有修改任何内容。", "success" if diff else "info")
            return redirect(url_for("reports.show", year=year))
        except ServiceError as e:
            flash(e.message, "danger")
            texts = submitted
    elif form.is_submitted():
        flash("表单安全校验未通过，请刷新页面后重新提交。", "danger")
    return render_template(
        "reports/narrative.html", year=year, view=view, form=form, parts=NARRATIVE_PARTS, texts=texts
    )


@bp.post("/<int:year>/publish")
@permission_required("report.publish")
def publish(year: int):
    form = PublishForm()
    if not form.validate_on_submit():
        flash("表单安全校验未通过，请刷新页面后重新提交。", "danger")
    elif not form.confirm.data:
        flash("请先勾选确认，再发布年度报告。", "warning")
    else:
        try:
            services.publish(current_user, year)
            flash(f"{year}年度报告已发布，数字和文字已冻结。", "success")
        except ServiceError as e:
            flash(e.message, "danger")
    return redirect(url_for("reports.show", year=year))


@bp.get("/<int:year>/report.<fmt>")
@permission_required("report.view")
def download(year: int, fmt: str):
    if fmt not in FILE_TYPES:
        abort(404)
    if (back := _year_or_redirect(year)) is not None:
        return back
    view = services.year_report(current_user.agency_id, year, current=request.args.get("view") == "current")
    body = render.to_file(fmt, view.report, view.narrative)
    suffix = "" if view.frozen or view.snapshot is None else "（按现有记录）"
    name = f"{year}年政府信息公开工作年度报告{suffix}.{fmt}"
    from urllib.parse import quote

    return Response(
        body,
        mimetype=FILE_TYPES[fmt],
        headers={"Content-Disposition": f"attachment; filename=report-{year}.{fmt}; filename*=UTF-8''{quote(name)}"},
    )


# ------------------------------------------------------------------------------------------- registers


def _kind_or_404(kind: str) -> None:
    if kind not in KIND_LABELS:
        abort(404)


@bp.get("/registers/<kind>/")
@permission_required("register.view")
def register_list(kind: str):
    _kind_or_404(kind)
    year = request.args.get("year", type=int)
    q = registers.list_query(current_user.agency_id, kind, year)
    page = page_arg(request.args)
    per = current_app.config["PAGE_SIZE"]
    total = db.session.scalar(select(func.count()).select_from(q.order_by(None).subquery()))
    rows = db.session.scalars(q.limit(per).offset((page - 1) * per)).all()
    return render_template(
        "reports/register_list.html",
        kind=kind,
        kinds=KIND_LABELS,
        rows=rows,
        year=year,
        page=page,
        pages=max((total + per - 1) // per, 1),
        total=total,
        category_label=lambda c: registers.category_label(kind, c),
        spec=registers.SPECS[kind],
        delete_form=CsrfOnlyForm(),
    )


def _entry_page(kind: str, entry: RegisterEntry | None):
    form = entry_form(kind, obj=entry) if entry is not None else entry_form(kind)
    if form.is_submitted():
        if not form.validate():
            flash("表单安全校验未通过，请刷新页面后重新提交。", "danger")
        else:
            try:
                if entry is None:
                    registers.add_entry(current_user, kind, entry_data(form))
                    flash("已登记。", "success")
                else:
                    diff = registers.edit_entry(current_user, entry.id, entry_data(form))
                    flash("已修改。" if diff else "没有修改任何内容。", "success" if diff else "info")
                return redirect(url_for("reports.register_list", kind=kind))
            except registers.RegisterInvalid as e:
                for field, msg in e.errors.items():
                    if field in form:
                        form[field].errors = [*form[field].errors, msg]
                    else:
                        flash(msg, "danger")
                flash("未保存：请按红色提示修改后重新提交。", "danger")
            except ServiceError as e:
                flash(e.message, "danger")
    return render_template(
        "reports/register_form.html",
        form=form,
        kind=kind,
        kinds=KIND_LABELS,
        entry=entry,
        suggestions=PROACTIVE_CATEGORIES,
    )


@bp.route("/registers/<kind>/new", methods=["GET", "POST"])
@permission_required("register.manage")
def register_new(kind: str):
    _kind_or_404(kind)
    return _entry_page(kind, None)


@bp.route("/registers/<kind>/<int:entry_id>/edit", methods=["GET", "POST"])
@permission_required("register.manage")
def register_edit(kind: str, entry_id: int):
    _kind_or_404(kind)
    try:
        entry = registers.get_entry(current_user, entry_id)
    except NotFound:
        abort(404)
    if entry.kind != kind:
        abort(404)
    return _entry_page(kind, entry)


@bp.post("/registers/<kind>/<int:entry_id>/delete")
@permission_required("register.manage")
def register_delete(kind: str, entry_id: int):
    _kind_or_404(kind)
    form = CsrfOnlyForm()
    if not form.validate_on_submit():
        flash("表单安全校验未通过，请刷新页面后重新提交。", "danger")
        return redirect(url_for("reports.register_list", kind=kind))
    try:
        entry = registers.get_entry(current_user, entry_id)
        if entry.kind != kind:
            abort(404)
        registers.delete_entry(current_user, entry_id)
        flash("已删除。", "success")
    except NotFound:
        abort(404)
    except ServiceError as e:
        flash(e.message, "danger")
    return redirect(url_for("reports.register_list", kind=kind))
