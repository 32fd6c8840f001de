"""The official tables of the annual report (国办公开办函〔2021〕30号) as data, and the checks over them.

One source for every renderer (HTML page, .xlsx, .docx) and for the derivation: ids are those of the
JSON form in report-format.md; labels are word for word as printed. `layout(table)` gives each table
as rows of cells with their merges, exactly like the official form, so no renderer repeats it.

Checks 1–5 of report-format.md are pure functions of report dicts (`run_checks`). Check 6 (data
quality: concluded without code or date, concluded before receipt, receipt in the future) needs the
records, so the report engine computes it; its id and title are here so the names stay in one place.

Layout versions. The official format can change (a new row, a new label). Each form is a `LayoutVersion`
in `LAYOUT_VERSIONS`, applied from the report year it takes effect (`layout_for_year`). A report dict names
the version it was derived under (`"layout_version"`), a frozen snapshot records it too, and every renderer
and check takes the version of the report it is given (`version_of`), so a published year keeps rendering
exactly as it was published whatever layout later years use. Version 1 is 国办公开办函〔2021〕30号, from the
2021 reports; the format used before it is not modelled (earlier years also render in version 1).
The module-level constants (TABLE3_ROWS, TABLE3_ROW_IDS, ...) are those of version 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tracker.rules.outcomes import GROUPS, OUTCOMES


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    group_label: str | None = None  # a merged heading above the label, e.g. 法人或其他组织

    @property
    def full_label(self) -> str:
        return f"{self.group_label}（{self.label}）" if self.group_label else self.label


@dataclass(frozen=True)
class Cell:
    """One cell of a table layout: a header (`text`) or a figure (`ref`, a path into the report dict)."""

    text: str = ""
    rowspan: int = 1
    colspan: int = 1
    ref: tuple[str, ...] | None = None

    @property
    def is_header(self) -> bool:
        return self.ref is None


# ---------------------------------------------------------------------------------------- table 二


@dataclass(frozen=True)
class Table2Block:
    id: str
    label: str
    columns: tuple[Column, ...]
    rows: tuple[Column, ...]
    row_header: str = "信息内容"


TABLE2_BLOCKS: tuple[Table2Block, ...] = (
    Table2Block(
        "article20_1",
        "第二十条第（一）项",
        columns=(
            Column("issued", "本年制发件数"),
            Column("abolished", "本年废止件数"),
            Column("in_force", "现行有效件数"),
        ),
        rows=(Column("rules", "规章"), Column("normative_documents", "行政规范性文件")),
    ),
    Table2Block(
        "article20_5",
        "第二十条第（五）项",
        columns=(Column("decisions", "本年处理决定数量"),),
        rows=(Column("administrative_licensing", "行政许可"),),
    ),
    Table2Block(
        "article20_6",
        "第二十条第（六）项",
        columns=(Column("decisions", "本年处理决定数量"),),
        rows=(Column("administrative_penalty", "行政处罚"), Column("administrative_coercion", "行政强制")),
    ),
    Table2Block(
        "article20_8",
        "第二十条第（八）项",
        columns=(Column("amount_wan_yuan", "本年收费金额（单位：万元）"),),
        rows=(Column("administrative_fees", "行政事业性收费"),),
    ),
)
TABLE2_ROW_IDS: tuple[str, ...] = tuple(r.id for b in TABLE2_BLOCKS for r in b.rows)
TABLE2_WIDTH = 1 + max(len(b.columns) for b in TABLE2_BLOCKS)

# ---------------------------------------------------------------------------------------- table 三

ORG_GROUP_LABEL = "法人或其他组织"

# The applicant types of a request ARE the columns of table 三: every module takes them from here.
APPLICANT_TYPES: tuple[Column, ...] = (
    Column("natural_person", "自然人"),
    Column("commercial_enterprise", "商业企业", ORG_GROUP_LABEL),
    Column("research_institution", "科研机构", ORG_GROUP_LABEL),
    Column("public_interest_org", "社会公益组织", ORG_GROUP_LABEL),
    Column("legal_service_org", "法律服务机构", ORG_GROUP_LABEL),
    Column("other_org", "其他", ORG_GROUP_LABEL),
)
APPLICANT_TYPE_IDS: tuple[str, ...] = tuple(t.id for t in APPLICANT_TYPES)
_APPLICANT_TYPES = {t.id: t for t in APPLICANT_TYPES}

TABLE3_TOTAL_COLUMN = Column("total", "总计")
TABLE3_COLUMNS: tuple[Column, ...] = (*APPLICANT_TYPES, TABLE3_TOTAL_COLUMN)
TABLE3_COLUMN_IDS: tuple[str, ...] = tuple(c.id for c in TABLE3_COLUMNS)
TABLE3_COLUMNS_HEADING = "申请人情况"
TABLE3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
TABLE3_RESULTS_HEADING = "三、本年度办理结果"


def applicant_type_label(type_id: str) -> str:
    """The full label of an applicant type, e.g. 法人或其他组织（商业企业）; KeyError if unknown."""
    try:
        return _APPLICANT_TYPES[type_id].full_label
    except KeyError:
        raise KeyError(f"未知的申请人类型：{type_id}") from None


def is_applicant_type(value: object) -> bool:
    return isinstance(value, str) and value in _APPLICANT_TYPES


@dataclass(frozen=True)
class Table3Row:
    id: str
    label: str  # as printed in the row's own (innermost) header cell
    level: int  # 1: 一、二、四、 spanning all three header columns; 2: （一）…（七）; 3: numbered item
    group: str | None = None  # outcome group id for result rows
    is_result: bool = False  # one of the outcome rows (not the （七）总计 row)


def _table3_rows() -> tuple[Table3Row, ...]:
    rows = [
        Table3Row("new", "一、本年新收政府信息公开申请数量", 1),
        Table3Row("carried_in", "二、上年结转政府信息公开申请数量", 1),
    ]
    for group in GROUPS:
        members = [o for o in OUTCOMES if o.group == group.id]
        # （一）and（二）are a row and a group at once: their label is the group heading itself
        level = 2 if len(members) == 1 else 3
        rows.extend(Table3Row(o.code, o.official_label, level, group.id, True) for o in members)
    rows.append(Table3Row("total", "（七）总计", 2))
    rows.append(Table3Row("carried_out", "四、结转下年度继续办理", 1))
    return tuple(rows)


TABLE3_ROWS: tuple[Table3Row, ...] = _table3_rows()
TABLE3_ROW_IDS: tuple[str, ...] = tuple(r.id for r in TABLE3_ROWS)
TABLE3_RESULT_ROW_IDS: tuple[str, ...] = tuple(r.id for r in TABLE3_ROWS if r.is_result)
_GROUP_HEADINGS = {g.id: g.official_label for g in GROUPS}

# ---------------------------------------------------------------------------------------- table 四


@dataclass(frozen=True)
class Table4Block:
    id: str
    label: str
    parent_label: str | None = None  # 行政诉讼 above its two kinds


TABLE4_BLOCKS: tuple[Table4Block, ...] = (
    Table4Block("reconsideration", "行政复议"),
    Table4Block("litigation_direct", "未经复议直接起诉", "行政诉讼"),
    Table4Block("litigation_after_reconsideration", "复议后起诉", "行政诉讼"),
)
TABLE4_COLUMNS: tuple[Column, ...] = (
    Column("upheld", "结果维持"),
    Column("corrected", "结果纠正"),
    Column("other", "其他结果"),
    Column("pending", "尚未审结"),
    Column("total", "总计"),
)
TABLE4_BLOCK_IDS: tuple[str, ...] = tuple(b.id for b in TABLE4_BLOCKS)
TABLE4_COLUMN_IDS: tuple[str, ...] = tuple(c.id for c in TABLE4_COLUMNS)
TABLE4_PARTS: tuple[str, ...] = ("upheld", "corrected", "other", "pending")

# ---------------------------------------------------------------------------------------- versions


@dataclass(frozen=True)
class LayoutVersion:
    """One form of the official tables: their rows, columns and labels, from the report year `from_year`."""

    id: int
    from_year: int
    source: str
    table2_blocks: tuple[Table2Block, ...] = TABLE2_BLOCKS
    applicant_types: tuple[Column, ...] = APPLICANT_TYPES
    table3_rows: tuple[Table3Row, ...] = TABLE3_ROWS
    table4_blocks: tuple[Table4Block, ...] = TABLE4_BLOCKS
    table4_columns: tuple[Column, ...] = TABLE4_COLUMNS
    group_headings: Mapping[str, str] = field(default_factory=lambda: dict(_GROUP_HEADINGS))

    @property
    def table3_columns(self) -> tuple[Column, ...]:
        return (*self.applicant_types, TABLE3_TOTAL_COLUMN)

    @property
    def table3_row_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.table3_rows)

    @property
    def table3_column_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.table3_columns)

    @property
    def table3_result_row_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.table3_rows if r.is_result)

    @property
    def applicant_type_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.applicant_types)

    @property
    def table2_width(self) -> int:
        return 1 + max(len(b.columns) for b in self.table2_blocks)

    @property
    def table4_block_ids(self) -> tuple[str, ...]:
        return tuple(b.id for b in self.table4_blocks)

    @property
    def table4_column_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.table4_columns)

    def row_label(self, row: str) -> str:
        return {r.id: r.label for r in self.table3_rows}.get(row, row)

    def column_label(self, col: str) -> str:
        return {c.id: c.full_label for c in self.table3_columns}.get(col, col)

    def table4_label(self, block: str) -> str:
        for b in self.table4_blocks:
            if b.id == block:
                return f"{b.parent_label}（{b.label}）" if b.parent_label else b.label
        return block

    def layout(self, table: str) -> list[list[Cell]]:
        return {"table2": _table2_layout, "table3": _table3_layout, "table4": _table4_layout}[table](self)


def _table2_layout(v: LayoutVersion) -> list[list[Cell]]:
    grid: list[list[Cell]] = []
    width = v.table2_width
    values_width = width - 1
    for block in v.table2_blocks:
        # a single figure column stretches over the width of the widest block, as in the form
        span = values_width // len(block.columns)
        grid.append([Cell(block.label, colspan=width)])
        grid.append([Cell(block.row_header)] + [Cell(c.label, colspan=span) for c in block.columns])
        for row in block.rows:
            grid.append([Cell(row.label)] + [Cell(colspan=span, ref=("table2", row.id, c.id)) for c in block.columns])
    return grid


def _table3_layout(v: LayoutVersion) -> list[list[Cell]]:
    orgs = [t for t in v.applicant_types if t.group_label]
    columns = v.table3_columns
    grid: list[list[Cell]] = [
        [Cell(TABLE3_NOTE, rowspan=3, colspan=3), Cell(TABLE3_COLUMNS_HEADING, colspan=len(columns))],
        [
            Cell(v.applicant_types[0].label, rowspan=2),
            Cell(ORG_GROUP_LABEL, colspan=len(orgs)),
            Cell(TABLE3_TOTAL_COLUMN.label, rowspan=2),
        ],
        [Cell(t.label) for t in orgs],
    ]
    result_ids = v.table3_result_row_ids
    results_span = len(result_ids) + 1  # the result rows and （七）总计
    seen_groups: set[str] = set()
    for row in v.table3_rows:
        head: list[Cell] = []
        if row.id == result_ids[0]:
            head.append(Cell(TABLE3_RESULTS_HEADING, rowspan=results_span))
        if row.level == 1:
            head.append(Cell(row.label, colspan=3))
        elif row.level == 2:
            head.append(Cell(row.label, colspan=2))
        else:
            if row.group not in seen_groups:
                size = sum(1 for r in v.table3_rows if r.group == row.group)
                head.append(Cell(v.group_headings[row.group], rowspan=size))
            head.append(Cell(row.label))
        if row.group:
            seen_groups.add(row.group)
        grid.append(head + [Cell(ref=("table3", row.id, c.id)) for c in columns])
    return grid


def _table4_layout(v: LayoutVersion) -> list[list[Cell]]:
    n = len(v.table4_columns)
    top: list[Cell] = []
    second: list[Cell] = []
    third: list[Cell] = []
    for block in v.table4_blocks:
        heading = block.parent_label or block.label
        if block.parent_label and top and top[-1].text == heading:  # 行政诉讼 spans both of its kinds
            top[-1] = Cell(heading, colspan=top[-1].colspan + n)
        else:
            top.append(Cell(heading, colspan=n))
        if block.parent_label is None:
            second.extend(Cell(c.label, rowspan=2) for c in v.table4_columns)
        else:
            second.append(Cell(block.label, colspan=n))
            third.extend(Cell(c.label) for c in v.table4_columns)
    values = [Cell(ref=("table4", b.id, c.id)) for b in v.table4_blocks for c in v.table4_columns]
    return [top, second, third, values]


V1 = LayoutVersion(1, 2021, "国办公开办函〔2021〕30号《中华人民共和国政府信息公开工作年度报告格式》")
# The registry: id -> version. A new official format is a new entry with the report year it applies from.
LAYOUT_VERSIONS: dict[int, LayoutVersion] = {1: V1}


def layout_version(version_id: int) -> LayoutVersion:
    """The layout of a frozen report; KeyError (Chinese) for a version this release does not know."""
    try:
        return LAYOUT_VERSIONS[int(version_id)]
    except (KeyError, TypeError, ValueError):
        raise KeyError(f"未知的年度报告表格版本：{version_id}") from None


def latest() -> LayoutVersion:
    return max(LAYOUT_VERSIONS.values(), key=lambda v: v.id)


def layout_for_year(year: int) -> LayoutVersion:
    """The layout a report of `year` is derived in: the newest version in effect for that year (or the first)."""
    versions = sorted(LAYOUT_VERSIONS.values(), key=lambda v: (v.from_year, v.id))
    chosen = versions[0]
    for v in versions:
        if v.from_year <= year:
            chosen = v
    return chosen


def version_of(report: Mapping) -> LayoutVersion:
    """The layout a report dict was derived (or frozen) under; reports without the key are version 1."""
    return layout_version(report.get("layout_version", 1) if isinstance(report, Mapping) else 1)


def layout(table: str, version: LayoutVersion | None = None) -> list[list[Cell]]:
    """Table `table2`, `table3` or `table4` as rows of cells, merges included, in the official layout.

    A cell covered by a merge above or to the left is simply absent from its row (HTML rowspan/colspan
    semantics); header cells carry text, figure cells carry `ref`, a path into the report dict. Without a
    version: the newest layout.
    """
    return (version or latest()).layout(table)


def cell_value(report: dict, ref: tuple[str, ...]):
    value = report
    for key in ref:
        value = value[key]
    return value


# ---------------------------------------------------------------------------------------- JSON form


def empty_table3(version: LayoutVersion | None = None) -> dict[str, dict[str, int]]:
    v = version or V1
    return {row: {col: 0 for col in v.table3_column_ids} for row in v.table3_row_ids}


def empty_report_dict(year: int, agency_name: str, version: LayoutVersion | None = None) -> dict:
    """The JSON form of report-format.md with every figure zero and no checks run, in `version`'s layout
    (default: the layout of `year`)."""
    v = version or layout_for_year(year)
    return {
        "year": year,
        "layout_version": v.id,
        "agency": {"name": agency_name},
        "table2": {row.id: {c.id: 0 for c in block.columns} for block in v.table2_blocks for row in block.rows},
        "table3": empty_table3(v),
        "table4": {b: {c: 0 for c in v.table4_column_ids} for b in v.table4_block_ids},
        "summary": {
            "proactive_items": 0,
            "proactive_by_category": {},
            "requests_received": 0,
            "requests_received_previous_year": None,
            "previous_year_basis": None,
        },
        "other_matters": {
            "processing_fees": {"cases": 0, "amount_yuan": 0},
            "npc_suggestions": 0,
            "cppcc_proposals": 0,
        },
        "checks": [],
    }


# ---------------------------------------------------------------------------------------- checks

CHECK_TITLES: dict[str, str] = {
    "table3_column_balance": "表三各列：第一项加第二项之和，等于第三项加第四项之和",
    "table3_row_totals": "表三各行：总计等于六类申请人之和",
    "table3_total_row": "表三（七）总计等于各项办理结果之和",
    "table4_totals": "表四各类：结果维持、结果纠正、其他结果、尚未审结之和等于总计",
    "carried_in_vs_previous": "本年“上年结转”等于上年“结转下年度继续办理”（按现有记录计算）",
    "carried_in_vs_frozen": "本年“上年结转”等于已发布上年度报告的“结转下年度继续办理”",
    "data_quality": "数据质量：办结记录有办理结果和办结日期，办结不早于收到申请，收到申请日期不在将来",
}
DATA_QUALITY_CHECK_ID = "data_quality"  # computed by the report engine from the records, not here


class _Missing(Exception):
    def __init__(self, where: str):
        super().__init__(where)
        self.where = where


def _t3(report: dict, row: str, col: str, v: LayoutVersion) -> int:
    try:
        value = report["table3"][row][col]
    except (KeyError, TypeError):
        raise _Missing(f"表三「{v.row_label(row)}」行「{v.column_label(col)}」列") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Missing(f"表三「{v.row_label(row)}」行「{v.column_label(col)}」列（不是整数）")
    return value


def _t4(report: dict, block: str, col: str, v: LayoutVersion) -> int:
    try:
        value = report["table4"][block][col]
    except (KeyError, TypeError):
        raise _Missing(f"表四「{v.table4_label(block)}」的「{col}」") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Missing(f"表四「{v.table4_label(block)}」的「{col}」（不是整数）")
    return value


def _result(check_id: str, problems: list[str], ok_detail: str) -> dict:
    if problems:
        return {"id": check_id, "ok": False, "detail": "；".join(problems) + "。"}
    return {"id": check_id, "ok": True, "detail": ok_detail}


def _run(check_id: str, body, ok_detail: str) -> dict:
    try:
        problems = body()
    except _Missing as missing:
        problems = [f"缺少{missing.where}的数据，无法核对"]
    return _result(check_id, problems, ok_detail)


def _check_column_balance(report: dict, v: LayoutVersion) -> list[str]:
    problems = []
    for col in v.table3_column_ids:
        new, carried_in = _t3(report, "new", col, v), _t3(report, "carried_in", col, v)
        total, carried_out = _t3(report, "total", col, v), _t3(report, "carried_out", col, v)
        if new + carried_in != total + carried_out:
            problems.append(
                f"「{v.column_label(col)}」列：一、本年新收{new}件＋二、上年结转{carried_in}件＝{new + carried_in}件，"
                f"而三、（七）总计{total}件＋四、结转下年度{carried_out}件＝{total + carried_out}件"
            )
    return problems


def _check_row_totals(report: dict, v: LayoutVersion) -> list[str]:
    problems = []
    for row in v.table3_row_ids:
        parts = sum(_t3(report, row, col, v) for col in v.applicant_type_ids)
        total = _t3(report, row, "total", v)
        if parts != total:
            problems.append(f"「{v.row_label(row)}」行：总计为{total}件，六类申请人合计为{parts}件")
    return problems


def _check_total_row(report: dict, v: LayoutVersion) -> list[str]:
    problems = []
    result_ids = v.table3_result_row_ids
    for col in v.table3_column_ids:
        parts = sum(_t3(report, row, col, v) for row in result_ids)
        total = _t3(report, "total", col, v)
        if parts != total:
            problems.append(
                f"「{v.column_label(col)}」列：（七）总计为{total}件，{len(result_ids)}项办理结果合计为{parts}件"
            )
    return problems


def _check_table4(report: dict, v: LayoutVersion) -> list[str]:
    problems = []
    labels = {c.id: c.label for c in v.table4_columns}
    for block in v.table4_block_ids:
        values = {c: _t4(report, block, c, v) for c in v.table4_column_ids}
        parts = sum(values[c] for c in TABLE4_PARTS)
        if parts != values["total"]:
            terms = "＋".join(f"{labels[c]}{values[c]}" for c in TABLE4_PARTS)
            problems.append(f"「{v.table4_label(block)}」：{terms}＝{parts}，而总计为{values['total']}")
    return problems


def _check_carried_in(report: dict, previous: dict, source: str, v: LayoutVersion) -> list[str]:
    problems = []
    for col in v.table3_column_ids:
        carried_in = _t3(report, "carried_in", col, v)
        before = _t3(previous, "carried_out", col, v)
        if carried_in != before:
            problems.append(
                f"「{v.column_label(col)}」列：本年“二、上年结转”为{carried_in}件，"
                f"{source}“四、结转下年度继续办理”为{before}件"
            )
    return problems


def run_checks(report: dict, previous: dict | None = None, frozen_previous: dict | None = None) -> list[dict]:
    """Checks 1–5 of report-format.md over a report dict, each as {"id", "ok", "detail"}, in the report's
    own layout version.

    `previous` is the report of the year before as the system computes it today; `frozen_previous` the
    published (frozen) one. A cross-year check whose other report is not given is left out rather than
    reported as passed. A missing or non-integer cell fails the check that needs it.
    """
    v = version_of(report)
    year = report.get("year")
    prev_year = f"{year - 1}年" if isinstance(year, int) else "上一年"
    results = [
        _run(
            "table3_column_balance",
            lambda: _check_column_balance(report, v),
            "表三各列均满足：第一项加第二项之和，等于第三项加第四项之和",
        ),
        _run("table3_row_totals", lambda: _check_row_totals(report, v), "表三各行的总计均等于六类申请人之和"),
        _run("table3_total_row", lambda: _check_total_row(report, v), "表三各列的（七）总计均等于各项办理结果之和"),
        _run(
            "table4_totals",
            lambda: _check_table4(report, v),
            "表四各类的总计均等于结果维持、结果纠正、其他结果、尚未审结之和",
        ),
    ]
    if previous is not None:
        results.append(
            _run(
                "carried_in_vs_previous",
                lambda: _check_carried_in(report, previous, f"按现有记录计算的{prev_year}", v),
                f"本年“上年结转”各列均等于按现有记录计算的{prev_year}“结转下年度继续办理”",
            )
        )
    if frozen_previous is not None:
        results.append(
            _run(
                "carried_in_vs_frozen",
                lambda: _check_carried_in(report, frozen_previous, f"已发布的{prev_year}度报告", v),
                f"本年“上年结转”各列均等于已发布的{prev_year}度报告“结转下年度继续办理”",
            )
        )
    return results
