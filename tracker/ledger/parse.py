"""Reading an agency's ledger (台账): files, header rows, dates, vocabularies and row checks (pure, no Flask).

A ledger arrives as .xlsx (one sheet per kind, named 依申请公开 / 复议诉讼 / 建议提案 / 主动公开, or any first
sheet with an explicit kind) or as .csv in UTF-8, UTF-8 with BOM or GB18030 (what Excel writes on Chinese
Windows). Headers are Chinese, in any order; the kind of a sheet is recognised from its headers. Every
problem is reported as ``第N行 列名: 问题`` where N is the row number Excel shows, so the user can find it.

This module turns cells into typed rows and checks each row and the file as a whole (duplicate numbers,
dates in order, known values), field by field as tracker.ledger.fields says. What needs the database (does
the request named by a review exist, what is already imported, the register rules of
tracker.reports.registers) is checked by tracker.ledger.service, which also writes.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from ..rules import text as text_rule
from ..rules.clock import LAST_INPUT_DATE
from .fields import (  # noqa: F401 (re-exported: the spec is read through this module too)
    APPLICANT_TYPE,
    CHANNEL,
    CODE,
    DATE,
    DATE_HELP,
    DEFAULT_CHANNEL,
    LIMITS,
    ORDER,
    PROPOSAL_KIND,
    PROPOSALS,
    REGISTER,
    REQUESTS,
    REVIEW_KIND,
    REVIEW_KIND_LABELS,
    REVIEW_RESULT,
    REVIEW_RESULT_LABELS,
    REVIEWS,
    SATISFACTION,
    SECTION,
    SECTIONS,
    SHEET_KINDS,
    SPECS,
    SUBJECT_MAX,
    Field,
    KindSpec,
    allowed_values,
    norm,
)

# Older years are typing mistakes; the last is the last a form accepts (rules.clock.LAST_INPUT_DATE: the
# calendar's last year is left to the deadlines that run on from an imported date).
MIN_YEAR, MAX_YEAR = 1949, LAST_INPUT_DATE.year
HEADER_SEARCH_ROWS = 10  # a title line or two above the header row is common in ledgers

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


def applicant_type(value: str) -> str | None:
    return APPLICANT_TYPE.code(value)


def channel(value: str) -> str | None:
    return CHANNEL.code(value)


def review_kind(value: str) -> str | None:
    return REVIEW_KIND.code(value)


def review_result(value: str) -> str | None:
    return REVIEW_RESULT.code(value)


def proposal_kind(value: str) -> str | None:
    return PROPOSAL_KIND.code(value)


def satisfaction(value: str) -> str | None:
    return SATISFACTION.code(value)


def split_sections(value: str) -> list[str]:
    """Several sections in one cell, separated by 、 , ， ; ； or line breaks; order kept, repeats dropped."""
    seen: list[str] = []
    for part in re.split(r"[、,，;；\n]+", value or ""):
        part = part.strip()
        if part and part not in seen:
            seen.append(part)
    return seen


# ------------------------------------------------------------------------------------------- bounds


@dataclass(frozen=True)
class Limits:
    """How much of a file the import reads at most (config ``LEDGER_*``, docs/security.md).

    An .xlsx is a zip archive: its directory says how large every part unpacks, and zipfile never
    inflates a part beyond the size its directory gives, so checking the directory before openpyxl opens
    the workbook bounds the memory and time of everything after it.
    """

    max_rows: int = 100_000  # data rows of one sheet
    max_unpacked_bytes: int = 200 * 1024 * 1024  # all parts of an .xlsx, unpacked
    max_ratio: int = 100  # unpacked / packed size of one part (a part above RATIO_MIN_BYTES)
    max_members: int = 1000  # parts of an .xlsx (a workbook of a few sheets has about 10-20)
    max_csv_bytes: int = 50 * 1024 * 1024  # a .csv file
    max_line_chars: int = 65_536  # one line of a .csv
    max_problems: int = 1000  # checking stops here: the user fixes these first

    @classmethod
    def from_config(cls, config) -> Limits:
        """The limits an app's config sets (``LEDGER_MAX_ROWS`` ... ``LEDGER_MAX_PROBLEMS``), the defaults otherwise."""
        return cls(**{f: int(config[k]) for f in cls.__dataclass_fields__ if (k := f"LEDGER_{f.upper()}") in config})


