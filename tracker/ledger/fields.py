"""The ledger's columns, per sheet: one field spec drives reading, checking, writing, diffing and export.

Each ``Field`` says, once: its name (``key``), the header it has in a ledger (``label``) and the other
headers ledgers use for it (``aliases``), its type, whether it is required, its length limit, its
vocabulary (codes and the Chinese written for them), the model column it is written to, compared with
and exported from, and whether it identifies the record on a re-import. The order of a sheet's fields is
the order of the template's and the export's columns.

- tracker.ledger.parse reads a sheet's cells field by field (type, required, limit, vocabulary, check),
  then applies the sheet's ``rules`` (checks between fields);
- tracker.ledger.service writes each field's value to its ``column``, and compares a matched record
  field by field (``KindSpec.diff``), naming differences by their labels;
- tracker.ledger.export writes the template's columns and exports records column by column
  (``Field.exported(Field.stored(record))``), so an exported file imports again unchanged.

A column is added by adding one entry to its sheet in SPECS (and, for a new model column, the column and
its migration): e.g. a 联系电话 column of requests is
``Field("phone", "联系电话", aliases=("电话",), limit=40, keeps_stored=True)`` — read, checked, written to
DisclosureRequest.phone, compared on re-import, exported and listed in the template from that line alone
(tests/integration/test_ledger_new_column.py adds it and follows it through).

Pure: no Flask, no database. Vocabularies come from their owners in tracker.rules; this module only adds
the spellings found in ledgers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from ..rules import intake as intake_rules
from ..rules import proposals as proposal_rules
from ..rules.outcomes import OUTCOMES, label_to_code
from ..rules.outcomes import outcome as outcome_of
from ..rules.report_layout import APPLICANT_TYPES, ORG_GROUP_LABEL, TABLE4_BLOCKS, TABLE4_COLUMNS, TABLE4_PARTS

REQUESTS = "requests"
REVIEWS = "reviews"
PROPOSALS = "proposals"
REGISTER = "register"

DATE_HELP = "日期写成 2023-01-05、2023/1/5 或 2023年1月5日，或使用 Excel 日期格式"
SUBJECT_MAX = 200  # DisclosureRequest.subject: the start of the content for lists and letters

# Field types. SECTION: the name of one section (stored as its id); SECTIONS: several names in one cell.
TEXT, DATE, CODE, SECTION, SECTIONS = "text", "date", "code", "section", "sections"


def norm(text: str) -> str:
    """Width, spaces and brackets do not matter when matching a header or a value."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s()\[\]【】*＊:：\-—_·/、]", "", text).lower()


