"""Importing a ledger (台账): check the whole file, then write everything in one transaction.

`import_ledger` reads the file with tracker.ledger.parse, adds the checks that need the database, and
either raises LedgerInvalid with every problem (nothing written) or writes all rows, the sections they
name and one event per imported item, and commits once. A dry run stops before writing.

Matching (so that importing the same file twice changes nothing):
- requests: 编号 within the agency. A row without 编号 matches an imported request with the same
  收到日期, 申请人 and 申请内容; otherwise it is new and numbered like a registration (the year of 收到日期).
- reviews: the request's 编号 + 类型 + 提起日期.
- proposals: 类型 + 届次 + 编号.
- register entries: 规章 and 行政规范性文件 by 类别 + 文号 (a document keeps its number when it is later
  abolished, so re-importing the ledger with a 废止日期 updates it); every other entry by 类别 + 日期 + 标题.
A matched row whose values differ updates the record if the record came from an import. A record entered
in the system is never overwritten by a ledger: a difference is reported as a problem, to be corrected
in the system. A blank optional cell (申请方式, 承办科室, 备注) leaves the stored value as it is.

Speed: every lookup is one query for the whole file; new requests and their events go in as bulk
INSERTs (executemany, RETURNING ids), so 100,000 rows take seconds (bench/bench_import.py).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from difflib import SequenceMatcher
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import audit
from ..accounts.models import Agency, Section
from ..accounts.roles import require
from ..disclosure import clock as request_clock
from ..disclosure.intake import case_pattern
from ..disclosure.models import CONCLUDED, IN_PROGRESS, REGISTERED, CaseCounter, DisclosureRequest, Review
from ..errors import ConflictError
from ..extensions import db
from ..numbering import format_number, next_seq
from ..rules import proposals as proposal_rules
from ..rules.clock import today_cn, utcnow
from ..rules.outcomes import outcome as outcome_of
from ..unit_of_work import unit_of_work
from ..workcal.service import current_calendar
from . import parse, runs
from .parse import PROPOSALS, REGISTER, REQUESTS, REVIEWS, LedgerInvalid, Problem

Progress = Callable[[str, int, int], None]  # (stage label, done, total)
CHUNK = 5000

KIND_LABELS = {k: s.label for k, s in parse.SPECS.items()}


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class Summary:
    filename: str
    dry_run: bool
    counts: dict[str, Counts] = field(default_factory=dict)
    sections_created: list[str] = field(default_factory=list)
    # A section name of the file that is no section of the agency -> the agency's active sections, the
    # closest names first (a 投资课 typed for 投资科), to map it to one of them instead of creating it.
    section_choices: dict[str, list[str]] = field(default_factory=dict)
    sections_mapped: dict[str, str] = field(default_factory=dict)  # file name -> existing section used
    numbers_generated: int = 0
    unknown_columns: dict[str, list[str]] = field(default_factory=dict)  # sheet -> headers ignored
    computed_columns: dict[str, list[str]] = field(default_factory=dict)  # sheet -> 状态/答复期限

    def as_dict(self) -> dict:
        return {
            "file": self.filename,
            "dry_run": self.dry_run,
            "counts": {k: vars(c) for k, c in self.counts.items()},
            "sections_created": self.sections_created,
            "sections_mapped": self.sections_mapped,
            "numbers_generated": self.numbers_generated,
            "unknown_columns": self.unknown_columns,
        }

    def lines(self) -> list[str]:
        """The summary in Chinese, one line each (CLI output and the preview page)."""
        verb = "将" if self.dry_run else "已"
        out = []
        for kind, c in self.counts.items():
            out.append(
                f"{KIND_LABELS[kind]}：{verb}新增 {c.created} 条，{verb}更新 {c.updated} 条，未变 {c.unchanged} 条"
            )
        if self.numbers_generated:
            out.append(f"未填编号的 {self.numbers_generated} 件申请{verb}自动编号")
        for name, existing in self.sections_mapped.items():
            out.append(f"台账中的科室“{name}”{verb}按现有科室“{existing}”导入")
        if self.sections_created:
            out.append(f"{verb}新建科室（{len(self.sections_created)} 个）：" + "、".join(self.sections_created))
        for sheet, headers in self.unknown_columns.items():
            out.append(f"工作表“{sheet}”中以下列无法识别，已忽略：" + "、".join(headers))
        for sheet, headers in self.computed_columns.items():
            out.append(f"工作表“{sheet}”中的" + "、".join(headers) + "由系统计算，导入时忽略")
        return out


def _key(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def _noop(stage: str, done: int, total: int) -> None:
    return None


def closest_sections(name: str, existing: list[str]) -> list[str]:
    """The existing section names, the most alike to ``name`` first (share of characters in common, in
    order), then by name: 投资课 lists 投资科 before 规划科."""
    return sorted(existing, key=lambda other: (-SequenceMatcher(None, name, other).ratio(), other))


def _map_sections(parsed: list, section_map: dict[str, str], sections: dict[str, int]) -> tuple[dict, list]:
    """Read the file's section names as the user mapped them to existing sections (in place); returns
    (the mappings used, problems)."""
    problems = [
        Problem("", 0, "", f"科室“{target}”不是本机关的科室，无法把台账中的“{name}”对应到它，请重新选择")
        for name, target in section_map.items()
        if target not in sections
    ]
    if problems or not section_map:
        return {}, problems
    used: dict[str, str] = {}

    def mapped(name):
        if name in section_map:
            used[name] = section_map[name]
            return section_map[name]
        return name

    for sheet in parsed:
        spec = parse.SPECS[sheet.kind]
        for row in sheet.rows:
            for f in spec.fields:
                value = row.values.get(f.key)
                if f.type == parse.SECTION and value:
                    row.values[f.key] = mapped(value)
                elif f.type == parse.SECTIONS and value:
                    row.values[f.key] = list(dict.fromkeys(mapped(n) for n in value))
            lead = row.values.get("lead_section")
            if lead and lead in (row.values.get("cohandlers") or ()):
                problems.append(
                    Problem(
                        sheet.sheet, row.row, "协办科室", f"按所选对应后，主办科室“{lead}”同时是协办科室，请重新选择"
                    )
                )
    return used, problems


# ------------------------------------------------------------------------------------------ planning


@dataclass
class _Plan:
    """What the write phase will do, decided entirely before anything is written."""

    agency: Agency
    sections: dict[str, int]  # existing section name -> id
    new_sections: list[str] = field(default_factory=list)
    new_requests: list = field(default_factory=list)  # (RequestRow, status, deadline fields)
    request_updates: list = field(default_factory=list)  # (id, RequestRow, diff)
    request_ids: dict[str, int] = field(default_factory=dict)  # existing number key -> id
    request_received: dict[str, date] = field(default_factory=dict)  # number key -> receipt date (file + DB)
    new_reviews: list = field(default_factory=list)
    review_notes: dict[int, str] = field(default_factory=dict)  # review row -> data-quality note (issue 11)
    review_updates: list = field(default_factory=list)  # (Review id, request number, row, diff)
    new_proposals: list = field(default_factory=list)
    proposal_updates: list = field(default_factory=list)  # (Proposal id, row, diff)
    new_register: list = field(default_factory=list)  # clean values for RegisterEntry
    register_updates: list = field(default_factory=list)  # (id, clean, diff)


# A record entered in the system is never overwritten by a ledger (see the module docstring).
ENTERED_ITEM = "该件是在系统中登记的建议提案，台账中的{fields}与系统不一致；请在系统中修改，或从台账中删除这一行"
ENTERED_ENTRY = "该条是在系统中登记的，台账内容与系统不一致；请在系统的登记簿中修改，或从台账中删除这一行"


def _refuse(problems: list[Problem], sheet: parse.ParsedSheet, row, column: str, message: str) -> None:
    problems.append(Problem(sheet.sheet, row.row, column, message))


def _section(plan: _Plan, name: str | None) -> None:
    if name and name not in plan.sections and name not in plan.new_sections:
        plan.new_sections.append(name)


def _status(row: parse.Row) -> str:
    if row.concluded_on and row.outcome:
        return CONCLUDED
    return IN_PROGRESS if row.section else REGISTERED


class _Clock(SimpleNamespace):
    """What tracker.disclosure.clock.refresh reads and writes, without an ORM object per imported row."""


def _deadline(received_on: date, calendar) -> dict:
    c = _Clock(received_on=received_on, clock_actions=[], due_date=None, due_provisional=False, clarification_due=None)
    request_clock.refresh(c, calendar)
    return {"due_date": c.due_date, "due_provisional": c.due_provisional, "clarification_due": c.clarification_due}


def _spec(kind: str) -> parse.KindSpec:
    """The sheet's field spec (tracker.ledger.fields), read when used."""
    return parse.SPECS[kind]


