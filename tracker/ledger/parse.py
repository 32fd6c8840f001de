"""Reading an agency's ledger (台账): files, header rows, dates, vocabularies and row checks (pure, no Flask).

A ledger arrives as .xlsx (one sheet per kind, named 依申请公开 / 复议诉讼 / 建议提案 / 主动公开, or any first
sheet with an explicit kind) or as .csv in UTF-8, UTF-8 with BOM or GB18030 (what Excel writes on Chinese
Windows). Headers are Chinese, in any order; the kind of a sheet is recognised from its headers. Every
problem is reported as ``第N行 列名: 问题`` where N is the row number Excel shows, so the user can find it.

This module turns cells into typed rows and checks each row and the file as a whole (duplicate numbers,
dates in order, known values). What needs the database (does the request named by a review exist, what
is already imported, the register rules of tracker.reports.registers) is checked by
tracker.ledger.service, which also writes. Vocabularies come from their owners in tracker.rules; this
module only adds the spellings found in ledgers.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from ..rules import intake as intake_rules
from ..rules import proposals as proposal_rules
from ..rules.outcomes import label_to_code
from ..rules.outcomes import outcome as outcome_of
from ..rules.report_layout import APPLICANT_TYPES, ORG_GROUP_LABEL, TABLE4_BLOCKS, TABLE4_COLUMNS, TABLE4_PARTS

REQUESTS = "requests"
REVIEWS = "reviews"
PROPOSALS = "proposals"
REGISTER = "register"

MIN_YEAR, MAX_YEAR = 1949, 2099  # the calendar supports up to 2099; older years are typing mistakes
HEADER_SEARCH_ROWS = 10  # a title line or two above the header row is common in ledgers

# The same limits as manual entry (tracker.disclosure.intake.LIMITS, tracker.proposals.services.LIMITS,
# the Section and Review columns); tests/unit/test_ledger_parse.py checks that they agree.
LIMITS = {
    "number": 60,
    "applicant_name": 200,
    "content": 5000,
    "section": 60,
    "remarks": 2000,
    "p_session": 60,
    "p_number": 30,
    "p_title": 300,
    "p_lead_author": 60,
}
SUBJECT_MAX = 200  # DisclosureRequest.subject: the start of the content for lists and letters


@dataclass(frozen=True)
class Col:
    key: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""  # for the template's 填写说明 sheet


@dataclass(frozen=True)
class KindSpec:
    id: str
    label: str
    sheet: str
    columns: tuple[Col, ...]
    signature: tuple[str, ...]  # keys whose headers together identify this kind
    computed: tuple[str, ...] = ()  # headers our own export adds (状态, 答复期限): read past, not reported

    def col(self, key: str) -> Col:
        return next(c for c in self.columns if c.key == key)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


DATE_HELP = "日期写成 2023-01-05、2023/1/5 或 2023年1月5日，或使用 Excel 日期格式"

SPECS: dict[str, KindSpec] = {
    REQUESTS: KindSpec(
        REQUESTS,
        "依申请公开申请",
        "依申请公开",
        (
            Col(
                "number",
                "编号",
                aliases=("申请编号", "案件编号", "序号编号", "受理编号"),
                help="选填。留空时按收到日期的年份自动编号；再次导入时按编号识别同一件申请。",
            ),
            Col("received_on", "收到日期", True, ("收到申请日期", "收到申请之日", "收件日期", "受理日期"), DATE_HELP),
            Col(
                "applicant_type",
                "申请人类型",
                True,
                ("申请人性质",),
                "填写下列之一：" + "、".join(t.label for t in APPLICANT_TYPES) + "（后五类为法人或其他组织）。",
            ),
            Col(
                "applicant_name",
                "申请人",
                True,
                ("申请人姓名", "申请人名称", "申请人姓名/名称", "申请人姓名或名称"),
                "申请人姓名或名称。",
            ),
            Col(
                "channel",
                "申请方式",
                aliases=("申请渠道", "提交方式"),
                help="选填：" + "、".join(c.label for c in intake_rules.CHANNELS) + "；留空视为“其他”。",
            ),
            Col(
                "content",
                "申请内容",
                True,
                ("申请事项", "申请内容描述", "所需信息内容描述"),
                "申请公开的政府信息内容。",
            ),
            Col(
                "section",
                "承办科室",
                aliases=("承办部门", "办理科室", "承办单位"),
                help="选填。系统中没有的科室会自动创建。",
            ),
            Col("concluded_on", "办结日期", aliases=("答复日期", "办结时间"), help="尚未办结的留空。" + DATE_HELP),
            Col(
                "outcome",
                "办理结果",
                aliases=("答复结果", "处理结果", "办理结果类型"),
                help="尚未办结的留空；填写年度报告表三的办理结果，见“办理结果”一栏。",
            ),
            Col("remarks", "备注", help="选填。"),
        ),
        signature=("received_on", "applicant_type"),
        computed=("状态", "答复期限"),
    ),
    REVIEWS: KindSpec(
        REVIEWS,
        "行政复议、行政诉讼",
        "复议诉讼",
        (
            Col("number", "编号", True, ("申请编号", "案件编号"), "被复议或起诉的政府信息公开申请的编号。"),
            Col("kind", "类型", True, ("复议诉讼类型", "案件类型"), "行政复议、直接起诉或复议后起诉。"),
            Col("filed_on", "提起日期", True, ("申请复议日期", "起诉日期", "提起时间"), DATE_HELP),
            Col("concluded_on", "审结日期", aliases=("审结时间", "结案日期"), help="尚未审结的留空。" + DATE_HELP),
            Col("result", "结果", aliases=("审结结果", "复议诉讼结果"), help="维持、纠正或其他；尚未审结的留空。"),
        ),
        signature=("filed_on", "kind"),
    ),
    PROPOSALS: KindSpec(
        PROPOSALS,
        "建议提案",
        "建议提案",
        (
            Col("kind", "类型", True, ("建议提案类型",), "人大代表建议或政协提案。"),
            Col("session", "届次", True, ("届次会议", "会议届次"), "例如 区十九届人大三次会议。"),
            Col("number", "编号", True, ("建议提案编号", "建议编号", "提案编号"), "人大或政协的编号。"),
            Col("title", "标题", True, ("建议标题", "提案标题", "案由"), ""),
            Col("lead_author", "领衔人", True, ("领衔代表", "领衔委员", "领衔代表委员", "提出人"), ""),
            Col("assigned_on", "交办日期", True, ("交办时间",), DATE_HELP),
            Col("lead_section", "主办科室", True, ("主办单位", "主办部门"), "系统中没有的科室会自动创建。"),
            Col(
                "cohandlers",
                "协办科室",
                aliases=("协办单位", "会办科室", "协办部门"),
                help="选填；多个科室用顿号或逗号分隔。",
            ),
            Col("reply_date", "答复日期", aliases=("答复时间",), help="尚未答复的留空。" + DATE_HELP),
            Col(
                "result_class", "办理结果", aliases=("答复类别", "办理结果类别"), help="A、B、C 或 D；尚未答复的留空。"
            ),
            Col(
                "satisfaction",
                "满意度",
                aliases=("代表委员满意度", "反馈意见"),
                help="选填：" + "、".join(proposal_rules.SATISFACTION.values()) + "。",
            ),
        ),
        signature=("session", "assigned_on"),
        computed=("状态", "答复期限"),
    ),
    REGISTER: KindSpec(
        REGISTER,
        "主动公开及规范性文件等登记",
        "主动公开",
        (
            Col("category", "类别", True, ("信息类别", "分类"), ""),
            Col("entry_date", "日期", True, ("公开日期", "印发日期", "发布日期", "决定日期", "收费日期"), DATE_HELP),
            Col("title", "标题", aliases=("信息标题", "文件标题", "名称"), help="主动公开信息、规章和规范性文件必填。"),
            Col("doc_number", "文号", aliases=("发文字号",), help="规章和行政规范性文件必填，其余选填。"),
            Col("abolished_on", "废止日期", aliases=("失效日期",), help="只适用于规章和行政规范性文件；未废止的留空。"),
            Col("quantity", "数量", aliases=("决定数量", "件数"), help="行政许可、处罚、强制的决定数量，默认 1。"),
            Col(
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


# ----------------------------------------------------------------------------------------- problems


@dataclass(frozen=True, order=True)
class Problem:
    sheet: str
    row: int  # the row number as Excel shows it; 0 for a problem of the sheet or the file
    column: str
    message: str

    def __str__(self) -> str:
        if self.row:
            return f"第{self.row}行 {self.column}: {self.message}"
        return f"{self.column}: {self.message}" if self.column else self.message


class LedgerInvalid(Exception):
    """The file cannot be imported; ``problems`` lists every one found. Nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__("；".join(str(p) for p in problems[:3]))
        self.problems = problems