RATIO_MIN_BYTES = 1024 * 1024  # small parts (styles, a tiny sheet) compress far better than data does
_MB = 1024 * 1024


def _refusal(message: str) -> LedgerInvalid:
    return LedgerInvalid([Problem("", 0, "", message)])


def _mb(n: int) -> str:
    return f"{n / _MB:.0f} MB" if n >= _MB else f"{n} 字节"


NOT_XLSX = "无法打开该文件：它不是有效的 .xlsx 工作簿（文件已损坏或不是 Excel 文件）。旧版 .xls 请在 Excel 中另存为 .xlsx 后重新导入。"


def check_archive(source, limits: Limits) -> None:
    """Refuse an .xlsx whose zip directory is unreadable or promises too much: too many parts, more than
    ``max_unpacked_bytes`` unpacked in all, or a large part packed more than ``max_ratio`` times (a zip
    bomb). Reads only the directory, never a part."""
    try:
        with zipfile.ZipFile(source) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _refusal(NOT_XLSX) from None
    finally:
        if hasattr(source, "seek"):
            source.seek(0)
    if len(infos) > limits.max_members:
        raise _refusal(
            f"该 .xlsx 文件包含 {len(infos)} 个部件，超过上限 {limits.max_members} 个，不像是正常的 Excel 工作簿；"
            "请在 Excel 中打开后另存为新的 .xlsx 再导入。"
        )
    total = sum(i.file_size for i in infos)
    if total > limits.max_unpacked_bytes:
        raise _refusal(
            f"该 .xlsx 文件解压后共 {_mb(total)}，超过导入上限 {_mb(limits.max_unpacked_bytes)}，未读取；"
            "请删去无关的工作表、图片和空白格式，或把台账分成几个文件分别导入。"
        )
    for i in infos:
        if i.file_size > RATIO_MIN_BYTES and i.file_size > limits.max_ratio * max(i.compress_size, 1):
            ratio = i.file_size / max(i.compress_size, 1)
            raise _refusal(
                f"该 .xlsx 文件的部件“{text_rule.xml_safe(i.filename)[:80]}”压缩比为 {ratio:.0f}:1，超过上限 "
                f"{limits.max_ratio}:1（正常的台账远低于此），疑似恶意构造的文件，未读取；请在 Excel 中另存为新文件后再导入。"
            )


def too_many_rows(sheet: str, limits: Limits, about: int | None = None) -> Problem:
    found = f"约有 {about} 行，" if about is not None else ""
    return Problem(
        sheet,
        0,
        "",
        f"工作表{found}超过导入上限 {limits.max_rows} 行数据，未导入；请把台账分成几个文件，每个不超过 {limits.max_rows} 行后分别导入",
    )


# -------------------------------------------------------------------------------------------- files


@dataclass
class Sheet:
    """One table of the file: its name, the raw rows (with Excel row numbers) and an estimate of their count."""

    name: str
    rows: Callable[[], Iterator[tuple[int, tuple]]]  # a fresh iterator each call: (row number, cell values)
    size_hint: int = 0
    # An upper estimate of the rows that hold cells, read cheaply before any row is checked (None: unknown).
    count_rows: Callable[[], int] | None = None


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


