"""Pages of the year-end report and of its registers. Thin: every change goes through a service."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

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


def _scope():
    """(unit id, with_units, the query args naming them) of the request, or a 404 when the user may not
    read that unit's report or roll-up (accounts.access.readable_unit)."""
    from ..accounts.access import readable_unit
    from ..types import to_id

    raw = request.args.get("unit")
    unit = to_id(raw) if raw is not None else None
    with_units = request.args.get("scope") == "with_units"
    if raw is not None and unit is None:
        abort(404)
    try:
        agency_id = readable_unit(current_user, unit, with_units=with_units)
    except NotFound:
        abort(404)
    args = {}
    if agency_id != current_user.agency_id:
        args["unit"] = agency_id
    if with_units:
        args["scope"] = "with_units"
    return agency_id, with_units, args


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
    agency_id, with_units, args = _scope()
    if (back := _year_or_redirect(year)) is not None:
        return back
    if with_units:
        return _show_rollup(year, agency_id, args)
    from ..accounts.access import has_sub_units
    from ..accounts.models import Agency

    view = services.year_report(agency_id, year, current=request.args.get("view") == "current")
    failing = view.current.failing_problems()
    cases = {p.id: problem_cases(agency_id, year, p.id) for p in failing}
    changed = []
    if view.snapshot is not None and view.diffs:
        changed = services.cases_changed_since(agency_id, year, view.snapshot.published_at)
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
        notes=data_notes(agency_id, year),
        all_problems=PROBLEMS,
        changed_refs={d.path for d in view.diffs},
        changed=changed,
        publish_form=PublishForm(),
        current_checks=view.current.report["checks"],
        cell_value=rl.cell_value,
        cell_link=_cell_link(year, args),
        min_year=services.MIN_YEAR,
        this_year=today_cn().year,
        args=args,
        own=agency_id == current_user.agency_id,
        unit_name=db.session.get(Agency, agency_id).name,
        switch=current_user.agency_wide and has_sub_units(agency_id),
    )


def _show_rollup(year: int, agency_id: int, args: dict):
    """The roll-up page: the sum in the official layout, the per-unit table, the checks of the sum and of
    each unit, and each unit whose published figures differ from its records now."""
    from .rollup import UNIT_COLUMNS

    view = services.year_rollup(agency_id, year, current=request.args.get("view") == "current")
    return render_template(
        "reports/rollup.html",
        view=view,
        year=year,
        layouts={t: rl.version_of(view.report).layout(t) for t in ("table2", "table3", "table4")},
        sections=SECTIONS,
        title=report_title(view.report["agency"]["name"], year),
        check_titles=rl.CHECK_TITLES,
        columns=UNIT_COLUMNS,
        changed_refs={d.path for d in view.diffs},
        publish_form=PublishForm(),
        cell_value=rl.cell_value,
        cell_link=_cell_link(year, args),
        min_year=services.MIN_YEAR,
        this_year=today_cn().year,
        args=args,
        own=agency_id == current_user.agency_id,
        unit_args=lambda unit_id: {} if unit_id == current_user.agency_id else {"unit": unit_id},
    )


def _cell_link(year: int, args: dict | None = None):
    """ref -> the address of the figure's list of cases (of the unit or roll-up `args` name), or None for a
    figure that counts no cases."""
    from .cells import figure_id, figures

    traceable = figures(rl.layout_for_year(year))

    def link(ref) -> str | None:
        fid = figure_id(tuple(ref))
        return url_for("reports.cell_cases", year=year, cell_id=fid, **(args or {})) if fid in traceable else None

    return link


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
        scope = "with_units" if request.form.get("scope") == "with_units" else "unit"
        try:
            services.publish(current_user, year, scope=scope)
            what = "汇总报告（本单位及下属单位）" if scope == "with_units" else "报告"
            flash(f"{year}年度{what}已发布，数字和文字已冻结。", "success")
        except ServiceError as e:
            flash(e.message, "danger")
    args = {"scope": "with_units"} if request.form.get("scope") == "with_units" else {}
    return redirect(url_for("reports.show", year=year, **args))


@bp.get("/<int:year>/report.<fmt>")
@permission_required("report.view")
def download(year: int, fmt: str):
    if fmt not in FILE_TYPES:
        abort(404)
    agency_id, with_units, _args = _scope()
    if (back := _year_or_redirect(year)) is not None:
        return back
    from .cells import case_sheets

    current = request.args.get("view") == "current"
    sheets = []
    if with_units:
        from .rollup import unit_sheet, units_json

        view = services.year_rollup(agency_id, year, current=current)
        report = {**view.report, "units": units_json(view.rollup)} if fmt == "json" else view.report
        if fmt == "xlsx":
            sheets = [unit_sheet(view.rollup)]
            if current_user.can("request.export"):  # the reader's reach was checked by _scope
                sheets = [*case_sheets(year, view.rollup.ids), *sheets]
    else:
        view = services.year_report(agency_id, year, current=current)
        report = view.report
        # the .xlsx lists each figure's cases for those who may export cases (not the auditor)
        if fmt == "xlsx" and current_user.can("request.export"):
            own = agency_id == current_user.agency_id
            sheets = case_sheets(year, agency_id, current_user if own else None)
    body = render.to_file(fmt, report, view.narrative, sheets)
    suffix = "" if view.frozen or view.snapshot is None else "（按现有记录）"
    name = f"{year}年政府信息公开工作年度报告{suffix}.{fmt}"
    from urllib.parse import quote

    return Response(
        body,
        mimetype=FILE_TYPES[fmt],
        headers={"Content-Disposition": f"attachment; filename=report-{year}.{fmt}; filename*=UTF-8''{quote(name)}"},
    )