# ------------------------------------------------------------------------------------------- values


def norm(text: str) -> str:
    """Width, spaces and brackets do not matter when matching a header or a value."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s()\[\]【】*＊:：\-—_·/、]", "", text).lower()


def text(value: object) -> str:
    """A cell as text: numbers as typed (1.0 -> "1"), dates as ISO dates, None as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


_DATE_RES = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})(?: \d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
)
# Excel stores dates as day numbers; openpyxl turns a date-formatted cell into a datetime, but a cell
# whose format was lost arrives as the bare number. 1 Jan 1949 .. 31 Dec 2099 in Excel's 1900 system.
_SERIAL_MIN, _SERIAL_MAX = 17899, 73050


class BadValue(ValueError):
    """A cell that cannot be read; the message says what was expected (Chinese)."""


def parse_date(value: object) -> date | None:
    """A date from a cell: date/datetime cells, Excel day numbers, or the three written forms. None if blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        d = value.date()
    elif isinstance(value, date):
        d = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not _SERIAL_MIN <= value <= _SERIAL_MAX:
            raise BadValue(f"“{text(value)}”不是日期，请{DATE_HELP}")
        from openpyxl.utils.datetime import from_excel

        d = from_excel(value).date()
    else:
        raw = unicodedata.normalize("NFKC", str(value)).strip()
        for pattern in _DATE_RES:
            m = pattern.match(raw)
            if m:
                try:
                    d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    raise BadValue(f"“{raw}”不是有效的日期（没有这一天），请核对") from None
                break
        else:
            raise BadValue(f"“{raw}”不是日期，请{DATE_HELP}")
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        raise BadValue(f"“{d.isoformat()}”的年份不在 {MIN_YEAR}–{MAX_YEAR} 年之间，请核对")
    return d


def _index(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {norm(spelling): value for spelling, value in pairs}


_APPLICANT_TYPES = _index(
    [(t.id, t.id) for t in APPLICANT_TYPES]
    + [(t.label, t.id) for t in APPLICANT_TYPES]
    + [(t.full_label, t.id) for t in APPLICANT_TYPES]
    + [(f"{ORG_GROUP_LABEL}{t.label}", t.id) for t in APPLICANT_TYPES if t.group_label]
    + [
        ("个人", "natural_person"),
        ("公民", "natural_person"),
        ("企业", "commercial_enterprise"),
        ("公司", "commercial_enterprise"),
        ("律师事务所", "legal_service_org"),
        ("其他组织", "other_org"),
    ]
)
# The intake channels (tracker.rules.intake) and the ways ledgers write them.
_CHANNELS = _index(
    [(c.id, c.id) for c in intake_rules.CHANNELS]
    + [(c.label, c.id) for c in intake_rules.CHANNELS]
    + [
        ("现场", "in_person"),
        ("现场申请", "in_person"),
        ("当面提交", "in_person"),
        ("当面申请", "in_person"),
        ("窗口", "in_person"),
        ("信函", "post"),
        ("挂号信", "post"),
        ("快递", "post"),
        ("邮政", "post"),
        ("EMS", "post"),
        ("网上申请", "online"),
        ("在线申请", "online"),
        ("网上", "online"),
        ("网站", "online"),
        ("互联网", "online"),
        ("网络", "online"),
        ("依申请公开平台", "online"),
        ("邮件", "email"),
        ("电子邮箱", "email"),
        ("email", "email"),
        ("e-mail", "email"),
    ]
)
DEFAULT_CHANNEL = "other"
# Table 四's block and column ids are the review kinds and results (tracker.rules.report_layout).
REVIEW_KIND_LABELS: dict[str, str] = {
    b.id: (f"{b.parent_label}（{b.label}）" if b.parent_label else b.label) for b in TABLE4_BLOCKS
}
_REVIEW_KINDS = _index(
    [(b.id, b.id) for b in TABLE4_BLOCKS]
    + [(b.label, b.id) for b in TABLE4_BLOCKS]
    + [(label, kind) for kind, label in REVIEW_KIND_LABELS.items()]
    + [
        ("直接起诉", "litigation_direct"),
        ("行政诉讼", "litigation_direct"),
        ("复议", "reconsideration"),
        ("经复议后起诉", "litigation_after_reconsideration"),
    ]
)
REVIEW_RESULT_LABELS: dict[str, str] = {
    c.id: c.label.removeprefix("结果").removesuffix("结果")
    for c in TABLE4_COLUMNS
    if c.id in TABLE4_PARTS and c.id != "pending"
}
_REVIEW_RESULTS = _index(
    [(c.id, c.id) for c in TABLE4_COLUMNS if c.id in REVIEW_RESULT_LABELS]
    + [(c.label, c.id) for c in TABLE4_COLUMNS if c.id in REVIEW_RESULT_LABELS]
    + [(label, cid) for cid, label in REVIEW_RESULT_LABELS.items()]
)
_PROPOSAL_KINDS = _index(
    [(k, k) for k in proposal_rules.KINDS]
    + [(label, k) for k, label in proposal_rules.KINDS.items()]
    + [
        ("人大建议", proposal_rules.NPC),
        ("代表建议", proposal_rules.NPC),
        ("建议", proposal_rules.NPC),
        ("提案", proposal_rules.CPPCC),
        ("政协委员提案", proposal_rules.CPPCC),
    ]
)
_SATISFACTION = _index(
    [(k, k) for k in proposal_rules.SATISFACTION] + [(label, k) for k, label in proposal_rules.SATISFACTION.items()]
)


def applicant_type(value: str) -> str | None:
    return _APPLICANT_TYPES.get(norm(value)) if value else None


def channel(value: str) -> str | None:
    return _CHANNELS.get(norm(value)) if value else None


def review_kind(value: str) -> str | None:
    return _REVIEW_KINDS.get(norm(value)) if value else None


def review_result(value: str) -> str | None:
    return _REVIEW_RESULTS.get(norm(value)) if value else None


def proposal_kind(value: str) -> str | None:
    return _PROPOSAL_KINDS.get(norm(value)) if value else None


def satisfaction(value: str) -> str | None:
    return _SATISFACTION.get(norm(value)) if value else None


def split_sections(value: str) -> list[str]:
    """Several sections in one cell, separated by 、 , ， ; ； or line breaks; order kept, repeats dropped."""
    seen: list[str] = []
    for part in re.split(r"[、,，;；\n]+", value or ""):
        part = part.strip()
        if part and part not in seen:
            seen.append(part)
    return seen


def allowed_values(kind: str) -> dict[str, list[str]]:
    """Column header -> the values it accepts, for the template's 填写说明 and for messages."""
    from ..rules.outcomes import OUTCOMES

    if kind == REQUESTS:
        return {
            "申请人类型": [t.label for t in APPLICANT_TYPES],
            "申请方式": [c.label for c in intake_rules.CHANNELS],
            "办理结果": [f"{o.short_label}（或写表三的行名，或代码 {o.code}）" for o in OUTCOMES],
        }
    if kind == REVIEWS:
        return {"类型": ["行政复议", "直接起诉", "复议后起诉"], "结果": list(REVIEW_RESULT_LABELS.values())}
    if kind == PROPOSALS:
        return {
            "类型": list(proposal_rules.KINDS.values()),
            "办理结果": list(proposal_rules.RESULT_CLASSES),
            "满意度": list(proposal_rules.SATISFACTION.values()),
        }
    return {}