def csv_sheets(data: bytes, name: str = "CSV", limits: Limits | None = None) -> list[Sheet]:
    limits = limits or Limits()
    if len(data) > limits.max_csv_bytes:
        raise _refusal(
            f"该 .csv 文件有 {_mb(len(data))}，超过导入上限 {_mb(limits.max_csv_bytes)}，未读取；请把台账分成几个文件分别导入。"
        )
    content = decode_csv(data)
    del data
    # One line at a time (StringIO iterates lines in C, no list of them); the newline counts too.
    if max(map(len, io.StringIO(content, newline="")), default=0) > limits.max_line_chars + 2:
        raise _refusal(
            f"该 .csv 文件有一行超过 {limits.max_line_chars} 个字符，不是正常的台账（可能不是逗号分隔的文本文件），未读取；"
            "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后重新导入。"
        )
    # Excel writes commas (or tabs for "Unicode text"); the separator that occurs most in the first
    # lines wins. csv.Sniffer guesses wrongly on Chinese text with few separators.
    head = content[:8192].splitlines()[:5]
    delimiter = max((",", "\t", ";"), key=lambda d: sum(line.count(d) for line in head))

    def records():
        return csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)

    def unreadable(n: int) -> LedgerInvalid:
        return _refusal(
            f"第{n}行无法按 CSV 格式读取（引号不成对或单元格过长），请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重新导入。"
        )

    def rows() -> Iterator[tuple[int, tuple]]:
        # Numbered by record, as Excel shows the file: a quoted cell with a line break stays one row.
        n = 0
        try:
            for n, row in enumerate(records(), start=1):
                yield n, tuple(row)
        except csv.Error:
            raise unreadable(n + 1) from None

    lines = content.count("\n") + 1

    def count_rows() -> int:
        """Records with any cell, an upper estimate of the data rows: the line count when it is small
        (a record is at least one line), else counted by the csv module in C (a million in half a second)."""
        if lines <= limits.max_rows + HEADER_SEARCH_ROWS:
            return lines
        reader = records()
        try:
            return sum(map(any, reader))
        except csv.Error:
            raise unreadable(reader.line_num + 1) from None

    return [Sheet(name, rows, lines, count_rows)]


_ROW_END = re.compile(rb"</(?:[A-Za-z_][\w.-]{0,20}:)?row>")
_KEEP = 64  # longer than any match, so a tag cut by a chunk boundary is counted in the next round


def _count_row_ends(buf: bytes) -> int:
    if b":row>" in buf:  # a namespace prefix (<x:row>): rare, the regular expression
        return len(_ROW_END.findall(buf))
    return buf.count(b"</row>")


def _closed_rows(archive, member: str) -> int:
    """Rows with cells in a worksheet part (``</row>`` tags; an empty formatted row is ``<row/>``), counted
    by streaming the part: the directory check bounds how much is inflated."""
    count, tail = 0, b""
    with zipfile.ZipFile(archive) as zf, zf.open(member) as part:
        while chunk := part.read(1 << 20):
            buf = tail + chunk
            tail = buf[max(len(buf) - _KEEP, 0) :]
            # a tag wholly inside the tail is counted again with the next chunk
            count += _count_row_ends(buf) - _count_row_ends(tail)
    return count + _count_row_ends(tail)


def _sheet_parts(source) -> list[tuple[str, str]]:
    """(sheet name, worksheet part) of every sheet, read from xl/workbook.xml and its relationships (small
    parts, bounded by the directory check); the part's own name where they cannot be read."""
    from xml.etree import ElementTree

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    rel_id = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    with zipfile.ZipFile(source) as zf:
        names = set(zf.namelist())
        parts = sorted(n for n in names if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n))
        try:
            targets = {
                r.get("Id"): r.get("Target", "") for r in ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
            }
            found = []
            for sheet in ElementTree.fromstring(zf.read("xl/workbook.xml")).iterfind("m:sheets/m:sheet", ns):
                target = targets.get(sheet.get(rel_id), "")
                part = target.lstrip("/") if target.startswith("/") else "xl/" + target
                if part in names:
                    found.append((sheet.get("name") or part, part))
            return found + [(p, p) for p in parts if p not in {f[1] for f in found}]
        except (KeyError, ElementTree.ParseError):
            return [(p, p) for p in parts]


def xlsx_sheets(source, limits: Limits | None = None) -> list[Sheet]:
    """Every sheet of an .xlsx workbook (read-only mode: rows stream, memory stays flat), after the zip
    directory passed ``check_archive`` and every sheet's rows were counted.

    The count comes first because openpyxl, opening a sheet without a ``<dimension>``, parses all of it to
    find its size: a million-row sheet would cost half a minute before any check could stop it.
    """
    from openpyxl import load_workbook

    limits = limits or Limits()
    check_archive(source, limits)
    try:
        for name, part in _sheet_parts(source):
            about = _closed_rows(source, part)
            if about > limits.max_rows + HEADER_SEARCH_ROWS:
                raise LedgerInvalid([too_many_rows(text_rule.xml_safe(name), limits, about)])
        wb = load_workbook(source, read_only=True, data_only=True)
    except LedgerInvalid:
        raise
    except Exception:
        raise _refusal(NOT_XLSX) from None
    finally:
        if hasattr(source, "seek"):
            source.seek(0)
    sheets = []
    for ws in wb.worksheets:
        hint = ws.max_row or 0
        # Some programs write a wrong <dimension>; read-only mode would stop at it, so read to the end.
        ws.reset_dimensions()

        def rows(ws=ws) -> Iterator[tuple[int, tuple]]:
            yield from enumerate(ws.iter_rows(values_only=True), start=1)

        sheets.append(Sheet(ws.title, rows, hint))
    return sheets


