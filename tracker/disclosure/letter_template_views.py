"""The agency's letter templates: list, edit with a live preview, reset to the shipped default."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from ..accounts.decorators import permission_required
from ..errors import ServiceError
from ..forms import REQUIRED
from . import letters
from .action_views import _show_errors
from .blueprint import bp

# --- letter templates ------------------------------------------------------------------------------


class TemplateForm(FlaskForm):
    title = StringField("标题", validators=REQUIRED)
    body = TextAreaField("正文（每行一段；占位符写成 {{ 名称 }}）", render_kw={"rows": 14}, validators=REQUIRED)


@bp.get("/letter-templates/")
@permission_required("letters.view")
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
@permission_required("letters.view", "letters.manage")
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