# -------------------------------------------------------------------------------------------- files


@dataclass
class Sheet:
    """One table of the file: its name, the raw rows (with Excel row numbers) and an estimate of their count."""

    name: str
    rows: Callable[[], Iterator[tuple[int, tuple]]]  # a fresh iterator each call: (row number, cell values)
    size_hint: int = 0


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030 (a superset of GBK and GB2312), decided by the bytes."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise LedgerInvalid(
            [Problem("", 0, "", "无法识别文件的编码：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后重新导入。")]
        ) from None


def csv_sheets(data: bytes, name: str = "CSV") -> list[Sheet]:
    content = decode_csv(data)
    # Excel writes commas (or tabs for "Unicode text"); the separator that occurs most in the first
    # lines wins. csv.Sniffer guesses wrongly on Chinese text with few separators.
    head = content[:8192].splitlines()[:5]
    delimiter = max((",", "\t", ";"), key=lambda d: sum(line.count(d) for line in head))

    def rows() -> Iterator[tuple[int, tuple]]:
        # Numbered by record, as Excel shows the file: a quoted cell with a line break stays one row.
        for n, row in enumerate(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter), start=1):
            yield n, tuple(row)

    return [Sheet(name, rows, content.count("\n") + 1)]


def xlsx_sheets(source) -> list[Sheet]:
    """Every sheet of an .xlsx workbook (read-only mode: rows stream, memory stays flat)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(source, read_only=True, data_only=True)
    except Exception:
        raise LedgerInvalid(
            [
                Problem(
                    "",
                    0,
                    "",
                    "无法打开该文件：它不是有效的 .xlsx 工作簿。旧版 .xls 请在 Excel 中另存为 .xlsx 后重新导入。",
                )
            ]
        ) from None
    sheets = []
    for ws in wb.worksheets:
        hint = ws.max_row or 0
        # Some programs write a wrong <dimension>; read-only mode would stop at it, so read to the end.
        ws.reset_dimensions()

        def rows(ws=ws) -> Iterator[tuple[int, tuple]]:
            yield from enumerate(ws.iter_rows(values_only=True), start=1)

        sheets.append(Sheet(ws.title, rows, hint))
    return sheets


def open_file(filename: str, source) -> list[Sheet]:
    """Sheets of a .xlsx or .csv file given as a path or bytes; LedgerInvalid for other formats."""
    lower = filename.lower()
    if lower.endswith(".csv"):
        data = source if isinstance(source, bytes) else open(source, "rb").read()  # noqa: SIM115
        return csv_sheets(data, name=filename.rsplit("/", 1)[-1])
    if lower.endswith((".xlsx", ".xlsm")):
        return xlsx_sheets(io.BytesIO(source) if isinstance(source, bytes) else source)
    raise LedgerInvalid([Problem("", 0, "", "只能导入 .xlsx 或 .csv 文件；旧版 .xls 请在 Excel 中另存为 .xlsx。")])


# ------------------------------------------------------------------------------------------ headers

_HEADER_INDEX: dict[str, dict[str, str]] = {
    kind: {norm(spelling): c.key for c in spec.columns for spelling in (c.header, *c.aliases)}
    for kind, spec in SPECS.items()
}


@dataclass
class Header:
    kind: str
    row: int  # Excel row number of the header
    positions: dict[str, int]  # column key -> index in the row
    unknown: list[str] = field(default_factory=list)  # headers of no known column (reported, ignored)
    computed: list[str] = field(default_factory=list)  # our export's 状态/答复期限 (ignored quietly)


def _matches(kind: str, cells: tuple) -> int:
    index = _HEADER_INDEX[kind]
    return sum(1 for c in cells if isinstance(c, str) and norm(c) in index)


def detect_kind(cells: tuple) -> str | None:
    """The kind whose signature headers are all in the row (most matching headers wins), else None."""
    best, best_n = None, 0
    for kind, spec in SPECS.items():
        found = {_HEADER_INDEX[kind].get(norm(c)) for c in cells if isinstance(c, str)}
        if all(key in found for key in spec.signature):
            n = _matches(kind, cells)
            if n > best_n:
                best, best_n = kind, n
    return best


def find_header(sheet: Sheet, kind: str | None) -> tuple[Header | None, list[Problem]]:
    """Locate the header row among the first rows, recognise the kind (unless given) and map the columns."""
    candidates = []
    for n, cells in sheet.rows():
        if n > HEADER_SEARCH_ROWS:
            break
        candidates.append((n, cells))
    for n, cells in candidates:
        k = kind or detect_kind(cells)
        if k is None or _matches(k, cells) < 2:
            continue
        spec = SPECS[k]
        positions: dict[str, int] = {}
        header = Header(k, n, positions)
        problems = []
        for i, cell in enumerate(cells):
            label = text(cell)
            if not label:
                continue
            key = _HEADER_INDEX[k].get(norm(label))
            if key is None:
                (header.computed if label in spec.computed else header.unknown).append(label)
            elif key in positions:
                problems.append(
                    Problem(
                        sheet.name,
                        n,
                        label,
                        f"与第{positions[key] + 1}列重复（都是“{spec.col(key).header}”），请删除其中一列",
                    )
                )
            else:
                positions[key] = i
        for c in spec.columns:
            if c.required and c.key not in positions:
                problems.append(
                    Problem(
                        sheet.name,
                        n,
                        c.header,
                        f"缺少必填列“{c.header}”（表头须包含："
                        + "、".join(x.header for x in spec.columns if x.required)
                        + "）",
                    )
                )
        return header, problems
    if kind:
        spec = SPECS[kind]
        return None, [
            Problem(
                sheet.name,
                0,
                "",
                f"前{HEADER_SEARCH_ROWS}行中找不到{spec.label}台账的表头（应包含：{'、'.join(spec.headers)}）",
            )
        ]
    return None, [
        Problem(
            sheet.name,
            0,
            "",
            "无法从表头识别台账类型：依申请公开台账须有“收到日期”“申请人类型”，"
            "复议诉讼须有“类型”“提起日期”，建议提案须有“届次”“交办日期”，主动公开须有“类别”“日期”；"
            "或用 --kind 指定类型",
        )
    ]


# --------------------------------------------------------------------------------------------- rows


@dataclass
class RequestRow:
    row: int
    number: str | None
    received_on: date
    applicant_type: str
    applicant_name: str
    channel: str | None  # None: not given (a new case gets DEFAULT_CHANNEL, an existing one keeps its own)
    content: str
    section: str | None
    concluded_on: date | None
    outcome: str | None
    remarks: str | None

    @property
    def subject(self) -> str:
        first = self.content.splitlines()[0] if self.content else ""
        return first if len(first) <= SUBJECT_MAX else first[: SUBJECT_MAX - 1] + "…"


@dataclass
class ReviewRow:
    row: int
    number: str
    kind: str
    filed_on: date
    concluded_on: date | None
    result: str | None


@dataclass
class ProposalRow:
    row: int
    kind: str
    session: str
    number: str
    title: str
    lead_author: str
    assigned_on: date
    lead_section: str
    cohandlers: list[str]
    reply_date: date | None
    result_class: str | None
    satisfaction: str | None


@dataclass
class RegisterRow:
    """Read, not yet classified: the categories and their rules belong to tracker.reports.registers."""

    row: int
    category: str
    entry_date: date
    title: str
    doc_number: str
    abolished_on: date | None
    quantity: str
    amount_yuan: str
    given: frozenset[str]  # keys of the cells that were not blank


class _Cells:
    """The cells of one row by column key, collecting the row's problems."""

    def __init__(self, sheet: str, spec: KindSpec, header: Header, n: int, values: tuple):
        self.sheet, self.spec, self.n = sheet, spec, n
        self.raw = {key: (values[i] if i < len(values) else None) for key, i in header.positions.items()}
        self.problems: list[Problem] = []

    def fail(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.sheet, self.n, self.spec.col(key).header, message))

    def has(self, key: str) -> bool:
        return key in self.raw and text(self.raw[key]) != ""

    def text(self, key: str, limit: int | None = None) -> str:
        value = text(self.raw.get(key))
        if limit is not None and len(value) > limit:
            self.fail(key, f"不能超过{limit}个字（现为{len(value)}个字），请精简")
        return value

    def required(self, key: str, limit: int | None = None) -> str:
        value = self.text(key, limit)
        if not value:
            self.fail(key, "必填，请填写")
        return value

    def date(self, key: str, required: bool = False) -> date | None:
        try:
            d = parse_date(self.raw.get(key))
        except BadValue as e:
            self.fail(key, str(e))
            return None
        if d is None and required:
            self.fail(key, f"必填，请填写（{DATE_HELP}）")
        return d

    def not_future(self, key: str, d: date | None, today: date) -> None:
        if d is not None and d > today:
            self.fail(key, f"{d.isoformat()}晚于今天（{today.isoformat()}），不能是将来的日期，请核对")

    def coded(self, key: str, lookup: Callable[[str], str | None], allowed: str, required: bool = False) -> str | None:
        value = self.text(key)
        if not value:
            if required:
                self.fail(key, f"必填，请填写{allowed}")
            return None
        code = lookup(value)
        if code is None:
            self.fail(key, f"无法识别“{value}”，应为{allowed}")
        return code