def open_file(filename: str, source, limits: Limits | None = None) -> list[Sheet]:
    """Sheets of a .xlsx or .csv file given as a path or bytes, within ``limits``; LedgerInvalid for other
    formats and for files beyond the limits."""
    limits = limits or Limits()
    lower = filename.lower()
    if lower.endswith(".csv"):
        if isinstance(source, bytes):
            data = source
        else:
            with open(source, "rb") as f:
                data = f.read(limits.max_csv_bytes + 1)  # never more than one byte beyond the limit
        return csv_sheets(data, name=filename.rsplit("/", 1)[-1], limits=limits)
    if lower.endswith((".xlsx", ".xlsm")):
        return xlsx_sheets(io.BytesIO(source) if isinstance(source, bytes) else source, limits)
    raise LedgerInvalid([Problem("", 0, "", "只能导入 .xlsx 或 .csv 文件；旧版 .xls 请在 Excel 中另存为 .xlsx。")])


# ------------------------------------------------------------------------------------------ headers


@dataclass
class Header:
    kind: str
    row: int  # Excel row number of the header
    positions: dict[str, int]  # column key -> index in the row
    unknown: list[str] = field(default_factory=list)  # headers of no known column (reported, ignored)
    computed: list[str] = field(default_factory=list)  # our export's 状态/答复期限 (ignored quietly)


def _matches(kind: str, cells: tuple) -> int:
    index = SPECS[kind].header_index
    return sum(1 for c in cells if isinstance(c, str) and norm(c) in index)