def _request_cols() -> tuple:
    """What planning reads of the agency's requests: the ledger's columns and the match's state."""
    R = DisclosureRequest
    return (R.id, *(getattr(R, f.column) for f in _spec(REQUESTS).fields if f.column), R.status, R.source)


def _plan_requests(plan: _Plan, sheet: parse.ParsedSheet, calendar, problems: list[Problem]) -> Counts:
    counts = Counts()
    agency_id = plan.agency.id
    existing = {
        _key(r.number): r
        for r in db.session.execute(select(*_request_cols()).where(DisclosureRequest.agency_id == agency_id))
    }
    for key, r in existing.items():
        plan.request_ids[key] = r.id
        plan.request_received[key] = r.received_on
    by_content: dict[tuple, object] = {}
    if any(row.number is None for row in sheet.rows):
        by_content = {
            (r.received_on, r.applicant_name, r.content): r for r in existing.values() if r.source == "import"
        }
    section_names = {v: k for k, v in plan.sections.items()}

    def fail(row, column: str, message: str) -> None:
        problems.append(Problem(sheet.sheet, row.row, column, message))

    for row in sheet.rows:
        match = (
            existing.get(_key(row.number))
            if row.number
            else by_content.get((row.received_on, row.applicant_name, row.content))
        )
        if row.number:
            plan.request_received[_key(row.number)] = row.received_on
        if match is None:
            extra = {}
            if _status(row) != CONCLUDED:
                try:
                    extra = _deadline(row.received_on, calendar)
                except ValueError as e:
                    fail(row, "收到日期", f"无法计算答复期限：{e}")
                    continue
            plan.new_requests.append((row, _status(row), extra))
            _section(plan, row.section)
            counts.created += 1
            continue
        if match.status == CONCLUDED and row.concluded_on is None:
            fail(
                row,
                "办结日期",
                f"系统中该申请已于{match.concluded_on}办结（{outcome_of(match.outcome).short_label}），"
                "台账中未填写办结日期和办理结果；导入不会撤销办结，请补全这两列",
            )
            continue
        diff = _spec(REQUESTS).diff(row.values, match, section_names)
        if not diff:
            counts.unchanged += 1
            continue
        if match.source != "import":
            fields = _spec(REQUESTS).labels(diff)
            fail(
                row,
                "编号",
                f"“{match.number}”是在系统中登记的申请，台账中的{fields}与系统不一致；"
                "系统中登记的案件请在系统中修改，或从台账中删除这一行",
            )
            continue
        plan.request_updates.append((match.id, row, diff))
        _section(plan, row.section)
        counts.updated += 1
    return counts


