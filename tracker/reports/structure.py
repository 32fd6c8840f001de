"""The report's sections and prose parts in the official order (pure, no Flask).

The tables' own rows, columns and labels belong to tracker.rules.report_layout; this module holds only
what surrounds them: the title, the six section headings of 国办公开办函〔2021〕30号, the prose parts
staff write, and the names under which the derived figures outside the tables are shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..rules.report_layout import LayoutVersion, latest


def report_title(agency_name: str, year: int) -> tuple[str, str]:
    """The two title lines: the agency, then 「YYYY年政府信息公开工作年度报告」."""
    return agency_name, f"{year}年政府信息公开工作年度报告"


@dataclass(frozen=True)
class Section:
    id: str
    heading: str
    table: str | None = None  # the table printed in this section (report_layout.layout id)


SECTIONS: tuple[Section, ...] = (
    Section("overview", "一、总体情况"),
    Section("table2", "二、主动公开政府信息情况", "table2"),
    Section("table3", "三、收到和处理政府信息公开申请情况", "table3"),
    Section("table4", "四、政府信息公开行政复议、行政诉讼情况", "table4"),
    Section("problems", "五、存在的主要问题及改进情况"),
    Section("other", "六、其他需要报告的事项"),
)


@dataclass(frozen=True)
class NarrativePart:
    id: str
    section: str | None  # None: before the first section (the preface)
    heading: str | None  # printed before the text, e.g. （一）主动公开
    label: str  # what the editing page calls it


NARRATIVE_PARTS: tuple[NarrativePart, ...] = (
    NarrativePart("preface", None, None, "报告说明（统计期限、联系方式）"),
    NarrativePart("overview", "overview", None, "一、总体情况（导语）"),
    NarrativePart("overview.proactive", "overview", "（一）主动公开", "（一）主动公开"),
    NarrativePart("overview.on_request", "overview", "（二）依申请公开", "（二）依申请公开"),
    NarrativePart("overview.management", "overview", "（三）政府信息管理", "（三）政府信息管理"),
    NarrativePart("overview.platform", "overview", "（四）政府信息公开平台建设", "（四）政府信息公开平台建设"),
    NarrativePart("overview.oversight", "overview", "（五）监督保障", "（五）监督保障"),
    NarrativePart("problems", "problems", None, "五、存在的主要问题及改进情况"),
    NarrativePart(
        "other.fees",
        "other",
        "（一）依据《政府信息公开信息处理费管理办法》收取信息处理费的情况",
        "六（一）收取信息处理费的情况",
    ),
    NarrativePart(
        "other.proposals",
        "other",
        "（二）本年度人大代表建议和政协提案办理情况",
        "六（二）人大代表建议和政协提案办理情况",
    ),
    NarrativePart("other.more", "other", None, "六、其他需要报告的事项（其余各项，请自行编号，如“（三）……”）"),
)
NARRATIVE_PART_IDS: tuple[str, ...] = tuple(p.id for p in NARRATIVE_PARTS)
MAX_NARRATIVE_CHARS = 20000


def parts_of(section_id: str | None) -> tuple[NarrativePart, ...]:
    return tuple(p for p in NARRATIVE_PARTS if p.section == section_id)


# Figures outside the tables, by their path in the report dict.
FIGURE_LABELS: dict[tuple[str, ...], str] = {
    ("summary", "proactive_items"): "主动公开政府信息条数",
    ("summary", "requests_received"): "本年收到政府信息公开申请件数",
    ("summary", "requests_received_previous_year"): "上年收到政府信息公开申请件数（用于比上年增减）",
    ("other_matters", "processing_fees", "cases"): "收取信息处理费的申请件数",
    ("other_matters", "processing_fees", "amount_yuan"): "收取信息处理费金额（元）",
    ("other_matters", "npc_suggestions"): "办理人大代表建议件数",
    ("other_matters", "cppcc_proposals"): "办理政协提案件数",
}


def cell_labels(version: LayoutVersion | None = None) -> dict[tuple[str, ...], str]:
    """Every figure of the three tables of a layout version (default: the newest), by its path, with a
    readable name built from the official labels."""
    v = version or latest()
    labels: dict[tuple[str, ...], str] = {}
    for block in v.table2_blocks:
        for row in block.rows:
            for col in block.columns:
                labels[("table2", row.id, col.id)] = f"表二「{row.label}」{col.label}"
    for row in v.table3_rows:
        for col in v.table3_columns:
            labels[("table3", row.id, col.id)] = f"表三「{row.label}」{col.full_label}"
    for block in v.table4_blocks:
        name = f"{block.parent_label}（{block.label}）" if block.parent_label else block.label
        for col in v.table4_columns:
            labels[("table4", block.id, col.id)] = f"表四「{name}」{col.label}"
    return labels
