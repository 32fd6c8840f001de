"""The timeliness page (/stats/timeliness) and its .xlsx: the figures of tracker.workbench.timeliness.

Who sees what: a user holding report.view sees the own unit; an agency-wide role of a unit with
sub-units may also choose 本单位及下属单位 and each sub-unit (any unit below its own, never a parent or a
sibling: a unit outside the user's subtree is answered as a page that does not exist). The units offered
are accounts.access.readable_units, the rule the scoped query and the reports follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from flask import Response, abort, render_template, request
from flask_login import current_user

from ..accounts.access import readable_units
from ..accounts.decorators import permission_required
from ..countdowns import request_calendar
from ..reports.services import MIN_YEAR
from ..rules.clock import today_cn
from ..web import XLSX_MIME
from . import timeliness as tl
from .blueprint import bp


@dataclass
class Choice:
    year: int
    unit_id: int
    scope: str
    units: list  # (id, name, depth) of the units the user may choose, the own unit first
    error: str | None = None
    this_year: int = 0
    min_year: int = MIN_YEAR


def _choice(user) -> Choice:
    this_year = today_cn().year
    units = readable_units(user)
    allowed = {u[0] for u in units}
    choice = Choice(this_year, user.agency_id, tl.UNIT, units, this_year=this_year)
    errors = []
    text = (request.args.get("year") or "").strip()
    if text:
        if text.isascii() and text.isdigit() and len(text) <= 4 and MIN_YEAR <= int(text) <= this_year:
            choice.year = int(text)
        else:
            errors.append(f"年份应为{MIN_YEAR}年至{this_year}年之间的四位数字，请重新选择。")
    text = (request.args.get("unit") or "").strip()
    if text:
        if not (text.isascii() and text.isdigit() and len(text) <= 10):
            errors.append("单位选择有误，请从列表中选择。")
        elif int(text) not in allowed:
            abort(404)  # a parent's, sibling's or another district's unit: as if it did not exist
        else:
            choice.unit_id = int(text)
    text = (request.args.get("scope") or "").strip()
    if text:
        if text not in tl.SCOPES:
            errors.append("统计范围应为“本单位”或“本单位及下属单位”，请重新选择。")
        elif text == tl.WITH_UNITS and len(units) == 1:
            errors.append("本单位没有下属单位，请选择“本单位”。")
        else:
            choice.scope = text
    choice.error = "".join(errors) or None
    return choice


def _chart_data(a: tl.Analysis) -> dict:
    def series(rows):
        return {
            "labels": [r.label for r in rows],
            "median": [r.median for r in rows],
            "p90": [r.p90 for r in rows],
            "within": [float(r.within_share) if r.within_share is not None else None for r in rows],
        }

    return {
        "threshold": tl.WITHIN_WORKDAYS,
        "units": series(a.units),
        "sections": series(a.sections),
        "groups": series(a.groups),
    }


def _analysis(choice: Choice) -> tl.Analysis:
    return tl.analyse(choice.unit_id, choice.year, choice.scope, calendar=request_calendar())


@bp.get("/timeliness")
@permission_required("report.view")
def timeliness():
    choice = _choice(current_user)
    if choice.error:
        return render_template("stats/timeliness.html", c=choice, a=None, tl=tl), 400
    a = _analysis(choice)
    return render_template("stats/timeliness.html", c=choice, a=a, tl=tl, charts=_chart_data(a))


@bp.get("/timeliness.xlsx")
@permission_required("report.view")
def timeliness_xlsx():
    choice = _choice(current_user)
    if choice.error:
        return render_template("stats/timeliness.html", c=choice, a=None, tl=tl), 400
    a = _analysis(choice)
    name = f"{a.agency_name}{a.year}年办理时效分析（{a.scope_label}）.xlsx"
    return Response(
        tl.workbook(a),
        mimetype=XLSX_MIME,
        headers={
            "Content-Disposition": f"attachment; filename=timeliness-{a.year}.xlsx; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
        },
    )