def _blank(values: tuple) -> bool:
    return all(text(v) == "" for v in values)


def _data_rows(sheet: Sheet, header: Header) -> Iterator[tuple[int, tuple]]:
    for n, values in sheet.rows():
        if n > header.row and not _blank(values):
            yield n, values


_APPLICANT_TYPES_TEXT = "、".join(t.label for t in APPLICANT_TYPES)
_CHANNELS_TEXT = "、".join(c.label for c in intake_rules.CHANNELS)


def _request(c: _Cells, today: date) -> RequestRow | None:
    number = c.text("number", LIMITS["number"]) or None
    received = c.date("received_on", required=True)
    if received is not None and (err := intake_rules.receipt_date_error(None, received, today)):
        c.fail("received_on", err)
        received = None
    atype = c.coded("applicant_type", applicant_type, _APPLICANT_TYPES_TEXT, required=True)
    name = c.required("applicant_name", LIMITS["applicant_name"])
    chan = c.coded("channel", channel, _CHANNELS_TEXT)
    content = c.required("content", LIMITS["content"])
    section = c.text("section", LIMITS["section"]) or None
    concluded = c.date("concluded_on")
    c.not_future("concluded_on", concluded, today)
    outcome_text = c.text("outcome")
    outcome = label_to_code(outcome_text) if outcome_text else None
    if outcome_text and outcome is None:
        c.fail(
            "outcome",
            f"无法识别“{outcome_text}”，请填写年度报告表三的一个办理结果（如 予以公开、部分公开、"
            "保护第三方合法权益、本机关不掌握相关政府信息、重复申请、其他，或其代码如 withheld.third_party）；"
            "“不予公开”“无法提供”“不予处理”须写明具体情形",
        )
    if concluded and received and concluded < received:
        c.fail("concluded_on", f"办结日期{concluded.isoformat()}早于收到日期{received.isoformat()}，请核对")
    if outcome_text and not c.has("concluded_on"):
        shown = outcome_of(outcome).short_label if outcome else outcome_text
        c.fail("concluded_on", f"已填写办理结果“{shown}”，请同时填写办结日期；尚未办结的请把办理结果留空")
    if concluded and not outcome_text:
        c.fail("outcome", "已填写办结日期，请同时填写办理结果；尚未办结的请把办结日期留空")
    remarks = c.text("remarks", LIMITS["remarks"]) or None
    if c.problems:
        return None
    assert received is not None and atype is not None
    return RequestRow(c.n, number, received, atype, name, chan, content, section, concluded, outcome, remarks)