def _plan_reviews(plan: _Plan, sheet: parse.ParsedSheet, problems: list[Problem]) -> Counts:
    counts = Counts()
    existing = {}
    for review, number in db.session.execute(
        select(Review, DisclosureRequest.number)
        .join(DisclosureRequest, Review.request_id == DisclosureRequest.id)
        .where(Review.agency_id == plan.agency.id)
    ):
        existing[(_key(number), review.kind, review.filed_on)] = review
    # Reconsiderations known per request (file rows and the database), for 复议后起诉.
    reconsiderations: dict[str, list[date | None]] = defaultdict(list)
    for (number, kind, _filed), review in existing.items():
        if kind == "reconsideration":
            reconsiderations[number].append(review.concluded_on)
    for row in sheet.rows:
        if row.kind == "reconsideration":
            reconsiderations[_key(row.number)].append(row.concluded_on)

    for row in sheet.rows:
        number = _key(row.number)
        received = plan.request_received.get(number)
        if received is None:
            problems.append(
                Problem(
                    sheet.sheet,
                    row.row,
                    "编号",
                    f"找不到编号为“{row.number}”的政府信息公开申请（文件和系统中都没有），请核对编号，或先导入该申请",
                )
            )
            continue
        if row.filed_on < received:
            problems.append(
                Problem(
                    sheet.sheet,
                    row.row,
                    "提起日期",
                    f"提起日期{row.filed_on.isoformat()}早于该申请的收到日期{received.isoformat()}，请核对",
                )
            )
            continue
        note = None
        if row.kind == "litigation_after_reconsideration" and not any(
            d is not None and d <= row.filed_on for d in reconsiderations[number]
        ):
            # The reconsideration predates the records or was never registered with us (the 2024 ledgers of
            # real reports hold such lawsuits): imported and counted, with a note the report lists.
            note = (
                f"复议后起诉：所依据的行政复议不在本系统记录中（台账导入，起诉日期{row.filed_on.isoformat()}），"
                "已按台账计入表四"
            )
        match = existing.get((number, row.kind, row.filed_on))
        if match is None:
            plan.new_reviews.append(row)
            if note:
                plan.review_notes[row.row] = note
            counts.created += 1
            continue
        diff = _spec(REVIEWS).diff(row.values, match, {})
        if diff:
            plan.review_updates.append((match.id, row, diff))
            counts.updated += 1
        else:
            counts.unchanged += 1
    return counts


def _proposal_status(row: parse.Row) -> str:
    # A ledger records where an item ended; a 不满意 answer's re-handling is not in it, so an item with
    # feedback is closed (re-handling after import is recorded in the system).
    if row.reply_date is None:
        return proposal_rules.ASSIGNED
    return proposal_rules.CLOSED if row.satisfaction else proposal_rules.REPLIED


