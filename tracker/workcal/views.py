"""Pages: the 期限计算器 for all staff, and the administrator's working-day calendar (工作日历)."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import audit
from ..accounts.decorators import permission_required
from ..errors import ServiceError
from ..extensions import db
from ..rules import calendar_csv
from ..rules.clock import today_cn
from ..rules.workdays import YEAR_STATUS_LABELS
from ..web import xlsx_download
from . import calculator as calc
from . import impact, service
from .blueprint import bp
from .forms import CalendarImportForm

MIN_PAUSE_ROWS = 3
# The preview page lists this many moved deadlines at most; the download has them all.
PREVIEW_ROWS = 500
DOWNLOADS = ("download_xlsx", "download_csv")


@bp.get("/calculator")
@login_required
def calculator():
    args = request.args
    mode = "months" if args.get("mode") == "months" else "workdays"
    pauses = list(zip(args.getlist("pause_from"), args.getlist("pause_to"), strict=False))
    result, errors = None, {}
    if "start" in args:
        n = args.get("n", "")
        try:
            query = calc.parse(
                args.get("start"),
                working_days=n if mode == "workdays" else None,
                months=n if mode == "months" else None,
                extend=args.get("extend"),
                pauses=pauses,
                months_mode=mode == "months",
            )
            result = calc.calculate(query)
        except calc.CalculatorInvalid as e:
            errors = e.errors
    filled = [p for p in pauses if (p[0] or "").strip() or (p[1] or "").strip()]
    rows = filled + [("", "")] * max(MIN_PAUSE_ROWS - len(filled), 1)
    return render_template(
        "calendar/calculator.html",
        args=args,
        mode=mode,
        result=result,
        errors=errors,
        pause_rows=rows,
        today=today_cn(),
    )


@bp.get("/years")
@permission_required("calendar.view")
def admin_years():
    return render_template(
        "calendar/years.html",
        years=service.years_overview(today_cn()),
        min_year=service.MIN_YEAR,
        max_year=service.MAX_YEAR,
    )


def _year_or_404(year: int) -> int:
    try:
        service.check_year(year)
    except ServiceError:
        abort(404)
    return year


@bp.get("/years/<int:year>")
@permission_required("calendar.view")
def year_detail(year: int):
    view = "list" if request.args.get("view") == "list" else "grid"
    info = service.year_info(_year_or_404(year))
    return render_template(
        "calendar/year.html",
        info=info,
        view=view,
        grids=service.month_grids(year) if view == "grid" else None,
        history=audit.timeline("calendar", year),
        weekdays=calendar_csv.WEEKDAYS_CN,
    )


# The "open a year" box on the list page.
@bp.get("/years/open")
@permission_required("calendar.view")
def open_year():
    year = request.args.get("year", type=int)
    if year is None or not service.MIN_YEAR <= year <= service.MAX_YEAR:
        flash(f"请输入{service.MIN_YEAR}–{service.MAX_YEAR}之间的四位年份，例如2027。", "danger")
        return redirect(url_for("calendar.admin_years"))
    return redirect(url_for("calendar.year_detail", year=year))


@bp.get("/years/<int:year>.csv")
@permission_required("calendar.view")
def year_csv(year: int):
    # With a BOM, so that Excel opens the Chinese names correctly; the importer accepts it.
    body = "\ufeff" + service.year_csv(_year_or_404(year))
    return Response(
        body,
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename=calendar-{year}.csv"},
    )


@bp.route("/import", methods=["GET", "POST"])
@permission_required("calendar.manage")
def import_year():
    """Two steps: 检查 checks the file and shows what would change — the days, and every open deadline of
    every agency that would move (tracker.workcal.impact); nothing written. 确认应用 sends back the
    checked text with the preview's token, which is checked again and applied in one transaction; if
    the calendar changed since the preview, nothing is applied and the fresh preview is shown."""
    form = CalendarImportForm()
    errors: list[str] = []
    template_year = None
    preview = None
    stale = None
    if request.method == "GET":
        year = request.args.get("year", type=int)
        form.csv_text.data = ",".join(calendar_csv.HEADER) + "\n"
        if year is not None and service.MIN_YEAR <= year <= service.MAX_YEAR:
            form.year.data = year
            # The current data is a useful template for a confirmed or package year; a provisional
            # estimate is not (it lacks the in-lieu days and would be confirmed as it stands).
            template_year = None if service.year_info(year).provisional else year
    elif form.validate_on_submit():
        upload = form.csv_file.data
        has_file = bool(upload and getattr(upload, "filename", ""))
        text = form.csv_text.data or ""
        pasted = text.strip() and text.strip() != ",".join(calendar_csv.HEADER)
        step = request.form.get("step")
        confirm = step == "confirm"
        if has_file and pasted:
            errors = [
                "请只选择一种方式：上传CSV文件，或在文本框中粘贴内容（两者都有时无法确定以哪个为准）。"
                "如要上传文件，请清空文本框。"
            ]
        elif not has_file and not pasted:
            errors = ["请上传CSV文件，或在文本框中表头下方逐行粘贴该年的放假和调休上班日期。"]
        else:
            data = upload.read() if has_file else text
            filename = upload.filename if has_file else None
            try:
                if confirm:
                    try:
                        result = service.import_csv(
                            data,
                            actor=current_user,
                            source=form.source.data or "",
                            expected_year=form.year.data,
                            filename=filename,
                            expected_token=request.form.get("token", ""),
                        )
                    except service.CalendarStale as e:
                        db.session.rollback()
                        stale = e.message
                    else:
                        flash(" ".join(result.summary_lines()), "success")
                        return redirect(url_for("calendar.year_detail", year=result.year))
                preview = service.check_csv(data, actor=current_user, expected_year=form.year.data, filename=filename)
                if step in DOWNLOADS:
                    return _impact_download(preview, step)
            except service.CalendarInvalid as e:
                db.session.rollback()
                errors = e.errors
            except ServiceError as e:
                db.session.rollback()
                errors = [e.message]
    else:
        errors = ["未导入：请按红色提示修改后重新提交。"]
    return render_template(
        "calendar/import.html",
        form=form,
        errors=errors,
        preview=preview,
        status_labels=YEAR_STATUS_LABELS,
        weekdays=calendar_csv.WEEKDAYS_CN,
        header=",".join(calendar_csv.HEADER),
        template_year=template_year,
        stale=stale,
        shown=preview.impact.capped(PREVIEW_ROWS) if preview and preview.impact else [],
        preview_rows=PREVIEW_ROWS,
        soon_days=impact.deadlines.DUE_SOON_WORKDAYS,
    )


def _impact_download(preview, step: str):
    name = f"{preview.year}年放假安排对未办结事项期限的影响"
    if step == "download_xlsx":
        title = f"{name}（预览，尚未应用）"
        return xlsx_download(impact.to_xlsx(preview.impact, title), f"{name}.xlsx")
    return Response(
        impact.to_csv(preview.impact),
        mimetype="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename=calendar-impact-{preview.year}.csv; "
            f"filename*=UTF-8''{quote(name)}.csv"
        },
    )