def detect_kind(cells: tuple) -> str | None:
    """The kind whose signature headers are all in the row (most matching headers wins), else None."""
    best, best_n = None, 0
    for kind, spec in SPECS.items():
        found = {SPECS[kind].header_index.get(norm(c)) for c in cells if isinstance(c, str)}
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
            key = SPECS[k].header_index.get(norm(label))
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
        for c in spec.fields:
            if c.required and c.key not in positions:
                problems.append(
                    Problem(
                        sheet.name,
                        n,
                        c.header,
                        f"缺少必填列“{c.header}”（表头须包含："
                        + "、".join(x.label for x in spec.fields if x.required)
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


class Row:
    """One read row: ``values`` by field key (and what the sheet derives, e.g. a request's subject), the
    Excel row number and the keys of its non-blank cells. ``row.received_on`` reads ``values``."""

    __slots__ = ("row", "values", "given")

    def __init__(self, row: int, values: dict, given: frozenset[str]):
        self.row, self.values, self.given = row, values, given

    def __getattr__(self, name: str):
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        return f"Row({self.row}, {self.values!r})"


class _Cells:
    """The cells of one row by field key, collecting the row's problems."""

    def __init__(self, sheet: str, spec: KindSpec, header: Header, n: int, values: tuple):
        self.sheet, self.spec, self.n = sheet, spec, n
        self.raw = {key: (values[i] if i < len(values) else None) for key, i in header.positions.items()}
        self.problems: list[Problem] = []
        for key, value in self.raw.items():  # NUL, control characters (tracker.rules.text): the row is refused
            if isinstance(value, str) and (why := text_rule.problem(value, multiline=True)):
                self.fail(key, why.rstrip("。"))
                self.raw[key] = text_rule.xml_safe(value)  # so that no later message quotes the character

    def fail(self, key: str, message: str) -> None:
        problem = Problem(self.sheet, self.n, self.spec.col(key).header, message)
        if problem not in self.problems:  # a cell read twice (its value and the row's identity) is one problem
            self.problems.append(problem)

    def has(self, key: str) -> bool:
        return key in self.raw and text(self.raw[key]) != ""

    def text(self, key: str, limit: int | None = None) -> str:
        value = text(self.raw.get(key))
        if limit is not None and len(value) > limit:
            self.fail(key, f"不能超过{limit}个字（现为{len(value)}个字），请精简")
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

    def read(self, f: Field, today: date):
        """The typed value of one field, its problems recorded; None for a blank or unreadable cell."""
        if f.type == DATE:
            value = self.date(f.key, f.required)
        elif f.type == CODE:
            written = self.text(f.key)
            value = f.vocabulary.code(written)
            if not written and f.required:
                self.fail(f.key, f"必填，请填写{f.vocabulary.allowed}")
            elif written and value is None:
                self.fail(f.key, f.vocabulary.unknown_message(written))
        elif f.type == SECTIONS:
            value = split_sections(self.text(f.key))
            for name in value:
                if f.limit is not None and len(name) > f.limit:
                    self.fail(f.key, f"科室名称“{name[:20]}…”超过{f.limit}个字")
        else:
            value = self.text(f.key, f.limit)
            if not value and f.required:
                self.fail(f.key, "必填，请填写")
            value = value or None
        if value is not None and f.check is not None and (message := f.check(value, today)):
            self.fail(f.key, message)
            if f.voids:
                value = None
        return value

    def row(self, today: date) -> Row | None:
        """The row's values, or None when any cell or any rule between them has a problem."""
        spec = self.spec
        values = {f.key: self.read(f, today) for f in spec.fields}
        if spec.rules is not None:
            spec.rules(self, values, today)
        if self.problems:
            return None
        if spec.derive is not None:
            values.update(spec.derive(values))
        return Row(self.n, values, frozenset(k for k in self.raw if self.has(k)))

    def identity(self) -> tuple | None:
        """The key on which re-imports match, read from the raw cells so that a repeated number is
        reported even on a row that has other problems too; None without a number."""
        parts = []
        for f in self.spec.identity:
            if f.type == DATE:
                try:
                    parts.append(parse_date(self.raw.get(f.key)))
                except BadValue:
                    return None
            elif f.type == CODE:
                parts.append(f.vocabulary.code(self.text(f.key)) or self.text(f.key))
            else:
                parts.append(_key_text(self.text(f.key)))
        keys = [f.key for f in self.spec.identity]
        if "number" not in keys or not parts[keys.index("number")]:
            return None
        return tuple(parts)


def _blank(values: tuple) -> bool:
    return all(text(v) == "" for v in values)


def _data_rows(sheet: Sheet, header: Header) -> Iterator[tuple[int, tuple]]:
    for n, values in sheet.rows():
        if n > header.row and not _blank(values):
            yield n, values


def _key_text(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


@dataclass
class ParsedSheet:
    sheet: str
    kind: str
    header: Header
    rows: list


def read_sheet(
    sheet: Sheet,
    kind: str | None,
    today: date,
    progress: Callable[[int], None] | None = None,
    limits: Limits | None = None,
) -> tuple[ParsedSheet | None, list[Problem]]:
    """Typed rows of one sheet and every problem found in it (rows with problems are left out).

    Refused as a whole, before a row is checked, when the sheet has more than ``limits.max_rows`` data
    rows; checking stops after ``limits.max_problems`` problems (the rest would only repeat them).
    """
    limits = limits or Limits()
    if sheet.count_rows is not None:
        about = sheet.count_rows()
        if about > limits.max_rows + HEADER_SEARCH_ROWS:
            return None, [too_many_rows(sheet.name, limits, about)]
    header, problems = find_header(sheet, kind)
    if header is None or problems:
        return None, problems
    spec = SPECS[header.kind]
    rows = []
    first: dict[tuple, int] = {}
    for i, (n, values) in enumerate(_data_rows(sheet, header), start=1):
        if i > limits.max_rows:
            return None, [too_many_rows(sheet.name, limits)]
        if len(problems) >= limits.max_problems:
            problems.append(
                Problem(
                    sheet.name,
                    0,
                    "",
                    f"问题已超过 {limits.max_problems} 个，第{n}行起未再检查；请先修改以上问题后重新导入",
                )
            )
            break
        cells = _Cells(sheet.name, spec, header, n, values)
        row = cells.row(today)
        key = cells.identity()
        if key is not None and key in first:
            cells.fail("number", f"{spec.describe(key)}与第{first[key]}行重复，同一文件中不能出现两次")
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
