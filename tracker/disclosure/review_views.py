"""Reconsiderations and lawsuits not tied to a registered request (about 主动公开, or a request the agency
says it never received): listed, registered and updated here; table 四 counts them like the others."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.decorators import permission_required
from ..errors import NotFound, ServiceError
from .action_forms import DATE_MESSAGE, UnattachedReviewForm, review_choices
from .action_views import _show_errors
from .blueprint import bp
from .reviews import (
    REVIEW_KINDS,
    REVIEW_RESULTS,
    UNATTACHED_SUBJECTS,
    get_unattached,
    record_unattached_review,
    unattached_reviews,
    update_unattached_review,
)

FIELDS = (
    "subject",
    "subject_note",
    "kind",
    "filed_on",
    "concluded_on",
    "result",
    "body",
    "prior_reconsideration",
    "note",
)


@bp.get("/reviews/")
@permission_required("review.view")
def reviews_list():
    return render_template(
        "disclosure/reviews.html",
        rows=unattached_reviews(current_user.agency_id),
        kinds=REVIEW_KINDS,
        results=REVIEW_RESULTS,
        subjects=UNATTACHED_SUBJECTS,
    )


def _form_page(review=None):
    form = UnattachedReviewForm(obj=review if request.method == "GET" and review is not None else None)
    review_choices(form, None)
    if form.is_submitted():
        if not form.validate():
            for field in form:
                if field.type == "DateField" and field.errors:
                    field.errors[:] = [DATE_MESSAGE]
        else:
            data = {name: getattr(form, name).data for name in FIELDS}
            try:
                if review is None:
                    record_unattached_review(current_user, **data)
                    flash("已登记复议诉讼记录，年度报告表四将计入。", "success")
                else:
                    diff = update_unattached_review(current_user, review, **data)
                    flash("已更新。" if diff else "没有修改任何内容。", "success" if diff else "info")
                return redirect(url_for("disclosure.reviews_list"))
            except ServiceError as e:
                _show_errors(form, e)
        flash("未保存：请按提示修改后重新提交。", "danger")
    return render_template("disclosure/review_form.html", form=form, review=review)


@bp.route("/reviews/new", methods=["GET", "POST"])
@permission_required("review.manage")
def review_new():
    return _form_page()


@bp.route("/reviews/<int:review_id>/edit", methods=["GET", "POST"])
@permission_required("review.view", "review.manage")
def review_edit(review_id: int):
    try:
        review = get_unattached(current_user, review_id)
    except NotFound:
        abort(404)
    return _form_page(review)
