"""The closing outcomes of a disclosure request = the result rows of table 三 of the annual report.

There are 21: （一）and（二）are one row each, then 8 + 3 + 5 + 3 numbered rows. (report-format.md says
"22 result rows" in prose, but its table, the official form and its own count of 25 data rows all give 21.)

Every concluded request carries exactly one of these codes, so the report's result rows are a plain
GROUP BY over the code. Ids and labels are those of 国办公开办函〔2021〕30号 (report-format.md); legal
bases cite 《中华人民共和国政府信息公开条例》 (2019, 国务院令第711号).

Decisions documented here (the format itself does not say):
- `needs_legal_ground`: the closing form must carry the ground or reason the answer letter explains.
  True for 部分公开, every 不予公开, every 无法提供 and every 不予处理 (Art. 36(3)/(5), Art. 35 and 39
  require the agency to tell the applicant why). False for 予以公开 and the three 其他处理 codes, whose
  basis is fixed (Art. 30 / Art. 42) or which end without a decision (a withdrawal).
- `names_responsible_agency`: only `unavailable.not_held`. 非本机关政府信息 has no row of its own in
  the format; it is counted as 本机关不掌握相关政府信息, and under Art. 36(5) the letter names the
  responsible agency where it can be determined, so the field is optional.
- `states_remedies`: the letter states the applicant's remedies whenever the request is not fully
  granted against the applicant's wish: every code except 予以公开 and 其他 (a withdrawal is the
  applicant's own act). Which remedies, with which bodies and time limits, is decided by
  tracker.rules.remedies from the outcome and the decision date.
- `details`: fields an outcome's letter must carry besides the ground: the proper channel of an Art. 39
  answer (信访、举报、投诉: "可以告知通过相应渠道提出") and the procedure of an Art. 36(7) answer (属于行政查询
  事项: "告知申请人依照有关法律、行政法规的规定办理"). The Regulation says the channel *may* be named; the
  product requires it, so the letter is never silent on where to go.
- `withheld.query_matter` (属于行政查询事项) is Art. 36(7): information such as 工商、不动产登记资料 whose
  access a law or administrative regulation governs specially.
- `not_processed.confirm_or_reissue` has no article of its own in the Regulation; no default basis is
  given, the handler writes the ground.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

REGULATION = "《中华人民共和国政府信息公开条例》"
FEE_MEASURES = "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"


@dataclass(frozen=True)
class DetailField:
    """A field of one outcome that its answer letter states (stored in disclosure_request.outcome_details)."""

    id: str
    label: str
    sentence: str  # how the letter states it; {value} is the text entered
    limit: int = 500


# 条例第三十九条第一款 and 第三十六条第（七）项 (see the module docstring).
OUTCOME_DETAILS: dict[str, tuple[DetailField, ...]] = {
    "not_processed.petition": (
        DetailField(
            "proper_channel",
            "应通过的渠道（受理信访、投诉、举报的机关和方式，必填）",
            "您反映的事项不作为政府信息公开申请处理，请通过{value}提出。",
        ),
    ),
    "withheld.query_matter": (
        DetailField(
            "procedure",
            "查询办法（依照哪部法律、行政法规，向哪个机关、按什么程序查询，必填）",
            "您申请获取的信息属于有关法律、行政法规对获取另有特别规定的信息，请依照{value}办理。",
        ),
    ),
}
ALL_DETAIL_FIELDS: dict[str, DetailField] = {f.id: f for fields in OUTCOME_DETAILS.values() for f in fields}
REPEAT = "not_processed.repeat"


def detail_fields(code: str | None) -> tuple[DetailField, ...]:
    return OUTCOME_DETAILS.get(code or "", ())


# Kinds of answer letter (告知书). Two outcomes can produce more than one kind: information already
# proactively disclosed is answered under Art. 36(1) and counted as 予以公开; 信息不存在 (Art. 36(4))
# and 非本机关 (Art. 36(5)) are both counted as 本机关不掌握相关政府信息.
LETTER_KINDS: dict[str, str] = {
    "disclose": "予以公开",
    "partial": "部分公开",
    "withhold": "不予公开",
    "not_exist": "信息不存在",
    "not_ours": "非本机关政府信息",
    "cannot_provide": "无法提供",
    "not_processed": "不予处理",
    "already_public": "已主动公开",
    "other": "其他",
}


@dataclass(frozen=True)
class Group:
    id: str
    label: str
    official_label: str


GROUPS: tuple[Group, ...] = (
    Group("disclosed", "予以公开", "（一）予以公开"),
    Group("partially_disclosed", "部分公开", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    Group("withheld", "不予公开", "（三）不予公开"),
    Group("unavailable", "无法提供", "（四）无法提供"),
    Group("not_processed", "不予处理", "（五）不予处理"),
    Group("other", "其他处理", "（六）其他处理"),
)
_GROUPS = {g.id: g for g in GROUPS}


@dataclass(frozen=True)
class Outcome:
    code: str
    label: str  # the table row label without its numbering
    official_label: str  # word for word as printed in table 三
    group: str
    needs_legal_ground: bool
    names_responsible_agency: bool
    letter_kinds: tuple[str, ...]  # the first is the default
    legal_basis: str | None  # default text for the letter; None: the handler must write it
    states_remedies: bool
    short_label: str  # for lists and badges where the group is not shown next to it
    aliases: tuple[str, ...] = ()  # further forms found in ledgers, matched by label_to_code

    @property
    def group_label(self) -> str:
        """The group's heading as printed, e.g. （三）不予公开."""
        return _GROUPS[self.group].official_label

    @property
    def letter_kind(self) -> str:
        return self.letter_kinds[0]

    def legal_basis_for(self, letter_kind: str | None = None) -> str | None:
        """The default basis for the letter of `letter_kind` (default: this outcome's usual letter)."""
        kind = letter_kind or self.letter_kind
        if kind not in self.letter_kinds:
            raise ValueError(f"办理结果“{self.short_label}”不能使用“{LETTER_KINDS.get(kind, kind)}”告知书")
        return _BASIS_BY_LETTER.get((self.code, kind), self.legal_basis)