def _plan_proposals(plan: _Plan, sheet: parse.ParsedSheet, problems: list[Problem]) -> Counts:
    from ..proposals.models import Proposal

    counts = Counts()
    existing = {
        (p.kind, p.session, _key(p.number)): p
        for p in db.session.scalars(
            select(Proposal).where(Proposal.agency_id == plan.agency.id).options(selectinload(Proposal.cohandlers))
        )
    }
    section_names = {v: k for k, v in plan.sections.items()}
    for row in sheet.rows:
        match = existing.get((row.kind, row.session, _key(row.number)))
        for name in (row.lead_section, *row.cohandlers):
            _section(plan, name)
        if match is None:
            plan.new_proposals.append(row)
            counts.created += 1
            continue
        diff = _spec(PROPOSALS).diff(row.values, match, section_names)
        if not diff:
            counts.unchanged += 1
        elif match.source != "import":
            _refuse(problems, sheet, row, "编号", ENTERED_ITEM.format(fields=_spec(PROPOSALS).labels(diff)))
        else:
            plan.proposal_updates.append((match.id, row, diff))
            counts.updated += 1
    return counts


def _register_clean(row: parse.Row, today: date, sheet: str, problems: list[Problem]) -> dict | None:
    """Classify the row by its category and check it with the register's own rules (reports.registers)."""
    from ..reports import registers
    from ..reports.models import DECISION, DOCUMENT, FEE, PROACTIVE

    spec = _spec(REGISTER)
    by_label = {label: (kind, cid) for kind in (DOCUMENT, DECISION, FEE) for cid, label in registers.categories(kind)}
    by_label.update({cid: (kind, cid) for kind in (DOCUMENT, DECISION, FEE) for cid, _ in registers.categories(kind)})
    text = row.category.strip()
    kind, category = by_label.get(text, (PROACTIVE, text))
    rule = registers.SPECS[kind]
    found = []
    if "abolished_on" in row.given and not rule.has_abolition:
        found.append(("abolished_on", "废止日期只适用于规章和行政规范性文件，请清空"))
    if "amount_yuan" in row.given and not rule.has_amount:
        found.append(("amount_yuan", "金额只适用于行政事业性收费，请清空"))
    if "quantity" in row.given and not rule.has_quantity:
        found.append(("quantity", "数量只适用于行政许可、行政处罚、行政强制，请清空"))
    data = {
        "entry_date": row.entry_date,
        "category": category,
        "title": row.title,
        "doc_number": row.doc_number,
        "abolished_on": row.abolished_on,
        "quantity": row.quantity or "1",
        "amount_yuan": row.amount_yuan,
    }
    clean = None
    try:
        clean = registers.validate(kind, data, today)
    except registers.RegisterInvalid as e:
        found.extend(e.errors.items())
    if found:
        for key, message in found:
            header = spec.col(key).header if key in {f.key for f in spec.fields} else "类别"
            problems.append(Problem(sheet, row.row, header, message.rstrip("。")))
        return None
    return clean


def _register_key(clean: dict) -> tuple:
    from ..reports.models import DOCUMENT

    if clean["kind"] == DOCUMENT:
        return (clean["kind"], clean["category"], _key(clean["doc_number"] or ""))
    return (clean["kind"], clean["category"], clean["entry_date"], _key(clean["title"]))


def _register_fields() -> tuple[str, ...]:
    return tuple(f.key for f in _spec(REGISTER).compared)  # the category is part of the match


def _plan_register(plan: _Plan, sheet: parse.ParsedSheet, today: date, problems: list[Problem]) -> Counts:
    from ..reports.models import RegisterEntry

    counts = Counts()
    existing = {
        _register_key(vars(e)): e
        for e in db.session.scalars(select(RegisterEntry).where(RegisterEntry.agency_id == plan.agency.id))
    }
    seen: dict[tuple, int] = {}
    for row in sheet.rows:
        clean = _register_clean(row, today, sheet.sheet, problems)
        if clean is None:
            continue
        key = _register_key(clean)
        if key in seen:
            _refuse(
                problems,
                sheet,
                row,
                "标题",
                f"与第{seen[key]}行是同一条登记（"
                + ("类别和文号相同" if len(key) == 3 else "类别、日期和标题相同")
                + "），同一文件中不能出现两次",
            )
            continue
        seen[key] = row.row
        match = existing.get(key)
        if match is None:
            plan.new_register.append(clean)
            counts.created += 1
            continue
        diff = {
            k: [getattr(match, k), clean[k]]
            for k in _register_fields()
            if (
                Decimal(getattr(match, k))
                if k == "amount_yuan" and getattr(match, k) is not None
                else getattr(match, k)
            )
            != clean[k]
        }
        if not diff:
            counts.unchanged += 1
        elif match.source != "import":
            _refuse(problems, sheet, row, "标题", ENTERED_ENTRY)
        else:
            plan.register_updates.append((match.id, clean, diff))
            counts.updated += 1
    return counts


# ------------------------------------------------------------------------------------------- writing


