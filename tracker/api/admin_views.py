"""/admin/api-tokens: the agency administrator creates (shown once) and revokes the platform's tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..accounts.decorators import permission_required
from ..errors import FieldErrors, ServiceError
from . import tokens

bp = Blueprint("api_tokens", __name__, url_prefix="/admin/api-tokens")


class TokenForm(FlaskForm):
    name = StringField(
        "令牌名称",
        validators=[
            DataRequired("请填写令牌名称（例如“省政府门户网站在线申请平台”）。"),
            Length(max=tokens.NAME_MAX, message=f"令牌名称不能超过{tokens.NAME_MAX}个字。"),
        ],
        description="写明使用该令牌的平台，便于日后识别和吊销。",
    )


class RevokeForm(FlaskForm):
    pass


def _page(form, secret=None, created=None):
    rows = tokens.tokens_of(current_user.agency_id)
    return render_template(
        "admin/api_tokens.html", form=form, revoke=RevokeForm(), rows=rows, secret=secret, created=created
    )


@bp.route("/", methods=["GET", "POST"])
@permission_required("admin.view", "admin.manage")
def index():
    form = TokenForm()
    if form.validate_on_submit():
        try:
            row, secret = tokens.create_token(current_user, current_user.agency, form.name.data)
        except FieldErrors as e:
            form.name.errors.append(e.errors.get("name", e.message))
        else:  # shown in this response only: never in a flash message (the session cookie is readable)
            return _page(TokenForm(formdata=None), secret=secret, created=row)
    return _page(form)


@bp.post("/<int:token_id>/revoke")
@permission_required("admin.manage")
def revoke(token_id: int):
    if not RevokeForm().validate_on_submit():
        flash("表单安全校验未通过（页面可能已过期），请刷新页面后重试。", "danger")
        return redirect(url_for("api_tokens.index"))
    try:
        row = tokens.revoke_token(current_user, current_user.agency, token_id)
        flash(f"已吊销接口令牌“{row.name}”：此后用它的调用一律被拒绝。", "success")
    except ServiceError as e:
        flash(e.message, "danger")
    return redirect(url_for("api_tokens.index"))