def _art(text: str) -> str:
    return f"{REGULATION}{text}"


_REFUSAL = "第三十六条第（三）项"  # every 不予公开 letter must say it refuses and why

OUTCOMES: tuple[Outcome, ...] = (
    Outcome(
        "disclosed",
        "予以公开",
        "（一）予以公开",
        "disclosed",
        needs_legal_ground=False,
        names_responsible_agency=False,
        letter_kinds=("disclose", "already_public"),
        legal_basis=_art("第三十六条第（二）项"),
        states_remedies=False,
        short_label="予以公开",
        aliases=("公开", "同意公开", "已主动公开"),
    ),
    Outcome(
        "partially_disclosed",
        "部分公开（区分处理的，只计这一情形，不计其他情形）",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "partially_disclosed",
        needs_legal_ground=True,
        names_responsible_agency=False,
        letter_kinds=("partial",),
        legal_basis=_art("第三十七条、" + _REFUSAL),
        states_remedies=True,
        short_label="部分公开",
        aliases=("区分处理",),
    ),
    Outcome(
        "withheld.state_secret",
        "属于国家秘密",
        "1.属于国家秘密",
        "withheld",
        needs_legal_ground=True,
        names_responsible_agency=False,
        letter_kinds=("withhold",),
        legal_basis=_art("第十四条、" + _REFUSAL),
        states_remedies=True,
        short_label="不予公开：属于国家秘密",
        aliases=("国家秘密",),
    ),
    Outcome(
        "withheld.law_prohibited",
        "其他法律行政法规禁止公开",
        "2.其他法律行政法规禁止公开",
        "withheld",
        needs_legal_ground=True,
        names_responsible_agency=False,
        letter_kinds=("withhold",),
        legal_basis=_art("第十四条、" + _REFUSAL),
        states_remedies=True,
        short_label="不予公开：法律行政法规禁止公开",
        aliases=("法律行政法规禁止公开", "法律、行政法规禁止公开", "其他法律、行政法规禁止公开"),
    ),
    Outcome(
        "withheld.three_safety_one_stability",
        "危及“三安全一稳定”",
        "3.危及“三安全一稳定”",
        "withheld",
        needs_legal_ground=True,
        names_responsible_agency=False,
        letter_kinds=("withhold",),
        legal_basis=_art("第十四条、" + _REFUSAL),
        states_remedies=True,
        short_label="不予公开：危及“三安全一稳定”",
        aliases=("三安全一稳定", "危及三安全一稳定", "危及国家安全、公共安全、经济安全、社会稳定"),
    ),
    Outcome(
        "withheld.third_party",
        "保护第三方合法权益",
        "4.保护第三方合法权益",
        "withheld",
        needs_legal_ground=True,
        names_responsible_agency=False,
        letter_kinds=("withhold",),
        legal_basis=_art("第十五条、" + _REFUSAL),
        states_remedies=True,
        short_label="不予公开：保护第三方合法权益",
        aliases=("第三方合法权益", "涉及第三方合法权益", "商业秘密", "个人隐私"),
    ),
    Outcome(
        "withheld.internal_affairs",
        "属于三类内部事务信息",
        "5.属于三类内部事务信息",
        "withheld",
        needs_legal_ground=True,
        names_responsible_agency=False,
        letter_kinds=("withhold",),
        legal_basis=_art("第十六条第一款、" + _REFUSAL),
        states_remedies=True,
        short_label="不予公开：内部事务信息",
        aliases=("内部事务信息", "三类内部事务信息", "内部事务"),
    ),
    Outcome(
        "withheld.process_info",
        "属于四类过程性信息",
        "6.属于四类过程性信息",
        "withheld",
        needs_legal_ground=True,
        names_responsible_agency=False,
        letter_kinds=("withhold",),
        legal_basis=_art("第十六条第二款、" + _REFUSAL),
        states_remedies=True,
        short_label="不予公开：过程性信息",
        aliases=("过程性信息", "四类过程性信息"),
    ),
    Outcome(
        "withheld.enforcement_file",
        "属于行政执法案卷",
        "7.属于行政执法案卷",
        "withheld",
        needs_legal_ground=True,
        names_responsible_agency=False,
        letter_kinds=("withhold",),
        legal_basis=_art("第十六条第二款、" + _REFUSAL),
        states_remedies=True,
        short_label="不予公开：行政执法案卷",
        aliases=("行政执法案卷", "行政执法案卷信息"),
    ),
    Outcome(
        "withheld.query_matter",
        "属于行政查询事项",
        "8.属于行政查询事项",
        "withheld",
        needs_legal_ground=True,
        names_responsible_agency=False,
        letter_kinds=("withhold",),
        legal_basis=_art("第三十六条第（七）项"),
        states_remedies=True,
        short_label="不予公开：行政查询事项",
        aliases=("行政查询事项",),
    ),
    Outcome(
        "unavailable.not_held",
        "本机关不掌握相关政府信息",
        "1.本机关不掌握相关政府信息",
        "unavailable",
        needs_legal_ground=True,
        names_responsible_agency=True,
        letter_kinds=("not_exist", "not_ours"),
        legal_basis=_art("第三十六条第（四）项"),
        states_remedies=True,
        short_label="本机关不掌握相关政府信息",
        aliases=(
            "本机关不掌握",
            "不掌握",
            "信息不存在",
            "政府信息不存在",
            "非本机关",
            "非本机关政府信息",
            "不属于本机关",
            "不属于本机关公开职责",
            "不属于本机关负责公开",
        ),
    ),
    Outcome(
        "unavailable.needs_creation",
        "没有现成信息需要另行制作",
        "2.没有现成信息需要另行制作",
        "unavailable",
        needs_legal_ground=True,
        names_responsible_agency=False,
        letter_kinds=("cannot_provide",),
        legal_basis=_art("第三十八条"),
        states_remedies=True,
        short_label="无法提供：需另行制作",
        aliases=("需要另行制作", "没有现成信息", "需另行制作", "需要加工分析"),
    ),
    Outcome(
        "unavailable.unclear_after_correction",
        "补正后申请内容仍不明确",
        "3.补正后申请内容仍不明确",
        "unavailable",
        needs_legal_ground=True,
        names_responsible_agency=False,
        letter_kinds=("cannot_provide",),
        legal_basis=_art("第二十九条第二款、第三十条"),
        states_remedies=True,
        short_label="无法提供：补正后仍不明确",
        aliases=("补正后仍不明确", "申请内容不明确"),
    ),
    Outcome(
        "not_processed.petition",
        "信访举报投诉类申请",
        "1.信访举报投诉类申请",
        "not_processed",
        needs_legal_ground=True,
        names_responsible_agency=False,
        letter_kinds=("not_processed",),
        legal_basis=_art("第三十九条第一款"),
        states_remedies=True,
        short_label="不予处理：信访举报投诉类",
        aliases=("信访举报投诉", "信访", "举报", "投诉", "信访举报投诉类"),
    ),
    Outcome(
        "not_processed.repeat",
        "重复申请",
        "2.重复申请",
        "not_processed",
        needs_legal_ground=True,
        names_responsible_agency=False,
        letter_kinds=("not_processed",),
        legal_basis=_art("第三十六条第（六）项"),
        states_remedies=True,
        short_label="不予处理：重复申请",
        aliases=("重复",),
    ),
    Outcome(
        "not_processed.publication",
        "要求提供公开出版物",
        "3.要求提供公开出版物",
        "not_processed",
        needs_legal_ground=True,
        names_responsible_agency=False,
        letter_kinds=("not_processed",),
        legal_basis=_art("第三十九条第二款"),
        states_remedies=True,
        short_label="不予处理：要求提供公开出版物",
        aliases=("公开出版物",),
    ),
    Outcome(
        "not_processed.excessive",
        "无正当理由大量反复申请",
        "4.无正当理由大量反复申请",
        "not_processed",
        needs_legal_ground=True,
        names_responsible_agency=False,
        letter_kinds=("not_processed",),
        legal_basis=_art("第三十五条"),
        states_remedies=True,
        short_label="不予处理：无正当理由大量反复申请",
        aliases=("大量反复申请", "无正当理由大量反复"),
    ),
    Outcome(
        "not_processed.confirm_or_reissue",
        "要求行政机关确认或重新出具已获取信息",
        "5.要求行政机关确认或重新出具已获取信息",
        "not_processed",
        needs_legal_ground=True,
        names_responsible_agency=False,
        letter_kinds=("not_processed",),
        legal_basis=None,
        states_remedies=True,
        short_label="不予处理：要求确认或重新出具已获取信息",
        aliases=("要求确认或重新出具已获取信息", "确认或重新出具已获取信息"),
    ),
    Outcome(
        "other.no_correction",
        "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "other",
        needs_legal_ground=False,
        names_responsible_agency=False,
        letter_kinds=("other",),
        legal_basis=_art("第三十条"),
        states_remedies=True,
        short_label="逾期不补正",
        aliases=("逾期不补正", "未补正", "无正当理由逾期不补正"),
    ),
    Outcome(
        "other.unpaid_fee",
        "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "other",
        needs_legal_ground=False,
        names_responsible_agency=False,
        letter_kinds=("other",),
        legal_basis=f"{REGULATION}第四十二条、{FEE_MEASURES}",
        states_remedies=True,
        short_label="逾期未缴费",
        aliases=("逾期未缴费", "逾期未缴纳费用", "未缴费", "未缴纳信息处理费"),
    ),
    Outcome(
        "other.other",
        "其他",
        "3.其他",
        "other",
        needs_legal_ground=False,
        names_responsible_agency=False,
        letter_kinds=("other",),
        legal_basis=None,
        states_remedies=False,
        short_label="其他处理",
        aliases=("撤回", "申请人撤回", "撤回申请", "主动撤回", "其他处理"),
    ),
)