def _event_rows(kind: str, subject_type: str, items: list[tuple[int, dict]], actor, agency_id: int, now) -> list[dict]:
    if kind not in audit.EVENT_LABELS:
        raise KeyError(f"unknown event kind {kind!r}")
    actor_id = getattr(actor, "id", None)
    return [
        {
            "kind": kind,
            "subject_type": subject_type,
            "subject_id": sid,
            "actor_id": actor_id,
            "agency_id": agency_id,
            "created_at": now,
            "data": audit._jsonable(data),
            "note": None,
        }
        for sid, data in items
    ]


def _bulk_events(rows: list[dict]) -> None:
    rows = audit.chained(rows)  # the hash chain (issue 14): computed in order, inserted in that order
    for i in range(0, len(rows), CHUNK):
        db.session.execute(insert(audit.Event), rows[i : i + CHUNK])


def _allocator(agency_id: int, year: int):
    """Sequence numbers for `year` in blocks: one counter UPDATE per block, never one per row."""
    pool: deque[int] = deque()

    def take(count: int) -> None:
        first = next_seq(agency_id, "request", year)
        last = first
        if count > 1:
            last = db.session.execute(
                update(CaseCounter)
                .where(CaseCounter.agency_id == agency_id, CaseCounter.kind == "request", CaseCounter.year == year)
                .values(last_seq=CaseCounter.last_seq + (count - 1))
                .returning(CaseCounter.last_seq)
            ).scalar_one()
        pool.extend(range(first, last + 1))

    def next_(wanted: int) -> int:
        if not pool:
            take(max(wanted, 1))
        return pool.popleft()

    return next_