def _review(c: _Cells, today: date) -> ReviewRow | None:
    number = c.required("number", LIMITS["number"])
    kind = c.coded("kind", review_kind, "行政复议、直接起诉或复议后起诉", required=True)
    filed = c.date("filed_on", required=True)
    c.not_future("filed_on", filed, today)
    concluded = c.date("concluded_on")
    c.not_future("concluded_on", concluded, today)
    result = c.coded("result", review_result, "、".join(REVIEW_RESULT_LABELS.values()))
    if concluded and filed and concluded < filed:
        c.fail("concluded_on", f"审结日期{concluded.isoformat()}早于提起日期{filed.isoformat()}，请核对")
    if c.has("result") and not c.has("concluded_on"):
        c.fail("concluded_on", "已填写结果，请同时填写审结日期；尚未审结的请把结果留空")
    if c.has("concluded_on") and not c.has("result"):
        c.fail("result", "已填写审结日期，请同时填写结果（维持、纠正或其他）；尚未审结的请把审结日期留空")
    if c.problems:
        return None
    assert kind is not None and filed is not None
    return ReviewRow(c.n, number, kind, filed, concluded, result)


def _proposal(c: _Cells, today: date) -> ProposalRow | None:
    kind = c.coded("kind", proposal_kind, "、".join(proposal_rules.KINDS.values()), required=True)
    session = c.required("session", LIMITS["p_session"])
    number = c.required("number", LIMITS["p_number"])
    title = c.required("title", LIMITS["p_title"])
    author = c.required("lead_author", LIMITS["p_lead_author"])
    assigned = c.date("assigned_on", required=True)
    c.not_future("assigned_on", assigned, today)
    lead = c.required("lead_section", LIMITS["section"])
    cohandlers = split_sections(c.text("cohandlers"))
    for name in cohandlers:
        if len(name) > LIMITS["section"]:
            c.fail("cohandlers", f"科室名称“{name[:20]}…”超过{LIMITS['section']}个字")
    if lead and lead in cohandlers:
        c.fail("cohandlers", f"主办科室“{lead}”不能同时是协办科室")
    reply = c.date("reply_date")
    c.not_future("reply_date", reply, today)
    result_text = c.text("result_class")
    result = proposal_rules.result_class_from_text(result_text) if result_text else None
    if result_text and result is None:
        c.fail("result_class", f"无法识别“{result_text}”，应为 " + "、".join(proposal_rules.RESULT_CLASSES))
    sat = c.coded("satisfaction", satisfaction, "、".join(proposal_rules.SATISFACTION.values()))
    if reply and assigned and reply < assigned:
        c.fail("reply_date", f"答复日期{reply.isoformat()}早于交办日期{assigned.isoformat()}，请核对")
    if result_text and not c.has("reply_date"):
        c.fail("reply_date", "已填写办理结果，请同时填写答复日期；尚未答复的请把办理结果留空")
    if c.has("reply_date") and not result_text:
        c.fail("result_class", "已填写答复日期，请同时填写办理结果（A、B、C 或 D）；尚未答复的请把答复日期留空")
    if c.has("satisfaction") and not c.has("reply_date"):
        c.fail("satisfaction", "尚未答复的建议提案不能有满意度，请先填写答复日期和办理结果")
    if c.problems:
        return None
    assert kind is not None and assigned is not None
    return ProposalRow(c.n, kind, session, number, title, author, assigned, lead, cohandlers, reply, result, sat)