# Answers under Art. 36(1) and 36(5) cite their own item.
_BASIS_BY_LETTER = {
    ("disclosed", "already_public"): _art("第三十六条第（一）项"),
    ("unavailable.not_held", "not_ours"): _art("第三十六条第（五）项"),
}

WITHDRAWN = "other.other"
NO_CORRECTION = "other.no_correction"
UNPAID_FEE = "other.unpaid_fee"

CODES: tuple[str, ...] = tuple(o.code for o in OUTCOMES)
_BY_CODE = {o.code: o for o in OUTCOMES}


def outcome(code: str) -> Outcome:
    """The outcome of `code`; KeyError with a Chinese message for an unknown code."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise KeyError(f"未知的办理结果代码：{code}") from None


def is_valid(code: object) -> bool:
    return isinstance(code, str) and code in _BY_CODE


def outcomes_in_group(group: str) -> tuple[Outcome, ...]:
    return tuple(o for o in OUTCOMES if o.group == group)


def choices() -> list[tuple[str, str]]:
    """(code, short label) pairs in official order, for a flat select box."""
    return [(o.code, o.short_label) for o in OUTCOMES]


def grouped_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """(group label, [(code, row label)]) in official order, for a select box with option groups."""
    return [(g.label, [(o.code, o.label) for o in outcomes_in_group(g.id)]) for g in GROUPS]


# NFKC (applied first) turns full-width （）．１ into ASCII, so only ASCII forms need matching here.
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|\d+[.、]|\(\d+\))")
_QUOTES = str.maketrans({"“": "", "”": "", '"': "", "‘": "", "’": "", "'": ""})
_JOINERS = "-—–:：/|·,，"


def _key(text: str) -> str:
    """Ledger spellings differ in width, spaces, line breaks, quotes and list numbering; ignore those."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(text.split()).translate(_QUOTES)
    while True:
        stripped = _NUMBERING.sub("", text).lstrip(_JOINERS)
        if stripped == text:
            return text
        text = stripped


