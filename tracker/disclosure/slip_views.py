"""The 办理单 of a request: a print page and its .docx, for whoever may read the case."""

from __future__ import annotations

from flask import Response, abort, render_template
from flask_login import current_user, login_required

from ..accounts.access import get_request_for
from ..accounts.models import Agency
from ..errors import NotFound
from ..extensions import db
from . import slip
from .blueprint import bp

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _case(request_id: int):
    try:
        return get_request_for(current_user, request_id)
    except NotFound:
        abort(404)


@bp.get("/<int:request_id>/slip")
@login_required
def slip_page(request_id: int):
    req = _case(request_id)
    agency = db.session.get(Agency, req.agency_id)
    return render_template("disclosure/slip.html", req=req, s=slip.build(req), agency=agency)


@bp.get("/<int:request_id>/slip.docx")
@login_required
def slip_docx(request_id: int):
    req = _case(request_id)
    agency = db.session.get(Agency, req.agency_id)
    data = slip.docx_bytes(slip.build(req), agency.name)
    from urllib.parse import quote

    name = quote(f"办理单-{req.number}.docx")
    return Response(
        data,
        mimetype=DOCX,
        headers={"Content-Disposition": f"attachment; filename=slip-{req.id}.docx; filename*=UTF-8''{name}"},
    )
