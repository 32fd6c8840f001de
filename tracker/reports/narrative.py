"""Draft sentences for the prose parts, generated from a report dict (pure: no Flask, no database).

Staff start from these drafts and rewrite them; the figures in a draft are always those of the report
it is generated from, so a draft can never disagree with the tables.
"""

from __future__ import annotations

from decimal import Decimal

from ..rules.outcomes import GROUPS
from ..rules.report_layout import version_of
from .structure import NARRATIVE_PART_IDS


def _yuan(amount) -> str:
    value = Decimal(str(amount))
    return f"{value.normalize():f}" if value != value.to_integral_value() else str(int(value))


def _list(items: list[str]) -> str:
    return "、".join(items)


def change_phrase(current: int, previous: int | None) -> str:
    """比上年增加N件 / 比上年减少N件 / 与上年持平; "" when no previous figure supports a comparison (the records
    do not reach back to the previous year and it was not published)."""
    if previous is None:
        return ""
    if current > previous:
        return f"比上年增加{current - previous}件"
    if current < previous:
        return f"比上年减少{previous - current}件"
    return "与上年持平"


def proactive_draft(report: dict) -> str:
    year, name = report["year"], report["agency"]["name"]
    summary = report["summary"]
    if summary["proactive_items"]:
        text = f"{year}年度，{name}主动公开政府信息{summary['proactive_items']}条"
        parts = [f"{cat}{n}条" for cat, n in summary["proactive_by_category"].items() if n]
        text += f"，其中{_list(parts)}。" if parts else "。"
    else:
        text = f"{year}年度，{name}未登记主动公开的政府信息。"
    facts = []
    for block in version_of(report).table2_blocks:
        for row in block.rows:
            cells = report["table2"][row.id]
            if "issued" in cells:
                if cells["issued"]:
                    facts.append(f"制发{row.label}{cells['issued']}件")
                if cells["abolished"]:
                    facts.append(f"废止{row.label}{cells['abolished']}件")
            elif "decisions" in cells and cells["decisions"]:
                facts.append(f"作出{row.label}决定{cells['decisions']}件")
            elif "amount_wan_yuan" in cells and cells["amount_wan_yuan"]:
                facts.append(f"{row.label}{cells['amount_wan_yuan']}万元")
    if facts:
        text += f"本年{_list(facts)}。"
    return text


def on_request_draft(report: dict) -> str:
    """e.g. 2023年度共收到政府信息公开申请10件，比上年增加4件，主要涉及项目立项。…"""
    year = report["year"]
    summary, t3, t4 = report["summary"], report["table3"], report["table4"]
    received, previous = summary["requests_received"], summary.get("requests_received_previous_year")
    change = change_phrase(received, previous)
    text = f"{year}年度共收到政府信息公开申请{received}件" + (f"，{change}" if change else "")
    topics = [t["topic"] for t in summary.get("main_topics", [])]
    text += f"，主要涉及{_list(topics)}。" if topics and received else "。"
    if t3["carried_in"]["total"]:
        text += f"上年结转{t3['carried_in']['total']}件。"
    if t3["total"]["total"]:
        by_group = []
        for group in GROUPS:
            n = sum(t3[r.id]["total"] for r in version_of(report).table3_rows if r.is_result and r.group == group.id)
            if n:
                by_group.append(f"{group.label}{n}件")
        text += f"本年度办结{t3['total']['total']}件，其中{_list(by_group)}。"
    if t3["carried_out"]["total"]:
        text += f"结转下年度继续办理{t3['carried_out']['total']}件。"
    reconsiderations = t4["reconsideration"]["total"]
    lawsuits = t4["litigation_direct"]["total"] + t4["litigation_after_reconsideration"]["total"]
    if reconsiderations or lawsuits:
        text += f"涉及政府信息公开的行政复议{reconsiderations}件、行政诉讼{lawsuits}件。"
    else:
        text += "不存在因政府信息公开引发的行政复议、行政诉讼情况。"
    return text


def fees_draft(report: dict) -> str:
    year, name = report["year"], report["agency"]["name"]
    fees = report["other_matters"]["processing_fees"]
    if not fees["cases"]:
        return f"{year}年度，{name}在办理政府信息公开申请过程中，未收取信息处理费。"
    return f"{year}年度，{name}对{fees['cases']}件政府信息公开申请收取信息处理费，共计{_yuan(fees['amount_yuan'])}元。"


def proposals_draft(report: dict) -> str:
    year, name = report["year"], report["agency"]["name"]
    other = report["other_matters"]
    return f"{year}年度，{name}共办理人大代表建议{other['npc_suggestions']}件，政协提案{other['cppcc_proposals']}件。"


CONTACT_LABELS = (("address", "地址"), ("postcode", "邮编"), ("phone", "电话"), ("email", "电子邮箱"))


def preface_draft(report: dict) -> str:
    """The statistical period and whom to ask; only the contact details the agency filled in, never an empty
    "（地址：；邮编：）"."""
    year, name = report["year"], report["agency"]["name"]
    contact = report["agency"].get("contact") or {}
    parts = "；".join(f"{label}：{contact[key]}" for key, label in CONTACT_LABELS if contact.get(key))
    return (
        f"本年度报告中所列数据的统计期限自{year}年1月1日起，至{year}年12月31日止。"
        f"如对报告内容有疑问，请与{name}联系" + (f"（{parts}）。" if parts else "。")
    )


_DRAFTS = {
    "preface": preface_draft,
    "overview.proactive": proactive_draft,
    "overview.on_request": on_request_draft,
    "other.fees": fees_draft,
    "other.proposals": proposals_draft,
}


def drafts(report: dict) -> dict[str, str]:
    """A draft for every prose part (empty for the parts that only staff can write)."""
    return {part: (_DRAFTS[part](report) if part in _DRAFTS else "") for part in NARRATIVE_PART_IDS}