def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for o in OUTCOMES:
        for form in (o.code, o.label, o.official_label, o.short_label, *o.aliases):
            key = _key(form)
            if index.get(key, o.code) != o.code:
                raise RuntimeError(f"outcome spelling {form!r} is ambiguous")
            index[key] = o.code
    return index


_INDEX = _index()


def label_to_code(text: str | None) -> str | None:
    """The outcome code for a code, label, official label (with numbering) or common ledger form, or None.

    Also accepts a group heading followed by a row label: "不予公开—属于国家秘密",
    "（三）不予公开 1.属于国家秘密". A bare group heading with several rows ("不予公开") is ambiguous: None.
    """
    if not text or not text.strip():
        return None
    key = _key(text)
    if key in _INDEX:
        return _INDEX[key]
    for g in GROUPS:
        for heading in {_key(g.official_label), _key(g.label)}:
            if key.startswith(heading) and len(key) > len(heading):
                code = _INDEX.get(_key(key[len(heading) :]))
                if code is not None and _BY_CODE[code].group == g.id:
                    return code
    return None


_CITATION = re.compile(
    r"《[^》]*》|第[一二三四五六七八九十百零〇\d]+条|第[（(][一二三四五六七八九十\d]+[）)]项|第[一二三四五六七八九十\d]+款"
    r"|[（(]?国办函〔\d+〕\d+号[）)]?|[根依]据|之规定|的规定|规定|以及|和|及|、|，|,|。|；|;|：|:|\s"
)


def is_bare_citation(text: str | None) -> bool:
    """True when a "reason" is only a legal citation (e.g. the outcome's default basis pasted in): the
    letter cites the basis itself, and a refusal must say *why*, so such a reason is refused."""
    t = unicodedata.normalize("NFKC", text or "")
    return bool(t.strip()) and not _CITATION.sub("", t).strip()