def _index(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {norm(spelling): value for spelling, value in pairs}


# ------------------------------------------------------------------------------------- vocabularies


@dataclass(frozen=True)
class Vocabulary:
    """Codes and what a ledger writes for them: ``labels`` (code -> what the export writes) and more
    ``spellings`` read; or a ``reader`` of its own. ``allowed`` is how a message lists what may be written,
    ``listed`` what the template's 填写说明 lists (both default to the labels)."""

    labels: Mapping[str, str]
    spellings: tuple[tuple[str, str], ...] = ()
    allowed: str = ""
    listed: tuple[str, ...] = ()
    reader: Callable[[str], str | None] | None = None
    unknown: str = "无法识别“{value}”，应为{allowed}"
    dropdown: bool = True  # offered as a drop-down in the template (when it fits Excel's 255 characters)
    _index: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        pairs = [(c, c) for c in self.labels] + [(label, c) for c, label in self.labels.items()]
        self._index.update(_index([*pairs, *self.spellings]))
        if not self.allowed:
            object.__setattr__(self, "allowed", "、".join(self.labels.values()))
        if not self.listed:
            object.__setattr__(self, "listed", tuple(self.labels.values()))

    def code(self, value: str) -> str | None:
        """The code of what a cell says; None when blank or unknown."""
        if not value:
            return None
        return self.reader(value) if self.reader else self._index.get(norm(value))

    def label(self, code: str | None) -> str:
        return "" if code is None else self.labels.get(code, code)

    def unknown_message(self, value: str) -> str:
        return self.unknown.format(value=value, allowed=self.allowed)


APPLICANT_TYPE = Vocabulary(
    {t.id: t.label for t in APPLICANT_TYPES},
    (
        *((t.full_label, t.id) for t in APPLICANT_TYPES),
        *((f"{ORG_GROUP_LABEL}{t.label}", t.id) for t in APPLICANT_TYPES if t.group_label),
        ("个人", "natural_person"),
        ("公民", "natural_person"),
        ("企业", "commercial_enterprise"),
        ("公司", "commercial_enterprise"),
        ("律师事务所", "legal_service_org"),
        ("其他组织", "other_org"),
    ),
)
# The intake channels (tracker.rules.intake) and the ways ledgers write them.
CHANNEL = Vocabulary(
    {c.id: c.label for c in intake_rules.CHANNELS},
    tuple(
        (spelling, code)
        for code, spellings in {
            "in_person": ("现场", "现场申请", "当面提交", "当面申请", "窗口"),
            "post": ("信函", "挂号信", "快递", "邮政", "EMS"),
            "online": ("网上申请", "在线申请", "网上", "网站", "互联网", "网络", "依申请公开平台"),
            "email": ("邮件", "电子邮箱", "email", "e-mail"),
        }.items()
        for spelling in spellings
    ),
)
DEFAULT_CHANNEL = "other"
OUTCOME = Vocabulary(
    {o.code: o.short_label for o in OUTCOMES},
    reader=label_to_code,
    listed=tuple(f"{o.short_label}（或写表三的行名，或代码 {o.code}）" for o in OUTCOMES),
    unknown=(
        "无法识别“{value}”，请填写年度报告表三的一个办理结果（如 予以公开、部分公开、"
        "保护第三方合法权益、本机关不掌握相关政府信息、重复申请、其他，或其代码如 withheld.third_party）；"
        "“不予公开”“无法提供”“不予处理”须写明具体情形"
    ),
    dropdown=False,  # 21 outcomes do not fit a drop-down's 255 characters; 填写说明 lists them
)
# Table 四's block and column ids are the review kinds and results (tracker.rules.report_layout).
REVIEW_KIND_LABELS: dict[str, str] = {
    b.id: (f"{b.parent_label}（{b.label}）" if b.parent_label else b.label) for b in TABLE4_BLOCKS
}
REVIEW_KIND = Vocabulary(
    REVIEW_KIND_LABELS,
    (
        *((b.label, b.id) for b in TABLE4_BLOCKS),
        ("直接起诉", "litigation_direct"),
        ("行政诉讼", "litigation_direct"),
        ("复议", "reconsideration"),
        ("经复议后起诉", "litigation_after_reconsideration"),
    ),
    allowed="行政复议、直接起诉或复议后起诉",
    listed=("行政复议", "直接起诉", "复议后起诉"),
)
REVIEW_RESULT_LABELS: dict[str, str] = {
    c.id: c.label.removeprefix("结果").removesuffix("结果")
    for c in TABLE4_COLUMNS
    if c.id in TABLE4_PARTS and c.id != "pending"
}
REVIEW_RESULT = Vocabulary(
    REVIEW_RESULT_LABELS, tuple((c.label, c.id) for c in TABLE4_COLUMNS if c.id in REVIEW_RESULT_LABELS)
)
PROPOSAL_KIND = Vocabulary(
    proposal_rules.KINDS,
    (
        ("人大建议", proposal_rules.NPC),
        ("代表建议", proposal_rules.NPC),
        ("建议", proposal_rules.NPC),
        ("提案", proposal_rules.CPPCC),
        ("政协委员提案", proposal_rules.CPPCC),
    ),
)
RESULT_CLASS = Vocabulary(
    {k: k for k in proposal_rules.RESULT_CLASSES},
    reader=proposal_rules.result_class_from_text,
    unknown="无法识别“{value}”，应为 {allowed}",
)
SATISFACTION = Vocabulary(proposal_rules.SATISFACTION)


# ------------------------------------------------------------------------------------------- fields


def not_future(d: date, today: date) -> str | None:
    return f"{d.isoformat()}晚于今天（{today.isoformat()}），不能是将来的日期，请核对" if d > today else None


def receipt_date(d: date, today: date) -> str | None:
    return intake_rules.receipt_date_error(None, d, today)


@dataclass(frozen=True)
class Field:
    key: str  # the name of the value in a read row
    label: str  # the ledger's header
    type: str = TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()  # other headers ledgers use
    limit: int | None = None  # characters (for SECTIONS: of each name)
    vocabulary: Vocabulary | None = None  # CODE fields
    help: str = ""  # for the template's 填写说明
    column: str | None = ""  # the model attribute written, compared and exported; "" = key; None = none
    identifies: bool = False  # part of what matches the record on a re-import; never a difference
    keeps_stored: bool = False  # a blank cell leaves the stored value as it is
    default: object = None  # what a new record gets for a blank cell
    check: Callable[[object, date], str | None] | None = None  # a check of the value alone
    voids: bool = False  # a value failing ``check`` takes no part in the sheet's rules

    def __post_init__(self) -> None:
        if self.column == "":
            object.__setattr__(self, "column", self.key)

    @property
    def header(self) -> str:
        return self.label

    def stored(self, record, section_names: Mapping[int, str]):
        """The field's value as a ledger holds it, read from a record (a model object or a result row;
        a field without a column of its own, e.g. a review's 编号, is read under its key)."""
        value = getattr(record, self.column or self.key)
        if self.type == SECTION:
            return section_names.get(value) if value is not None else None
        if self.type == SECTIONS:
            return [section_names.get(c.section_id, "") for c in value]
        return value

    def exported(self, value):
        """What the export writes in the cell."""
        if self.vocabulary is not None:
            return self.vocabulary.label(value)
        if self.type == SECTIONS:
            return "、".join(value or ())
        if self.type == DATE:
            return value
        return "" if value is None else value

    def to_record(self, value, section_ids: Mapping[str, int]):
        """What the model column takes: section names become ids, a blank cell the field's default."""
        if self.type == SECTION:
            return section_ids[value] if value else None
        return self.default if value is None else value


@dataclass(frozen=True)
class KindSpec:
    id: str
    label: str
    sheet: str
    fields: tuple[Field, ...]
    signature: tuple[str, ...]  # keys whose headers together identify this kind
    computed: tuple[str, ...] = ()  # headers our own export adds (状态, 答复期限): read past, not reported
    rules: Callable | None = None  # (cells, values, today): the checks between fields
    derive: Callable[[dict], dict] | None = None  # values computed from the read ones (not columns)
    describe: Callable[[tuple], str] | None = None  # names a record by its identity, for messages

    def col(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)

    @property
    def headers(self) -> list[str]:
        return [f.label for f in self.fields]

    @cached_property
    def header_index(self) -> dict[str, str]:
        """Every spelling of every header (normalised) -> the field's key."""
        return {norm(spelling): f.key for f in self.fields for spelling in (f.label, *f.aliases)}

    @property
    def identity(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.identifies)

    @property
    def compared(self) -> tuple[Field, ...]:
        """The fields a re-import compares with the matched record (and may update)."""
        return tuple(f for f in self.fields if f.column and not f.identifies)

    def diff(self, values: Mapping, record, section_names: Mapping[int, str]) -> dict[str, list]:
        """{key: [stored, in the file]} for every compared field that differs; a blank cell of a
        ``keeps_stored`` field is no difference."""
        out: dict[str, list] = {}
        for f in self.compared:
            new = values[f.key]
            if f.keeps_stored and new is None:
                continue
            old = f.stored(record, section_names)
            if f.type == SECTIONS:
                old, new = sorted(old), sorted(new)
            if old != new:
                out[f.key] = [old, new]
        return out

    def record_values(self, values: Mapping, section_ids: Mapping[str, int]) -> dict:
        """{column: value} of a new record (the single-valued fields with a column)."""
        return {
            f.column: f.to_record(values[f.key], section_ids) for f in self.fields if f.column and f.type != SECTIONS
        }

    def labels(self, keys: Iterable[str]) -> str:
        return "、".join(self.col(k).label for k in keys)


# ------------------------------------------------------------------------------ checks between fields
# Each gets the row's cells (``has``: the cell is not blank; ``text``: as written; ``fail``) and the values.


def _request_rules(c, v: dict, today: date) -> None:
    received, concluded, outcome = v["received_on"], v["concluded_on"], v["outcome"]
    if concluded and received and concluded < received:
        c.fail("concluded_on", f"办结日期{concluded.isoformat()}早于收到日期{received.isoformat()}，请核对")
    outcome_text = c.text("outcome")
    if outcome_text and not c.has("concluded_on"):
        shown = outcome_of(outcome).short_label if outcome else outcome_text
        c.fail("concluded_on", f"已填写办理结果“{shown}”，请同时填写办结日期；尚未办结的请把办理结果留空")
    if concluded and not outcome_text:
        c.fail("outcome", "已填写办结日期，请同时填写办理结果；尚未办结的请把办结日期留空")


def _review_rules(c, v: dict, today: date) -> None:
    filed, concluded = v["filed_on"], v["concluded_on"]
    if concluded and filed and concluded < filed:
        c.fail("concluded_on", f"审结日期{concluded.isoformat()}早于提起日期{filed.isoformat()}，请核对")
    if c.has("result") and not c.has("concluded_on"):
        c.fail("concluded_on", "已填写结果，请同时填写审结日期；尚未审结的请把结果留空")
    if c.has("concluded_on") and not c.has("result"):
        c.fail("result", "已填写审结日期，请同时填写结果（维持、纠正或其他）；尚未审结的请把审结日期留空")


def _proposal_rules(c, v: dict, today: date) -> None:
    lead, reply, assigned = v["lead_section"], v["reply_date"], v["assigned_on"]
    if lead and lead in v["cohandlers"]:
        c.fail("cohandlers", f"主办科室“{lead}”不能同时是协办科室")
    if reply and assigned and reply < assigned:
        c.fail("reply_date", f"答复日期{reply.isoformat()}早于交办日期{assigned.isoformat()}，请核对")
    result_text = c.text("result_class")
    if result_text and not c.has("reply_date"):
        c.fail("reply_date", "已填写办理结果，请同时填写答复日期；尚未答复的请把办理结果留空")
    if c.has("reply_date") and not result_text:
        c.fail("result_class", "已填写答复日期，请同时填写办理结果（A、B、C 或 D）；尚未答复的请把答复日期留空")
    if c.has("satisfaction") and not c.has("reply_date"):
        c.fail("satisfaction", "尚未答复的建议提案不能有满意度，请先填写答复日期和办理结果")


def subject_of(content: str) -> str:
    first = content.splitlines()[0] if content else ""
    return first if len(first) <= SUBJECT_MAX else first[: SUBJECT_MAX - 1] + "…"


def _describe_request(key: tuple) -> str:
    return f"编号“{key[0]}”"


def _describe_review(key: tuple) -> str:
    return f"申请“{key[0]}”同一天（{key[2].isoformat() if key[2] else ''}）提起的{REVIEW_KIND.label(key[1])}"


def _describe_proposal(key: tuple) -> str:
    return f"{key[1]}{proposal_rules.kind_label(key[0])}第“{key[2]}”号"


# ------------------------------------------------------------------------------------------- sheets
# The same limits as manual entry (tracker.disclosure.intake.LIMITS, tracker.proposals.services.LIMITS,
# the Section and Review columns); tests/unit/test_ledger_parse.py checks that they agree.

SECTION_MAX = 60

SPECS: dict[str, KindSpec] = {
    REQUESTS: KindSpec(
        REQUESTS,
        "依申请公开申请",
        "依申请公开",
        (
            Field(
                "number",
                "编号",
                aliases=("申请编号", "案件编号", "序号编号", "受理编号"),
                limit=60,
                help="选填。留空时按收到日期的年份自动编号；再次导入时按编号识别同一件申请。",
                identifies=True,
            ),
            Field(
                "received_on",
                "收到日期",
                DATE,
                True,
                ("收到申请日期", "收到申请之日", "收件日期", "受理日期"),
                help=DATE_HELP,
                check=receipt_date,
                voids=True,
            ),
            Field(
                "applicant_type",
                "申请人类型",
                CODE,
                True,
                ("申请人性质",),
                vocabulary=APPLICANT_TYPE,
                help="填写下列之一：" + "、".join(t.label for t in APPLICANT_TYPES) + "（后五类为法人或其他组织）。",
            ),
            Field(
                "applicant_name",
                "申请人",
                TEXT,
                True,
                ("申请人姓名", "申请人名称", "申请人姓名/名称", "申请人姓名或名称"),
                limit=200,
                help="申请人姓名或名称。",
            ),
            Field(
                "channel",
                "申请方式",
                CODE,
                aliases=("申请渠道", "提交方式"),
                vocabulary=CHANNEL,
                help="选填：" + "、".join(c.label for c in intake_rules.CHANNELS) + "；留空视为“其他”。",
                keeps_stored=True,
                default=DEFAULT_CHANNEL,
            ),
            Field(
                "content",
                "申请内容",
                TEXT,
                True,
                ("申请事项", "申请内容描述", "所需信息内容描述"),
                limit=5000,
                help="申请公开的政府信息内容。",
            ),
            Field(
                "section",
                "承办科室",
                SECTION,
                aliases=("承办部门", "办理科室", "承办单位"),
                limit=SECTION_MAX,
                help="选填。系统中没有的科室，导入前可选择对应的现有科室，不选则自动创建。",
                column="section_id",
                keeps_stored=True,
            ),
            Field(
                "concluded_on",
                "办结日期",
                DATE,
                aliases=("答复日期", "办结时间"),
                help="尚未办结的留空。" + DATE_HELP,
                check=not_future,
            ),
            Field(
                "outcome",
                "办理结果",
                CODE,
                aliases=("答复结果", "处理结果", "办理结果类型"),
                vocabulary=OUTCOME,
                help="尚未办结的留空；填写年度报告表三的办理结果，见“办理结果”一栏。",
            ),
            Field("remarks", "备注", limit=2000, help="选填。", keeps_stored=True),
        ),
        signature=("received_on", "applicant_type"),
        computed=("状态", "答复期限"),
        rules=_request_rules,
        derive=lambda v: {"subject": subject_of(v["content"])},
        describe=_describe_request,
    ),
    REVIEWS: KindSpec(
        REVIEWS,
        "行政复议、行政诉讼",
        "复议诉讼",
        (
            Field(
                "number",
                "编号",
                TEXT,
                True,
                ("申请编号", "案件编号"),
                limit=60,
                help="被复议或起诉的政府信息公开申请的编号。",
                column=None,  # the request's number: the review is stored on the request it names
                identifies=True,
            ),
            Field(
                "kind",
                "类型",
                CODE,
                True,
                ("复议诉讼类型", "案件类型"),
                vocabulary=REVIEW_KIND,
                help=(
                    "行政复议、直接起诉或复议后起诉。复议后起诉所依据的行政复议不在台账和系统中的，照常导入，"
                    "年度报告的数据说明列出。"
                ),
                identifies=True,
            ),
            Field(
                "filed_on",
                "提起日期",
                DATE,
                True,
                ("申请复议日期", "起诉日期", "提起时间"),
                help=DATE_HELP,
                check=not_future,
                identifies=True,
            ),
            Field(
                "concluded_on",
                "审结日期",
                DATE,
                aliases=("审结时间", "结案日期"),
                help="尚未审结的留空。" + DATE_HELP,
                check=not_future,
            ),
            Field(
                "result",
                "结果",
                CODE,
                aliases=("审结结果", "复议诉讼结果"),
                vocabulary=REVIEW_RESULT,
                help="维持、纠正或其他；尚未审结的留空。",
            ),
        ),
        signature=("filed_on", "kind"),
        rules=_review_rules,
        describe=_describe_review,
    ),
    PROPOSALS: KindSpec(
        PROPOSALS,
        "建议提案",
        "建议提案",
        (
            Field(
                "kind",
                "类型",
                CODE,
                True,
                ("建议提案类型",),
                vocabulary=PROPOSAL_KIND,
                help="人大代表建议或政协提案。",
                identifies=True,
            ),
            Field(
                "session",
                "届次",
                TEXT,
                True,
                ("届次会议", "会议届次"),
                limit=60,
                help="例如 区十九届人大三次会议。",
                identifies=True,
            ),
            Field(
                "number",
                "编号",
                TEXT,
                True,
                ("建议提案编号", "建议编号", "提案编号"),
                limit=30,
                help="人大或政协的编号。",
                identifies=True,
            ),
            Field("title", "标题", TEXT, True, ("建议标题", "提案标题", "案由"), limit=300),
            Field("lead_author", "领衔人", TEXT, True, ("领衔代表", "领衔委员", "领衔代表委员", "提出人"), limit=60),
            Field("assigned_on", "交办日期", DATE, True, ("交办时间",), help=DATE_HELP, check=not_future),
            Field(
                "lead_section",
                "主办科室",
                SECTION,
                True,
                ("主办单位", "主办部门"),
                limit=SECTION_MAX,
                help="系统中没有的科室，导入前可选择对应的现有科室，不选则自动创建。",
                column="lead_section_id",
            ),
            Field(
                "cohandlers",
                "协办科室",
                SECTIONS,
                aliases=("协办单位", "会办科室", "协办部门"),
                limit=SECTION_MAX,
                help="选填；多个科室用顿号或逗号分隔。",
            ),
            Field(
                "reply_date",
                "答复日期",
                DATE,
                aliases=("答复时间",),
                help="尚未答复的留空。" + DATE_HELP,
                check=not_future,
            ),
            Field(
                "result_class",
                "办理结果",
                CODE,
                aliases=("答复类别", "办理结果类别"),
                vocabulary=RESULT_CLASS,
                help="A、B、C 或 D；尚未答复的留空。",
            ),
            Field(
                "satisfaction",
                "满意度",
                CODE,
                aliases=("代表委员满意度", "反馈意见"),
                vocabulary=SATISFACTION,
                help="选填：" + "、".join(proposal_rules.SATISFACTION.values()) + "。",
            ),
        ),
        signature=("session", "assigned_on"),
        computed=("状态", "答复期限"),
        rules=_proposal_rules,
        describe=_describe_proposal,
    ),
    REGISTER: KindSpec(
        REGISTER,
        "主动公开及规范性文件等登记",
        "主动公开",
        (
            # The category decides which register and which rules (tracker.reports.registers).
            Field("category", "类别", TEXT, True, ("信息类别", "分类"), identifies=True),
            Field(
                "entry_date",
                "日期",
                DATE,
                True,
                ("公开日期", "印发日期", "发布日期", "决定日期", "收费日期"),
                help=DATE_HELP,
                check=not_future,
            ),
            Field(
                "title", "标题", aliases=("信息标题", "文件标题", "名称"), help="主动公开信息、规章和规范性文件必填。"
            ),
            Field("doc_number", "文号", aliases=("发文字号",), help="规章和行政规范性文件必填，其余选填。"),
            Field(
                "abolished_on",
                "废止日期",
                DATE,
                aliases=("失效日期",),
                help="只适用于规章和行政规范性文件；未废止的留空。",
                check=not_future,
            ),
            Field("quantity", "数量", aliases=("决定数量", "件数"), help="行政许可、处罚、强制的决定数量，默认 1。"),
            Field(
                "amount_yuan",
                "金额（元）",
                aliases=("金额", "收费金额", "收费金额（元）"),
                help="只适用于行政事业性收费。",
            ),
        ),
        signature=("category", "entry_date"),
    ),
}
SHEET_KINDS: dict[str, str] = {spec.sheet: kind for kind, spec in SPECS.items()}
# Reviews name requests, so requests are read and written first.
ORDER: tuple[str, ...] = (REQUESTS, REVIEWS, PROPOSALS, REGISTER)

# The limits by field, proposals' with a p_ prefix (as manual entry names them).
LIMITS: dict[str, int] = {
    **{f.key: f.limit for f in SPECS[REQUESTS].fields if f.limit},
    **{f"p_{f.key}": f.limit for f in SPECS[PROPOSALS].fields if f.limit},
}


def allowed_values(kind: str) -> dict[str, list[str]]:
    """Column header -> the values it accepts, for the template's 填写说明 and for messages."""
    return {f.label: list(f.vocabulary.listed) for f in SPECS[kind].fields if f.vocabulary is not None}