def _register(c: _Cells, today: date) -> RegisterRow | None:
    category = c.required("category")
    entry = c.date("entry_date", required=True)
    c.not_future("entry_date", entry, today)
    abolished = c.date("abolished_on")
    c.not_future("abolished_on", abolished, today)
    given = frozenset(k for k in c.raw if c.has(k))
    if c.problems:
        return None
    assert entry is not None
    return RegisterRow(
        c.n,
        category,
        entry,
        c.text("title"),
        c.text("doc_number"),
        abolished,
        c.text("quantity"),
        c.text("amount_yuan"),
        given,
    )


_ROW_READERS = {REQUESTS: _request, REVIEWS: _review, PROPOSALS: _proposal, REGISTER: _register}


def _key_text(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def _raw_key(kind: str, c: _Cells) -> tuple | None:
    """The key on which re-imports match, read from the raw cells so that a repeated number is reported
    even on a row that has other problems too."""
    number = _key_text(c.text("number"))
    if not number:
        return None
    if kind == REQUESTS:
        return (number,)
    if kind == REVIEWS:
        try:
            filed = parse_date(c.raw.get("filed_on"))
        except BadValue:
            return None
        return (number, review_kind(c.text("kind")) or c.text("kind"), filed)
    if kind == PROPOSALS:
        return (proposal_kind(c.text("kind")) or c.text("kind"), _key_text(c.text("session")), number)
    return None


def _describe(kind: str, key: tuple) -> str:
    if kind == REQUESTS:
        return f"编号“{key[0]}”"
    if kind == REVIEWS:
        label = REVIEW_KIND_LABELS.get(key[1], key[1])
        return f"申请“{key[0]}”同一天（{key[2].isoformat() if key[2] else ''}）提起的{label}"
    return f"{key[1]}{proposal_rules.kind_label(key[0])}第“{key[2]}”号"


@dataclass
class ParsedSheet:
    sheet: str
    kind: str
    header: Header
    rows: list


def read_sheet(
    sheet: Sheet, kind: str | None, today: date, progress: Callable[[int], None] | None = None
) -> tuple[ParsedSheet | None, list[Problem]]:
    """Typed rows of one sheet and every problem found in it (rows with problems are left out)."""
    header, problems = find_header(sheet, kind)
    if header is None or problems:
        return None, problems
    spec = SPECS[header.kind]
    reader = _ROW_READERS[header.kind]
    rows = []
    first: dict[tuple, int] = {}
    for i, (n, values) in enumerate(_data_rows(sheet, header), start=1):
        cells = _Cells(sheet.name, spec, header, n, values)
        row = reader(cells, today)
        key = _raw_key(header.kind, cells)
        if key is not None and key in first:
            cells.fail("number", f"{_describe(header.kind, key)}与第{first[key]}行重复，同一文件中不能出现两次")
            row = None
        elif key is not None:
            first[key] = n
        problems.extend(cells.problems)
        if row is not None:
            rows.append(row)
        if progress is not None and i % 1000 == 0:
            progress(i)
    return ParsedSheet(sheet.name, header.kind, header, rows), problems


def select_sheets(sheets: list[Sheet], kind: str | None) -> tuple[list[tuple[Sheet, str | None]], list[Problem]]:
    """Which sheets to read and as what: the sheets named after a kind, or the first sheet.

    With ``kind``: its named sheet if there is one, else the first sheet. Without: every named sheet
    (kind from the name), or the first sheet with the kind recognised from its header row.
    """
    if not sheets:
        return [], [Problem("", 0, "", "文件中没有工作表")]
    named = {SHEET_KINDS[s.name.strip()]: s for s in sheets if s.name.strip() in SHEET_KINDS}
    if kind:
        return [(named.get(kind, sheets[0]), kind)], []
    if named:
        return [(named[k], k) for k in ORDER if k in named], []
    return [(sheets[0], None)], []