def _write_requests(plan: _Plan, ctx: dict, progress: Progress) -> tuple[dict[str, int], int]:
    """Insert new requests (numbers allocated per year) and apply updates; returns number key -> id."""
    agency = plan.agency
    pattern = case_pattern(agency)
    taken = set(plan.request_ids) | {_key(r.number) for r, _, _ in plan.new_requests if r.number}
    by_year: dict[int, list] = defaultdict(list)
    for item in plan.new_requests:
        by_year[item[0].received_on.year].append(item)
    now, actor_id = ctx["now"], getattr(ctx["actor"], "id", None)
    values: list[dict] = []
    generated = 0
    for year, items in sorted(by_year.items()):
        take = _allocator(agency.id, year)
        blanks = [it for it in items if not it[0].number]
        given = [it for it in items if it[0].number]
        skipped: deque[int] = deque()
        numbered: list[tuple] = []
        for i, item in enumerate(blanks):
            while True:
                seq = take(len(blanks) - i + len(given))
                number = format_number(pattern, year, seq)
                if _key(number) not in taken:
                    taken.add(_key(number))
                    numbered.append((item, seq, number))
                    generated += 1
                    break
                skipped.append(seq)
        for i, item in enumerate(given):
            seq = skipped.popleft() if skipped else take(len(given) - i)
            numbered.append((item, seq, item[0].number))
        numbered.sort(key=lambda t: t[0][0].row)
        for (row, status, deadline), seq, number in numbered:
            values.append(
                {
                    **_spec(REQUESTS).record_values(row.values, ctx["section_ids"]),
                    "agency_id": agency.id,
                    "year": year,
                    "seq": seq,
                    "number": number,
                    "id_type": "none",
                    "subject": row.subject,
                    "status": status,
                    "due_date": deadline.get("due_date"),
                    "due_provisional": deadline.get("due_provisional", False),
                    "clarification_due": deadline.get("clarification_due"),
                    "withdrawn": False,
                    "source": "import",
                    "created_by_id": actor_id,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
    total = len(values) + len(plan.request_updates)
    # Plain executemany on the table (no RETURNING: correlating returned ids row by row costs more than
    # the insert itself); the new ids are then read back in one query by (agency, year, seq).
    table = DisclosureRequest.__table__
    for i in range(0, len(values), CHUNK):
        db.session.execute(insert(table), values[i : i + CHUNK])
        progress("写入依申请公开申请", i + min(CHUNK, len(values) - i), total)
    ids: dict[str, int] = dict(plan.request_ids)
    if values:
        by_seq: dict[tuple[int, int], int] = {}
        for year in by_year:
            seqs = [v["seq"] for v in values if v["year"] == year]
            by_seq.update(
                {
                    (year, s): rid
                    for rid, s in db.session.execute(
                        select(DisclosureRequest.id, DisclosureRequest.seq).where(
                            DisclosureRequest.agency_id == agency.id,
                            DisclosureRequest.year == year,
                            DisclosureRequest.seq.between(min(seqs), max(seqs)),
                        )
                    )
                }
            )
        events = []
        for v in values:
            rid = by_seq[(v["year"], v["seq"])]
            ids[_key(v["number"])] = rid
            events.append(
                (
                    rid,
                    {
                        "file": ctx["filename"],
                        "by": ctx["who"],
                        "number": v["number"],
                        "status": v["status"],
                        "outcome": v["outcome"],
                    },
                )
            )
        _bulk_events(_event_rows("request.imported", "request", events, ctx["actor"], agency.id, now))
    _apply_request_updates(plan, ctx)
    progress("写入依申请公开申请", total, total)
    return ids, generated


def _apply_request_updates(plan: _Plan, ctx: dict) -> None:
    if not plan.request_updates:
        return
    wanted = {rid: (row, diff) for rid, row, diff in plan.request_updates}
    calendar = ctx["calendar"]
    id_list = list(wanted)
    for i in range(0, len(id_list), CHUNK):
        cases = db.session.scalars(
            select(DisclosureRequest)
            .where(DisclosureRequest.id.in_(id_list[i : i + CHUNK]))
            .options(selectinload(DisclosureRequest.clock_actions))
        ).all()
        for req in cases:
            row, diff = wanted[req.id]
            for f in _spec(REQUESTS).compared:
                if f.key in diff:
                    setattr(req, f.column, f.to_record(row.values[f.key], ctx["section_ids"]))
            if "content" in diff:
                req.subject = row.subject
            if "section" in diff and req.status == REGISTERED:
                req.status = IN_PROGRESS
            if row.concluded_on is not None:
                req.status, req.outcome, req.concluded_on = CONCLUDED, row.outcome, row.concluded_on
                req.pause_reason = req.paused_from = None
            if req.status != CONCLUDED:
                diff.update(request_clock.refresh(req, calendar))
            req.updated_at = ctx["now"]
            audit.log(
                "request.imported",
                req,
                ctx["actor"],
                {"file": ctx["filename"], "by": ctx["who"], **audit.mask_personal(diff)},
                note="按台账更新",
            )


def _write_sections(plan: _Plan, ctx: dict) -> None:
    ids = dict(plan.sections)
    for name in plan.new_sections:
        s = Section(agency_id=plan.agency.id, name=name)
        db.session.add(s)
        db.session.flush()
        ids[name] = s.id
        audit.log("section.created", s, ctx["actor"], {"name": name, "file": ctx["filename"]}, note="导入台账时新建")
    ctx["section_ids"] = ids


def _write_reviews(plan: _Plan, ctx: dict, ids: dict[str, int]) -> None:
    agency_id = plan.agency.id
    for row in plan.new_reviews:
        rid = ids[_key(row.number)]
        db.session.add(
            Review(
                agency_id=agency_id,
                request_id=rid,
                data_note=plan.review_notes.get(row.row),
                created_at=ctx["now"],
                **_spec(REVIEWS).record_values(row.values, {}),
            )
        )
        audit.record(
            "review.imported",
            subject_type="request",
            subject_id=rid,
            actor=ctx["actor"],
            agency_id=agency_id,
            data={
                "file": ctx["filename"],
                "by": ctx["who"],
                "kind": parse.REVIEW_KIND_LABELS[row.kind],
                "filed_on": row.filed_on,
                "concluded_on": row.concluded_on,
                "result": row.result,
            },
        )
    for review_id, row, diff in plan.review_updates:
        review = db.session.get(Review, review_id)
        for f in _spec(REVIEWS).compared:
            setattr(review, f.column, row.values[f.key])
        audit.record(
            "review.imported",
            subject_type="request",
            subject_id=review.request_id,
            actor=ctx["actor"],
            agency_id=agency_id,
            data={"file": ctx["filename"], "by": ctx["who"], **diff},
            note="按台账更新",
        )


def _proposal_values(p, row: parse.Row, ctx: dict) -> None:
    from ..proposals import clock as proposal_clock
    from ..proposals.models import ProposalCohandler, ProposalReply

    ids = ctx["section_ids"]
    for column, value in _spec(PROPOSALS).record_values(row.values, ids).items():
        setattr(p, column, value)
    p.status = _proposal_status(row)
    p.cohandlers = [ProposalCohandler(section_id=ids[name], mode="assist") for name in row.cohandlers]
    calendar = ctx["calendar"]
    if p.status in proposal_rules.OPEN_STATUSES:
        p.replies = []
        proposal_clock.refresh(p, calendar)
    else:
        due = proposal_clock.reply_deadline(p, calendar)
        p.due_date, p.due_provisional = due.due, due.provisional
        p.replies = [
            ProposalReply(
                round=1,
                result_class=row.result_class,
                reply_date=row.reply_date,
                due_date=due.due,
                satisfaction=row.satisfaction,
                replied_by_id=getattr(ctx["actor"], "id", None),
            )
        ]


def _log_created(ctx: dict, kind: str, created: list, seen: dict[str, str]) -> None:
    """An event for each new record: the file, who imported it, and ``seen`` ({event key: attribute})."""
    db.session.flush()
    for record in created:
        data = {key: getattr(record, attr) for key, attr in seen.items()}
        audit.log(kind, record, ctx["actor"], {"file": ctx["filename"], "by": ctx["who"], **data})


# What the event of a new imported item or register entry says of it.
_PROPOSAL_SEEN = {"kind": "kind_label", "session": "session", "number": "number", "status": "status_label"}
_ENTRY_SEEN = {"category": "category", "entry_date": "entry_date", "title": "title"}


def _write_proposals(plan: _Plan, ctx: dict) -> None:
    from ..proposals import clock as proposal_clock
    from ..proposals.models import Proposal

    if not plan.new_proposals and not plan.proposal_updates:
        return
    months = proposal_clock.config_months()
    agency_id = plan.agency.id
    created = []
    for row in plan.new_proposals:
        p = Proposal(
            agency_id=agency_id,
            round=1,
            period_months=months["reply"],
            cohandler_months=months["cohandler"],
            source="import",
            created_by_id=getattr(ctx["actor"], "id", None),
        )
        _proposal_values(p, row, ctx)
        db.session.add(p)
        created.append(p)
    _log_created(ctx, "proposal.imported", created, _PROPOSAL_SEEN)
    if plan.proposal_updates:
        by_id = {pid: (row, diff) for pid, row, diff in plan.proposal_updates}
        for p in db.session.scalars(
            select(Proposal)
            .where(Proposal.id.in_(list(by_id)))
            .options(selectinload(Proposal.cohandlers), selectinload(Proposal.replies))
        ):
            row, diff = by_id[p.id]
            _proposal_values(p, row, ctx)
            audit.log(
                "proposal.imported",
                p,
                ctx["actor"],
                {"file": ctx["filename"], "by": ctx["who"], **diff},
                note="按台账更新",
            )


def _write_register(plan: _Plan, ctx: dict) -> None:
    from ..reports.models import RegisterEntry

    agency_id, actor = plan.agency.id, ctx["actor"]
    created = []
    for clean in plan.new_register:
        e = RegisterEntry(agency_id=agency_id, source="import", created_by_id=getattr(actor, "id", None), **clean)
        db.session.add(e)
        created.append(e)
    _log_created(ctx, "register.imported", created, _ENTRY_SEEN)
    for entry_id, clean, diff in plan.register_updates:
        e = db.session.get(RegisterEntry, entry_id)
        for k in _register_fields():
            setattr(e, k, clean[k])
        audit.log(
            "register.imported",
            e,
            actor,
            {
                "file": ctx["filename"],
                "by": ctx["who"],
                **{
                    k: [str(a) if isinstance(a, Decimal) else a, str(b) if isinstance(b, Decimal) else b]
                    for k, (a, b) in diff.items()
                },
            },
            note="按台账更新",
        )


# ---------------------------------------------------------------------------------------------- entry


def import_ledger(
    actor,
    filename: str,
    source,
    *,
    agency: Agency | None = None,
    kind: str | None = None,
    dry_run: bool = False,
    who: str | None = None,
    today: date | None = None,
    progress: Progress | None = None,
    section_map: dict[str, str] | None = None,
    job_id: int | None = None,
) -> Summary:
    """Check the whole file, then (unless a dry run) write it in one transaction.

    ``actor`` is the user importing (None from the command line, with ``who`` saying who ran it);
    ``source`` is a path or the file's bytes; ``section_map``: section names of the file to read as
    existing sections of the agency (the preview's offer). Raises LedgerInvalid listing every problem:
    nothing written.

    An import holds the agency's import lock (tracker.ledger.runs) from before it reads what the database
    holds until its transaction commits: ``job_id`` is the upload page's job, whose runner took the lock
    and beats; without one the import takes the lock itself (a new `import_job` row) and beats while it
    runs, and raises ImportBusy while another import of the agency runs.
    """
    require(actor, "ledger.import", "只有政务公开办或系统管理员可以导入台账。")
    if kind is not None and kind not in parse.SPECS:
        raise LedgerInvalid([Problem("", 0, "", f"未知的台账类型“{kind}”，应为 " + "、".join(parse.SPECS))])
    agency = agency or actor.agency
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    args = (actor, filename, source, agency, kind, dry_run, who, today or today_cn(), section_map)
    if dry_run or job_id is not None:
        return _import(*args, progress or _noop, job_id)
    job_id = runs.acquire(agency.id, user_id=getattr(actor, "id", None), filename=name, ledger_kind=kind)
    try:
        with runs.heartbeat(job_id) as beat:

            def tracked(stage: str, done: int, total: int) -> None:
                beat.update(stage=stage, done=done, total=max(total, done))
                if progress is not None:
                    progress(stage, done, total)

            return _import(*args, tracked, job_id)
    except BaseException:
        # A refusal changes nothing: the lock's row goes too (the upload page's jobs keep theirs, to show).
        db.session.rollback()
        runs.release(job_id)
        raise


SYSTEM_ERROR = "导入时发生系统错误，数据库没有任何改动。请稍后重试或联系系统管理员。"


def _import(
    actor,
    filename: str,
    source,
    agency: Agency,
    kind: str | None,
    dry_run: bool,
    who: str | None,
    today: date,
    section_map: dict[str, str] | None,
    progress: Progress,
    job_id: int | None,
) -> Summary:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    summary = Summary(filename=name, dry_run=dry_run)

    limits = parse.Limits.from_config(current_app.config)
    sheets = parse.open_file(filename, source, limits)
    selected, problems = parse.select_sheets(sheets, kind)
    parsed: list[parse.ParsedSheet] = []
    for sheet, sheet_kind in selected:
        label = f"读取“{sheet.name}”"
        result, found = parse.read_sheet(
            sheet,
            sheet_kind,
            today,
            lambda n, label=label, total=sheet.size_hint: progress(label, n, total),
            limits,
        )
        problems.extend(found)
        if result is not None:
            parsed.append(result)
            if result.header.unknown:
                summary.unknown_columns[sheet.name] = result.header.unknown
            if result.header.computed:
                summary.computed_columns[sheet.name] = result.header.computed
    sections = dict(db.session.execute(select(Section.name, Section.id).where(Section.agency_id == agency.id)).all())
    summary.sections_mapped, found = _map_sections(parsed, section_map or {}, sections)
    problems.extend(found)
    if problems:
        raise LedgerInvalid(problems)

    progress("核对系统中已有的记录", 0, 1)
    plan = _Plan(agency=agency, sections=sections)
    calendar = current_calendar()
    parsed.sort(key=lambda s: parse.ORDER.index(s.kind))
    if not any(s.kind == REQUESTS for s in parsed) and any(s.kind == REVIEWS for s in parsed):
        plan.request_received = {
            _key(n): r
            for n, r in db.session.execute(
                select(DisclosureRequest.number, DisclosureRequest.received_on).where(
                    DisclosureRequest.agency_id == agency.id
                )
            )
        }
        plan.request_ids = {
            _key(n): i
            for n, i in db.session.execute(
                select(DisclosureRequest.number, DisclosureRequest.id).where(DisclosureRequest.agency_id == agency.id)
            )
        }
    for sheet in parsed:
        if sheet.kind == REQUESTS:
            counts = _plan_requests(plan, sheet, calendar, problems)
            summary.numbers_generated = sum(1 for r, _, _ in plan.new_requests if not r.number)
        elif sheet.kind == REVIEWS:
            counts = _plan_reviews(plan, sheet, problems)
        elif sheet.kind == parse.PROPOSALS:
            counts = _plan_proposals(plan, sheet, problems)
        else:
            counts = _plan_register(plan, sheet, today, problems)
        summary.counts[sheet.kind] = counts
    if problems:
        raise LedgerInvalid(problems)
    summary.sections_created = list(plan.new_sections)
    active = list(
        db.session.scalars(select(Section.name).where(Section.agency_id == agency.id, Section.active.is_(True)))
    )
    summary.section_choices = {name: closest_sections(name, active) for name in plan.new_sections if active}
    if dry_run:
        db.session.rollback()
        return summary

    ctx = {
        "actor": actor,
        "who": who or getattr(actor, "display_name", None) or "命令行",
        "filename": name,
        "now": utcnow(),
        "calendar": calendar,
    }
    try:
        _write(plan, ctx, summary, progress, job_id)
    except IntegrityError:
        # The database's own guard (unique 编号 per agency and the like): something wrote the same record
        # between the check and the commit; the whole import was rolled back.
        raise ConflictError(TAKEN) from None
    return summary


TAKEN = (
    "写入时发现有记录已被占用（例如同一编号的申请刚刚被登记或导入），本次导入已全部撤销，数据库没有任何改动；"
    "请重新上传该文件检查后再导入。"
)


def _write(plan: _Plan, ctx: dict, summary: Summary, progress: Progress, job_id: int | None) -> None:
    with unit_of_work():
        _write_sections(plan, ctx)
        ids, summary.numbers_generated = _write_requests(plan, ctx, progress)
        _write_reviews(plan, ctx, ids)
        _write_proposals(plan, ctx)
        _write_register(plan, ctx)
        audit.record(
            "ledger.imported",
            subject_type="ledger",
            subject_id=None,
            actor=ctx["actor"],
            agency_id=plan.agency.id,
            data={**summary.as_dict(), "by": ctx["who"]},
        )
        progress("提交", 1, 1)
        runs.finish_in(db.session, job_id, job_result(summary))


def job_result(summary: Summary) -> dict:
    """What the job page shows of a check or an import (`import_job.result`)."""
    return {
        "summary": summary.lines(),
        "counts": {k: vars(c) for k, c in summary.counts.items()},
        "section_choices": summary.section_choices,
    }
