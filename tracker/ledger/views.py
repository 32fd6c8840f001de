"""Ledger pages: upload with a preview (dry run) and confirmation, templates, and list exports."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.decorators import permission_required
from ..errors import ServiceError
from ..rules.clock import today_cn
from ..web import xlsx_download
from . import export, jobs, parse
from .blueprint import bp
from .models import STATE_LABELS

KIND_CHOICES = [("", "自动识别（按工作表名称或表头）"), *[(k, s.label) for k, s in parse.SPECS.items()]]
EXTENSIONS = (".xlsx", ".xlsm", ".csv")


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _job_urls(job_id: str) -> dict:
    return {
        "job": job_id,
        "progress_url": url_for("ledger.progress", job_id=job_id),
        "page_url": url_for("ledger.job", job_id=job_id),
    }


def _following(job_id: str):
    """The answer to a started job: where to follow it (the page's script polls), or its page."""
    if _wants_json():
        return jsonify(_job_urls(job_id))
    return redirect(url_for("ledger.job", job_id=job_id))


def _state(job_id: str) -> dict:
    """The user's own job; 404 for any other, as for none."""
    state = jobs.load(job_id, current_user)
    if state is None:
        abort(404)
    return state


def _error(message: str, job_id: str | None = None):
    if _wants_json():
        return jsonify({"error": message}), 400
    flash(message, "danger")
    return redirect(url_for("ledger.job", job_id=job_id) if job_id else url_for("ledger.upload"))


@bp.route("/", methods=["GET", "POST"])
@permission_required("ledger.import")
def upload():
    if request.method == "GET":
        limits = parse.Limits.from_config(current_app.config)
        return render_template("ledger/upload.html", kinds=KIND_CHOICES, specs=parse.SPECS, limits=limits)
    f = request.files.get("file")
    if f is None or not f.filename:
        return _error("请选择要导入的台账文件（.xlsx 或 .csv）。")
    if not f.filename.lower().endswith(EXTENSIONS):
        return _error("只能导入 .xlsx 或 .csv 文件；旧版 .xls 请在 Excel 中另存为 .xlsx 后再上传。")
    data = f.read()
    if not data:
        return _error("上传的文件是空的，请重新选择文件。")
    kind = request.form.get("kind") or None
    if kind is not None and kind not in parse.SPECS:
        return _error("请选择台账类型。")
    job_id = jobs.create(current_user, f.filename, data, kind)
    jobs.check(job_id)  # in the background, never in this request: the page follows its progress
    return _following(job_id)


@bp.get("/jobs/<job_id>")
@permission_required("ledger.import")
def job(job_id: str):
    state = _state(job_id)
    return render_template(
        "ledger/job.html",
        job=state,
        urls=_job_urls(job_id),
        kinds=dict(KIND_CHOICES),
        running=state["state"] in jobs.RUNNING,
        state_label=STATE_LABELS.get(state["state"], ""),
    )


@bp.get("/jobs/<job_id>/progress")
@permission_required("ledger.import")
def progress(job_id: str):
    state = _state(job_id)
    total = state.get("total") or 0
    percent = 100 if state["state"] not in jobs.RUNNING else (int(100 * state.get("done", 0) / total) if total else 0)
    return jsonify(
        {
            "state": state["state"],
            "stage": state.get("stage", ""),
            "done": state.get("done", 0),
            "total": total,
            "percent": min(percent, 100),
            "running": state["state"] in jobs.RUNNING,
        }
    )


@bp.post("/jobs/<job_id>/confirm")
@permission_required("ledger.import")
def confirm(job_id: str):
    state = _state(job_id)
    if state["state"] != "checked":
        return _error("该文件尚未通过检查或已经导入，请重新上传。")
    section_map = {}
    for i, (name, choices) in enumerate((state.get("section_choices") or {}).items()):
        target = request.form.get(f"section-{i}", "")
        if target and target not in choices:
            return _error(f"“{target}”不是可选的科室，请重新选择台账中的“{name}”对应的科室。")
        if target:
            section_map[name] = target
    try:
        jobs.confirm(job_id, current_user, section_map)
    except ServiceError as e:  # another import of the agency is running (the job stays checked), or it moved on
        return _error(e.message, job_id)
    return _following(job_id)


@bp.get("/template/<kind>.xlsx")
@permission_required("ledger.import")
def template(kind: str):
    if kind not in parse.SPECS:
        abort(404)
    return xlsx_download(export.template_workbook(kind), f"{parse.SPECS[kind].sheet}台账模板.xlsx")


def _filters(args) -> dict:
    return {k: v for k, v in args.items() if k != "page" and v}


@bp.get("/export/requests.xlsx")
@permission_required("request.export")
def export_requests():
    from ..disclosure.queries import filtered_query

    # the unit's own ledger (with its applicants' personal data), never a sub-unit's: issue 16, docs/district.md
    q, _ = filtered_query(current_user, request.args, units=False)
    data, count = export.requests_workbook(q)
    export.record_export(current_user, "request", {"filters": _filters(request.args), "count": count, "format": "xlsx"})
    return xlsx_download(data, f"依申请公开台账_{today_cn().isoformat()}.xlsx")


@bp.get("/export/proposals.xlsx")
@permission_required("proposal.export")
def export_proposals():
    from ..proposals.queries import filtered_query

    q, _ = filtered_query(current_user, request.args, today_cn(), units=False)
    data, count = export.proposals_workbook(q)
    export.record_export(
        current_user, "proposal", {"filters": _filters(request.args), "count": count, "format": "ledger"}
    )
    return xlsx_download(data, f"建议提案台账_{today_cn().isoformat()}.xlsx")