# ------------------------------------------------------------------------------- a figure's cases


def _figure_or_redirect(year: int, cell_id: str):
    """(figure, None), or (None, a redirect to the report with the Chinese reason)."""
    from .cells import figure

    if (back := _year_or_redirect(year)) is not None:
        return None, back
    try:
        return figure(cell_id, year), None
    except ServiceError as e:
        flash(e.message, "danger")
        return None, redirect(url_for("reports.show", year=year))


@bp.get("/<int:year>/cells/<cell_id>")
@permission_required("report.view")
def cell_cases(year: int, cell_id: str):
    """The cases one figure counts: the figure's own condition through the user's scoped query."""
    from ..disclosure.models import DisclosureRequest, Review
    from ..lists import MAX_PAGE
    from ..paging import paginate
    from . import cells

    agency_id, with_units, args = _scope()
    fig, back = _figure_or_redirect(year, cell_id)
    if back is not None:
        return back
    q = _cell_query(fig, year, agency_id, with_units)
    total = cells.count(q)
    # what each row shows besides its own columns: loaded with the rows, not one query per row
    q = q.options(joinedload(Review.request) if fig.subject == cells.REVIEW else joinedload(DisclosureRequest.section))
    page = paginate(
        db.session,
        q,
        cells.sort_keys(fig),
        request.args,
        current_app.config["PAGE_SIZE"],
        max_page=MAX_PAGE,
        known_count=total,
    )
    snap = services.snapshot_for(agency_id, year, "with_units" if with_units else "unit")
    published = rl.cell_value(services.frozen_report(snap), fig.ref) if snap is not None else None
    from ..accounts.models import Agency

    return render_template(
        "reports/cell.html",
        scope_args=args,
        scope_name=db.session.get(Agency, agency_id).name + ("及下属单位" if with_units else ""),
        year=year,
        fig=fig,
        total=total,
        rows=page.rows,
        paging=page,
        published=published,
        outcome_label=_outcome_label,
        kind_label=rl.layout_for_year(year).table4_label,
        result_labels={c.id: c.label for c in rl.TABLE4_COLUMNS},
        unattached=cells.UNATTACHED_PREFIX,
        # the pager's links keep the path's year and figure besides the query string
        args=MultiDict({**request.args.to_dict(), "year": year, "cell_id": fig.id}),
    )


def _cell_query(fig, year: int, agency_id: int, with_units: bool):
    """The figure's cases: of the user's own unit through the user's scoped query; of a sub-unit or of the
    roll-up (the subtree's ids), for an agency-wide reader of an ancestor (checked by _scope), the
    figure's condition over those units (read-only)."""
    from ..accounts.access import unit_ids
    from . import cells

    if not with_units and agency_id == current_user.agency_id:
        return cells.case_query(fig, year, agency_id, current_user)
    return cells.case_query(fig, year, tuple(unit_ids(agency_id)) if with_units else agency_id)


def _outcome_label(code: str | None) -> str:
    from ..rules import outcomes

    return outcomes.outcome(code).short_label if outcomes.is_valid(code) else (code or "")


@bp.get("/<int:year>/cells/<cell_id>/export.xlsx")
@permission_required("request.export")
def cell_export(year: int, cell_id: str):
    """The figure's cases as the ledger's sheet (requests, or the reviews of table 四); an export event."""
    from ..ledger import export
    from ..web import xlsx_download
    from . import cells

    agency_id, with_units, _args = _scope()
    fig, back = _figure_or_redirect(year, cell_id)
    if back is not None:
        return back
    q = _cell_query(fig, year, agency_id, with_units)
    q = q.order_by(*(k.order() for k in cells.sort_keys(fig)))
    data, count = (export.reviews_workbook if fig.subject == cells.REVIEW else export.requests_workbook)(q)
    # one event kind for both: table 四's reviews are about requests and carry their numbers
    export.record_export(
        current_user,
        "request",
        {
            "report_year": year,
            "figure": fig.id,
            "count": count,
            "format": "xlsx",
            **({"unit": agency_id} if agency_id != current_user.agency_id else {}),
            **({"scope": "with_units"} if with_units else {}),
        },
    )
    return xlsx_download(data, f"{year}年度报告_{fig.id}_案件清单.xlsx")


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
