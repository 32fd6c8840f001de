"""Remedies (救济途径) an answer letter states: which route, which bodies, which time limits — as the law
stood on the day of the decision. The one function `remedies()` decides it; letters, templates and
docs all use it.

Law by decision date (`LAWS`, a `Dated` table; sources in docs/legal-sources.md):

- From 2024-01-01 (《行政复议法》as revised 2023, 主席令第九号): Art. 23(1)(4) — "申请政府信息公开，行政机关
  不予公开" must first go to administrative reconsideration; only after the reconsideration decision may
  the applicant sue, within 15 days of receiving it (《行政诉讼法》Art. 45). Reconsideration within 60 days
  (行政复议法 Art. 20). For every other answer the applicant may seek reconsideration (60 days) or sue
  directly within 6 months (行政诉讼法 Art. 46).
- 2015-05-01 to 2023-12-31: either route for every answer: 60 days (行政复议法 1999 Art. 9), 6 months
  (行政诉讼法 as amended 2014, Art. 46).
- Before 2015-05-01: either route, 60 days, 3 months (行政诉讼法 1989 Art. 39).

Readings that are this product's (docs/legal-sources.md says so too):
- "不予公开" is every outcome of group （三）不予公开 of table 三, 属于行政查询事项 (Art. 36(7)) included:
  the format counts it as a refusal, and telling an applicant to seek reconsideration first is never a
  lost remedy, while a lawsuit filed directly may be dismissed.
- 部分公开 refuses a part: the letter states the compulsory route for the refused part and either route
  for the rest of the answer.
- Outcomes whose letters state no remedies (`Outcome.states_remedies` False: 予以公开, a withdrawal)
  get none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from .effective import LITIGATION_LAW_2014, RECONSIDERATION_LAW_2023, Dated, NotInForce, Version
from .outcomes import outcome

REFUSAL_FIRST = "reconsideration_first"  # 复议前置
PARTIAL = "partial"  # the refused part reconsideration first, the rest either route
EITHER = "either"  # 复议或者诉讼
NONE = "none"  # the letter states no remedies
ROUTE_LABELS = {
    REFUSAL_FIRST: "应当先申请行政复议（复议前置）",
    PARTIAL: "不予公开部分复议前置，其他内容可复议或诉讼",
    EITHER: "可以申请行政复议，也可以直接提起行政诉讼",
    NONE: "不告知救济途径",
}

DEFAULT_RECONSIDERATION_BODY = None  # unnamed: "依法申请行政复议", as letters said before
DEFAULT_COURT = "人民法院"


@dataclass(frozen=True)
class RemedyLaw:
    """The figures and the compulsory route of one version of the law."""

    reconsideration_days: int  # 自知道行政行为之日起
    litigation_months: int  # 直接起诉
    after_reconsideration_days: int  # 收到复议决定书之日起
    refusal_requires_reconsideration: bool  # 不予公开 复议前置


LAWS: Dated[RemedyLaw] = Dated(
    "政府信息公开答复的救济途径",
    [
        # 行政复议法（1999）第九条：60日；行政诉讼法（1989）第三十八条第二款：15日，第三十九条：3个月
        Version(
            date(1999, 10, 1),
            RemedyLaw(60, 3, 15, False),
            "《行政复议法》（1999）第九条，1999-10-01施行；《行政诉讼法》（1989）第三十八条、第三十九条",
        ),
        # 行政诉讼法（2014年修正，2015-05-01施行）第四十五条：15日，第四十六条：6个月
        Version(
            LITIGATION_LAW_2014,
            RemedyLaw(60, 6, 15, False),
            "《行政复议法》第九条；《行政诉讼法》（2014年修正）第四十五条、第四十六条，2015-05-01施行",
        ),
        # 行政复议法（2023年修订，主席令第九号，2024-01-01施行）第二十条：60日；第二十三条第一款第（四）项：
        # 申请政府信息公开，行政机关不予公开的，应当先申请行政复议
        Version(
            RECONSIDERATION_LAW_2023,
            RemedyLaw(60, 6, 15, True),
            "《行政复议法》（2023年修订，主席令第九号）第二十条、第二十三条第一款第（四）项，2024-01-01施行；"
            "《行政诉讼法》第四十五条、第四十六条",
        ),
    ],
)


@dataclass(frozen=True)
class Remedies:
    route: str
    text: str  # the sentence the letter prints ("" when none)
    reconsideration_body: str | None
    court: str
    law: RemedyLaw | None
    source: str

    @property
    def route_label(self) -> str:
        return ROUTE_LABELS[self.route]


def _clean(value: object) -> str | None:
    text = str(value).strip() if isinstance(value, str) else ""
    return text or None


def route_for(code: str, decided_on: date) -> str:
    """The route an answer with outcome `code` decided on `decided_on` must state."""
    o = outcome(code)
    if not o.states_remedies:
        return NONE
    law = _law(decided_on)
    if law.refusal_requires_reconsideration:
        if o.group == "withheld":
            return REFUSAL_FIRST
        if o.group == "partially_disclosed":
            return PARTIAL
    return EITHER


def _law(decided_on: date) -> RemedyLaw:
    try:
        return LAWS.at(decided_on)
    except NotInForce:  # a decision dated before 1999-10-01 cannot occur; use the oldest wording
        return LAWS.versions[0].value


def remedies(code: str, decided_on: date, settings: Mapping | None = None) -> Remedies:
    """The remedies of an answer: outcome `code`, decided (the letter's date) on `decided_on`, and the
    agency's settings (`reconsideration_body`, `court`) naming the bodies. KeyError for an unknown code.

    Worked example: `withheld.state_secret` decided 2024-03-01, body 某区人民政府, court 某区人民法院 →
    "如对本答复不服，应当先自收到本答复之日起60日内向某区人民政府申请行政复议；对行政复议决定不服的，可以自收到
    行政复议决定书之日起15日内依法向某区人民法院提起行政诉讼。" The same decided 2023-12-29 →
    "如对本答复不服，可以自收到本答复之日起60日内向某区人民政府申请行政复议，或者自收到本答复之日起6个月内依法向
    某区人民法院提起行政诉讼。"
    """
    settings = settings or {}
    body = _clean(settings.get("reconsideration_body")) or DEFAULT_RECONSIDERATION_BODY
    court = _clean(settings.get("court")) or DEFAULT_COURT
    route = route_for(code, decided_on)
    try:
        version = LAWS.version_at(decided_on)
    except NotInForce:
        version = LAWS.versions[0]
    law = version.value
    if route == NONE:
        return Remedies(NONE, "", body, court, None, "")
    reconsider = (
        f"自收到本答复之日起{law.reconsideration_days}日内向{body}申请行政复议"
        if body
        else f"自收到本答复之日起{law.reconsideration_days}日内依法申请行政复议"
    )
    litigate = f"自收到本答复之日起{law.litigation_months}个月内依法向{court}提起行政诉讼"
    after = (
        f"对行政复议决定不服的，可以自收到行政复议决定书之日起{law.after_reconsideration_days}日内"
        f"依法向{court}提起行政诉讼"
    )
    if route == REFUSAL_FIRST:
        text = f"如对本答复不服，应当先{reconsider}；{after}。"
    elif route == PARTIAL:
        text = (
            f"如对本答复中不予公开的部分不服，应当先{reconsider}，{after}；"
            f"对本答复的其他内容不服的，可以{reconsider}，或者{litigate}。"
        )
    else:
        text = f"如对本答复不服，可以{reconsider}，或者{litigate}。"
    return Remedies(route, text, body, court, law, version.source)


def sample(settings: Mapping | None = None) -> str:
    """A remedies sentence for template previews: a refusal decided under the law now in force."""
    return remedies("withheld.state_secret", LAWS.current.since, settings).text
