"""Deadlines (期限) as pure functions of a start date, the clock events and the working-day calendar.

Every due date the product shows or stores comes from this module; see docs/deadlines.md for the
rules as implemented and the choices made where the law leaves room.

Validation errors raise ``ValueError`` with a Chinese message fit to show a user; oddities in stored
data that the law forbids but that must not make a deadline disappear (an extension approved after
the deadline, a pause that starts after it) are applied and reported in ``DeadlineResult.warnings``.
"""

from __future__ import annotations

import calendar as _gregorian
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from tracker.rules.effective import REGULATION_2007, REGULATION_2019, Dated, NotInForce, Version
from tracker.rules.workdays import WorkCalendar

# The answer period and the extension limit change with the Regulation: the version in force on the
# request's receipt date applies (a change applies to requests received after it).
ANSWER_PERIODS: Dated[int] = Dated(
    "政府信息公开申请答复期限",
    [
        # 2007年条例第二十四条第二款（国务院令第492号，2008-05-01施行）：15个工作日
        Version(REGULATION_2007, 15, "《政府信息公开条例》（2007）第二十四条第二款，国务院令第492号，2008-05-01施行"),
        # 条例第三十三条第一款（国务院令第711号，2019-05-15施行）：20个工作日
        Version(REGULATION_2019, 20, "《政府信息公开条例》第三十三条第一款，国务院令第711号，2019-05-15施行"),
    ],
)
EXTENSION_LIMITS: Dated[int] = Dated(
    "政府信息公开申请延长答复期限上限",
    [
        Version(REGULATION_2007, 15, "《政府信息公开条例》（2007）第二十四条第二款，国务院令第492号，2008-05-01施行"),
        Version(REGULATION_2019, 20, "《政府信息公开条例》第三十三条第二款，国务院令第711号，2019-05-15施行"),
    ],
)
ANSWER_PERIOD_WORKDAYS = ANSWER_PERIODS.current.value  # 条例 Art. 33 (the version in force now)
MAX_EXTENSION_WORKDAYS = EXTENSION_LIMITS.current.value  # 条例 Art. 33: at most 20 working days in total
CLARIFICATION_NOTICE_WORKDAYS = 7  # 条例 Art. 30
CORRECTION_PERIOD_WORKDAYS = 15  # "reasonable period", configurable; common default
CONSULTATION_WINDOW_WORKDAYS = 15  # 条例 Art. 32 / 34: from the day the consulted party receives the letter
FEE_PAYMENT_WORKDAYS = 20  # 国办函〔2020〕109号 (payment period): from the day the applicant receives the notice


def _in_force(table: Dated[int], received_on: date) -> tuple[int, str | None]:
    """(value, warning): a receipt date before the first version uses it, with a warning."""
    try:
        return table.at(received_on), None
    except NotInForce:
        first = table.versions[0]
        return first.value, (
            f"收到申请之日{received_on}早于《政府信息公开条例》施行之日{first.since}，按条例最初的规定（{first.value}个工作日）计算"
        )


def answer_period(received_on: date) -> int:
    """The answer period (working days) for a request received on `received_on` (条例 Art. 33)."""
    return _in_force(ANSWER_PERIODS, received_on)[0]


def extension_limit(received_on: date) -> int:
    """The most working days an answer may be extended in total for a request received then (Art. 33)."""
    return _in_force(EXTENSION_LIMITS, received_on)[0]


PROPOSAL_MONTHS = 3
PROPOSAL_MAX_MONTHS = 6
COHANDLER_OPINION_MONTHS = 1
REHANDLING_MONTHS = 1
DUE_SOON_WORKDAYS = 3
_ONE_DAY = timedelta(days=1)

PAUSE_KINDS: dict[str, str] = {
    "third_party": "征求第三方意见",
    "other_agency": "征求其他机关意见",
    "fee": "等待缴纳信息处理费",
    # From the clarification notice until the corrected request arrives; the restart supersedes it.
    "correction": "等待申请人补正",
    # The staff calculator's free-form pause.
    "other": "暂停计算",
}

PAUSED = "paused"
OK = "ok"
DUE_SOON = "due_soon"
DUE_TODAY = "due_today"
OVERDUE = "overdue"
STATUS_LABELS: dict[str, str] = {
    PAUSED: "暂停计时",
    OK: "正常",
    DUE_SOON: "临期",
    DUE_TODAY: "今日到期",
    OVERDUE: "超期",
}


@dataclass(frozen=True)
class Pause:
    """The clock stops: working days d with start < d <= end do not count. end None = still open."""

    start: date
    end: date | None
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in PAUSE_KINDS:
            raise ValueError(f"未知的暂停类型“{self.kind}”，应为：{'、'.join(PAUSE_KINDS)}")
        if self.end is not None and self.end < self.start:
            raise ValueError(f"暂停的结束日期{self.end}早于开始日期{self.start}，请检查日期")

    @property
    def label(self) -> str:
        return PAUSE_KINDS[self.kind]


def _paused(p: Pause) -> str:
    """How an explanation names a closed pause: "暂停计算", or "因征求第三方意见暂停计算"."""
    return "暂停计算" if p.kind == "other" else f"因{p.label}暂停计算"


@dataclass(frozen=True)
class Extension:
    """An approved extension (延期) of ``workdays`` working days, approved on ``approved_on``."""

    workdays: int
    approved_on: date
    # False when nobody gave the approval date (the staff calculator): the explanation then names none.
    dated: bool = True

    def __post_init__(self) -> None:
        if self.workdays < 1:
            raise ValueError("延期天数至少为1个工作日")


@dataclass(frozen=True)
class Restart:
    """The corrected request (补正后的申请) arrived on ``on``: the period starts afresh."""

    on: date


@dataclass(frozen=True)
class ExplicitDeadline:
    """A deadline the agency set for an excessive request (条例 Art. 35); it overrides everything."""

    due: date
    reason: str

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise ValueError("另行确定答复期限时必须写明理由")


@dataclass(frozen=True)
class DeadlineResult:
    """A computed deadline and how it was reached.

    ``due`` is None while an open pause stops the clock; ``base_due`` is then the deadline as it
    stood when the clock stopped, ``remaining_workdays`` the working days left at that moment and
    ``due_if_resumed_today`` (when ``today`` was given) the deadline if the pause ended today.
    """

    due: date | None
    paused: bool = False
    provisional: bool = False
    provisional_years: tuple[int, ...] = ()
    explanation: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    start: date | None = None
    base_due: date | None = None
    paused_since: date | None = None
    remaining_workdays: int | None = None
    due_if_resumed_today: date | None = None
    extension_total: int = 0
    explicit_reason: str | None = None
    period: int = ANSWER_PERIOD_WORKDAYS  # the answer period applied (working days)
    extension_limit: int = MAX_EXTENSION_WORKDAYS  # the extension limit in force for this request

    @property
    def provisional_note(self) -> str | None:
        """One line for wherever the date is shown, e.g. the CLI's second line after the date."""
        if not self.provisional:
            return None
        years = "、".join(f"{y}年" for y in self.provisional_years)
        return f"暂定：{years}的放假安排尚未确认，按周末和法定节假日估算，确认后将重新计算"

    @property
    def display_date(self) -> date | None:
        """The date a list can show: the due date, or while paused the date if resumed today."""
        return self.due if self.due is not None else (self.due_if_resumed_today or self.base_due)


def _provisional_note_step(years: Sequence[int]) -> str:
    listed = "、".join(f"{y}年" for y in years)
    return f"{listed}的放假安排尚未确认，按周末和《全国年节及纪念日放假办法》的法定节假日暂定计算"


def _years_of(calendar: WorkCalendar, intervals: Iterable[tuple[date, date]]) -> tuple[int, ...]:
    # Same as calendar.provisional_years_touched over each interval, without a list per interval:
    # this runs for every open case after each calendar change.
    years: set[int] = set()
    for a, b in intervals:
        if b > a:
            years.update(range((a + _ONE_DAY).year, b.year + 1))
    return tuple(sorted(y for y in years if calendar.is_provisional_year(y)))


# --- disclosure requests: working days ---------------------------------------------------------


def extension_check(
    current_due: date | None,
    total_already: int,
    requested: int,
    on_date: date,
    *,
    max_total: int = MAX_EXTENSION_WORKDAYS,
) -> str | None:
    """Why an extension may not be granted (a Chinese message), or None when it may.

    ``current_due`` None means the clock is stopped by an open pause: the deadline cannot pass then.
    ``max_total`` is the limit in force for the request (``extension_limit(received_on)``, or
    ``DeadlineResult.extension_limit``).
    """
    if requested < 1:
        return "延期天数至少为1个工作日，请填写大于0的整数"
    if current_due is not None and on_date > current_due:
        return f"答复期限已于{current_due}届满，不能再延期：延期须在期限届满前经批准"
    if total_already + requested > max_total:
        left = max(max_total - total_already, 0)
        return f"延期累计不得超过{max_total}个工作日：已延期{total_already}个工作日，最多还能延期{left}个工作日"
    return None


def answer_deadline(
    receipt: date,
    *,
    pauses: Iterable[Pause] = (),
    extensions: Iterable[Extension] = (),
    restart: date | Restart | None = None,
    explicit: ExplicitDeadline | None = None,
    calendar: WorkCalendar,
    period: int | None = None,
    today: date | None = None,
    start_label: str = "收到申请日",
) -> DeadlineResult:
    """The answer deadline of a disclosure request (条例 Art. 30-35).

    The base is the ``period``-th working day after the receipt date (or after the restart date);
    ``period`` defaults to the answer period in force on the receipt date, and the extension limit is
    the one in force then too (``ANSWER_PERIODS``, ``EXTENSION_LIMITS``).
    Pauses and extensions are then applied in chronological order (pauses first on the same day),
    each moving the current deadline later: a closed pause by the working days in (start, end] not
    already removed by an earlier overlapping pause, an extension by its working days. Because
    adding N then M working days equals adding N+M, the final date does not depend on the order;
    the order only decides the explanation and which warnings apply.
    """
    restart_on = restart.on if isinstance(restart, Restart) else restart
    steps: list[str] = []
    warnings: list[str] = []
    limit, too_early = _in_force(EXTENSION_LIMITS, receipt)
    if period is None:
        period = _in_force(ANSWER_PERIODS, receipt)[0]
    if too_early:
        warnings.append(too_early)
    start = receipt
    if restart_on is not None:
        if restart_on < receipt:
            warnings.append(f"补正后申请的收到日{restart_on}早于原收到申请日{receipt}，请核对日期")
        start = restart_on
    due = calendar.add_workdays(start, period)
    intervals: list[tuple[date, date]] = [(start, due)]
    if restart_on is None:
        steps.append(f"{start_label}{start}（当日不计入），其后第{period}个工作日为{due}")
    else:
        steps.append(
            f"{start_label}{receipt}；补正后的申请于{restart_on}收到，期限重新起算："
            f"{restart_on}后第{period}个工作日为{due}"
        )

    pause_list = list(pauses)
    extension_list = list(extensions)
    if restart_on is not None:
        kept_pauses = [p for p in pause_list if p.start >= restart_on]
        kept_extensions = [e for e in extension_list if e.approved_on >= restart_on]
        dropped_p = len(pause_list) - len(kept_pauses)
        dropped_e = len(extension_list) - len(kept_extensions)
        if dropped_p or dropped_e:
            steps.append(f"补正前的{dropped_p}次暂停、{dropped_e}次延期不再计算")
        pause_list, extension_list = kept_pauses, kept_extensions

    events: list[tuple[date, int, Pause | Extension]] = [(p.start, 0, p) for p in pause_list]
    events += [(e.approved_on, 1, e) for e in extension_list]
    events.sort(key=lambda ev: (ev[0], ev[1]))

    covered = start  # working days up to here are already counted or removed
    open_pause: Pause | None = None
    remaining: int | None = None
    ext_total = 0
    for _, _, ev in events:
        if isinstance(ev, Pause):
            if ev.start < start:
                warnings.append(f"{ev.label}的开始日期{ev.start}早于起算日{start}，只扣除起算日之后的工作日")
            if open_pause is not None:
                steps.append(f"{ev.label}：{ev.start}起，与自{open_pause.start}起尚未结束的暂停重叠，不另扣除")
                continue
            if ev.end is None:
                open_pause = ev
                remaining = calendar.workdays_after_until(ev.start, due)
                steps.append(
                    f"{ev.label}：自{ev.start}起暂停计算，尚未结束，期限停止计算（暂停开始时剩余{remaining}个工作日）"
                )
                continue
            if ev.start > due:
                warnings.append(f"{ev.label}开始于{ev.start}，晚于当时的答复期限{due}；仍按规定扣除暂停期间的工作日")
            lo = max(ev.start, covered)
            removed = calendar.workdays_after_until(lo, ev.end)
            new_due = calendar.add_workdays(due, removed)
            overlap = "（与此前暂停重叠的部分不重复扣除）" if lo > ev.start else ""
            steps.append(f"{_paused(ev)}：{ev.start}至{ev.end}，扣除{removed}个工作日{overlap}，期限顺延至{new_due}")
            if new_due < ev.end:
                warnings.append(
                    f"{ev.label}开始时答复期限{due}已到，扣除暂停期间的工作日后期限为{new_due}，"
                    f"早于暂停结束日{ev.end}，请尽快答复"
                )
            intervals.append((lo, ev.end))
            intervals.append((due, new_due))
            covered = max(covered, ev.end)
            due = new_due
        else:
            refusal = extension_check(
                None if open_pause is not None else due, ext_total, ev.workdays, ev.approved_on, max_total=limit
            )
            if refusal is not None:
                warnings.append(f"{ev.approved_on}的延期不符合规定：{refusal}")
            new_due = calendar.add_workdays(due, ev.workdays)
            ext_total += ev.workdays
            when = f"{ev.approved_on}经批准" if ev.dated else ""
            steps.append(f"{when}延期{ev.workdays}个工作日，期限延至{new_due}")
            intervals.append((due, new_due))
            due = new_due

    resumed: date | None = None
    if open_pause is not None and today is not None:
        lo = max(open_pause.start, covered)
        resumed = calendar.add_workdays(due, calendar.workdays_after_until(lo, today))
        intervals.append((lo, max(lo, today)))
        intervals.append((due, resumed))
        steps.append(f"如暂停于今天（{today}）结束，期限为{resumed}")

    if explicit is not None:
        steps.append(
            f"机关依《政府信息公开条例》第三十五条另行确定答复期限为{explicit.due}（理由：{explicit.reason}），以此为准"
        )
        if explicit.due <= start:
            warnings.append(f"另行确定的答复期限{explicit.due}不晚于起算日{start}，请核对")
        return DeadlineResult(
            due=explicit.due,
            explanation=steps,
            warnings=warnings,
            start=start,
            base_due=explicit.due,
            extension_total=ext_total,
            explicit_reason=explicit.reason,
            period=period,
            extension_limit=limit,
        )

    years = _years_of(calendar, intervals)
    if years:
        steps.append(_provisional_note_step(years))
    paused = open_pause is not None
    return DeadlineResult(
        due=None if paused else due,
        paused=paused,
        provisional=bool(years),
        provisional_years=years,
        explanation=steps,
        warnings=warnings,
        start=start,
        base_due=due,
        paused_since=open_pause.start if open_pause is not None else None,
        remaining_workdays=remaining,
        due_if_resumed_today=resumed,
        extension_total=ext_total,
        period=period,
        extension_limit=limit,
    )


def initial_answer_deadline(receipt: date, calendar: WorkCalendar) -> date:
    """The deadline in force when the request was received: the answer period after the receipt date,
    before any clarification, pause or extension (what the 受理回执 states)."""
    return calendar.add_workdays(receipt, answer_period(receipt))


def workdays_deadline(
    start: date, n: int, calendar: WorkCalendar, *, what: str = "期限", start_label: str = "起算日"
) -> DeadlineResult:
    """The n-th working day after ``start``, with its explanation and provisional flag."""
    due = calendar.add_workdays(start, n)
    steps = [f"{start_label}{start}（当日不计入），{what}为其后第{n}个工作日：{due}"]
    years = tuple(calendar.provisional_years_touched(start, due))
    if years:
        steps.append(_provisional_note_step(years))
    return DeadlineResult(
        due=due,
        provisional=bool(years),
        provisional_years=years,
        explanation=steps,
        start=start,
        base_due=due,
    )


def clarification_notice_deadline(
    receipt: date, calendar: WorkCalendar, days: int = CLARIFICATION_NOTICE_WORKDAYS
) -> date:
    """The last day to send the one-time clarification notice (补正告知, 条例 Art. 30)."""
    return calendar.add_workdays(receipt, days)


def correction_period_end(notice_date: date, calendar: WorkCalendar, days: int = CORRECTION_PERIOD_WORKDAYS) -> date:
    """The last day for the applicant's correction (补正期限), counted from the notice date."""
    return calendar.add_workdays(notice_date, days)


def consultation_window_end(
    letter_received: date, calendar: WorkCalendar, days: int = CONSULTATION_WINDOW_WORKDAYS
) -> date:
    """The last day for a consulted third party or agency to answer (条例 Art. 32/34).

    The 15 working days run from the day the party *received* the consultation letter (自收到征求意见书
    之日起), its recorded delivery, not from the day the agency sent it.
    """
    return calendar.add_workdays(letter_received, days)


def fee_payment_deadline(notice_received: date, calendar: WorkCalendar, days: int = FEE_PAYMENT_WORKDAYS) -> date:
    """The last day to pay the information processing fee (109号)."""
    return calendar.add_workdays(notice_received, days)


# --- NPC suggestions / CPPCC proposals: calendar months ----------------------------------------


def add_months(d: date, n: int) -> date:
    """The corresponding day n months later, or that month's last day where none exists (民法典 Art. 202)."""
    index = d.year * 12 + (d.month - 1) + n
    year, month = divmod(index, 12)
    month += 1
    last = _gregorian.monthrange(year, month)[1]
    return date(year, month, min(d.day, last))


def months_deadline(
    start: date,
    months: int,
    calendar: WorkCalendar,
    *,
    what: str = "期限",
    start_label: str = "交办日期",
) -> DeadlineResult:
    """N calendar months after ``start``; a non-working end day moves to the next working day (Art. 203)."""
    if months < 1:
        raise ValueError("按月计算的期限至少为1个月")
    target = add_months(start, months)
    clipped = "（该月没有对应日，取月末）" if target.day != start.day else ""
    steps = [f"{start_label}{start}，{what}为{months}个月后的对应日{target}{clipped}"]
    due = calendar.next_workday_on_or_after(target)
    if due != target:
        name = calendar.day_name(target)
        why = f"（{name}）" if name else ""
        steps.append(f"{target}不是工作日{why}，顺延至下一个工作日{due}")
    # Whether the target is a working day is itself a fact of the calendar.
    years = tuple(calendar.provisional_years_touched(target - timedelta(days=1), due))
    if years:
        steps.append(_provisional_note_step(years))
    return DeadlineResult(
        due=due,
        provisional=bool(years),
        provisional_years=years,
        explanation=steps,
        start=start,
        base_due=due,
    )


def proposal_extension_check(months: int, extended_to_months: int, max_months: int = PROPOSAL_MAX_MONTHS) -> str | None:
    """Why a proposal's period may not be extended to ``extended_to_months`` (Chinese), or None."""
    if extended_to_months <= months:
        return f"延期后的办理期限应长于原期限（交办后{months}个月）"
    if extended_to_months > max_months:
        return f"延期后的办理期限最长为交办后{max_months}个月"
    return None


def proposal_deadline(
    assigned: date,
    *,
    months: int = PROPOSAL_MONTHS,
    extended_to_months: int | None = None,
    max_months: int = PROPOSAL_MAX_MONTHS,
    calendar: WorkCalendar,
) -> DeadlineResult:
    """The reply deadline of an NPC suggestion / CPPCC proposal, counted from the assignment date."""
    if extended_to_months is None:
        return months_deadline(assigned, months, calendar, what="办理期限")
    refusal = proposal_extension_check(months, extended_to_months, max_months)
    if refusal is not None:
        raise ValueError(refusal)
    return months_deadline(assigned, extended_to_months, calendar, what=f"经批准延期后的办理期限（原为{months}个月）")


def cohandler_opinion_deadline(
    assigned: date, months: int = COHANDLER_OPINION_MONTHS, *, calendar: WorkCalendar
) -> DeadlineResult:
    """When co-handling sections (协办/会办) owe the lead section their written opinion."""
    return months_deadline(assigned, months, calendar, what="协办意见期限")


def rehandling_deadline(
    feedback_date: date, months: int = REHANDLING_MONTHS, *, calendar: WorkCalendar
) -> DeadlineResult:
    """The new deadline after the deputy or member answered 不满意."""
    return months_deadline(feedback_date, months, calendar, what="重新办理期限", start_label="反馈不满意日期")


# --- the staff calculator (CLI `due-date` and the 期限计算器 page) ----------------------------


def calculator_extension_error(start: date, extend: int, *, months: int | None = None) -> str | None:
    """Why the staff calculator refuses an extension of ``extend`` working days from ``start`` (Chinese).

    In working days the extension is Art. 33's: at most the limit in force on the start date, taken as
    the receipt date. Month periods (NPC/CPPCC items) have a configurable limit and are not checked here.
    """
    if extend < 0:
        return "延期不能为负数"
    if months is None:
        limit = extension_limit(start)
        if extend > limit:
            try:
                source = EXTENSION_LIMITS.version_at(start).source
            except NotInForce:
                source = EXTENSION_LIMITS.versions[0].source
            return f"延期{extend}个工作日超过法定上限：依{source}，延长答复的期限最长不得超过{limit}个工作日"
    return None


def calculator(
    start: date,
    *,
    calendar: WorkCalendar,
    working_days: int | None = None,
    months: int | None = None,
    extend: int = 0,
    pauses: Iterable[tuple[date, date]] = (),
) -> DeadlineResult:
    """Default: the answer period in force on ``start`` (20 working days) after it. ``extend`` is in working
    days (at most the extension limit in force on ``start``), or in months with ``months``."""
    if working_days is not None and months is not None:
        raise ValueError("工作日和月数只能选择一种计算方式")
    if refusal := calculator_extension_error(start, extend, months=months):
        raise ValueError(refusal)
    pause_list = [Pause(a, b, "other") for a, b in pauses]
    if months is not None:
        if pause_list:
            raise ValueError("按月计算的期限不适用暂停，请去掉暂停或改用工作日计算")
        what = f"期限（{months}个月，延期{extend}个月）" if extend else "期限"
        return months_deadline(start, months + extend, calendar, what=what, start_label="起算日")
    n = answer_period(start) if working_days is None else working_days
    if n < 1:
        raise ValueError("工作日天数至少为1")
    return answer_deadline(
        start,
        pauses=pause_list,
        extensions=[Extension(extend, start, dated=False)] if extend else (),
        calendar=calendar,
        period=n,
        start_label="起算日",
    )


# --- status for lists and reminders ----------------------------------------------------------


def due_status(due: date | None, today: date, calendar: WorkCalendar, soon_days: int = DUE_SOON_WORKDAYS) -> str:
    """'paused' (no due date), 'overdue' (today > due), 'due_today', 'due_soon' or 'ok'.

    'due_soon' (临期): today is before the due date and at most ``soon_days`` working days remain
    after today up to and including the due date — i.e. today is one of the last ``soon_days``
    working days before the due date, or a day off just before one of them.
    """
    if due is None:
        return PAUSED
    if today > due:
        return OVERDUE
    if today == due:
        return DUE_TODAY
    if calendar.workdays_after_until(today, due) <= soon_days:
        return DUE_SOON
    return OK


ANSWERED_ON_TIME = "answered_on_time"
ANSWERED_LATE = "answered_late"
UNDELIVERED = "undelivered"  # concluded, the answer not yet delivered, the deadline not passed
UNDELIVERED_LATE = "undelivered_late"  # concluded, not delivered, and the deadline has passed
TIMELINESS_LABELS: dict[str, str] = {
    ANSWERED_ON_TIME: "按期答复",
    ANSWERED_LATE: "超期答复",
    UNDELIVERED: "已办结未送达",
    UNDELIVERED_LATE: "已办结未送达，已超期",
}


def answer_timeliness(due: date | None, delivered_on: date | None, today: date) -> str | None:
    """Whether a concluded answer was given on time: its *delivery* date counts, not the letter's date
    (rules.md: a posted answer on the day handed to the post, one handed over on the day signed for, an
    electronic one on the day sent). None when there is no deadline to compare with."""
    if delivered_on is None:
        if due is None:
            return UNDELIVERED
        return UNDELIVERED_LATE if today > due else UNDELIVERED
    if due is None:
        return None
    return ANSWERED_LATE if delivered_on > due else ANSWERED_ON_TIME


def workdays_remaining(due: date, today: date, calendar: WorkCalendar) -> int:
    """Working days after today up to the due date; negative: working days overdue (after due up to today)."""
    if today <= due:
        return calendar.workdays_after_until(today, due)
    return -calendar.workdays_after_until(due, today)


# --- the countdown shown wherever a deadline shows (lists, case pages, proposals) --------------


@dataclass(frozen=True)
class Countdown:
    """What a person reads beside a deadline: status (one of STATUS_LABELS), the working days it counts
    (left, or overdue; None when not known) and the words, e.g. 剩余3个工作日 / 今日到期 / 超期2个工作日 /
    暂停中（剩余5个工作日）. ``provisional``: the date rests on a year whose 放假安排 is not entered (暂定)."""

    status: str
    days: int | None
    label: str
    provisional: bool = False


def countdown(
    due: date | None,
    today: date,
    calendar: WorkCalendar,
    *,
    remaining_when_paused: int | None = None,
    provisional: bool = False,
    soon_days: int = DUE_SOON_WORKDAYS,
) -> Countdown:
    """The countdown of an open case's deadline on ``today``; ``due`` None means the clock is stopped.

    Working days are counted as the deadlines are (Art. 33 and rules.md): days after today up to and
    including the due date. Overdue counts the working days after the due date up to and including
    today, so on the weekend after a Friday deadline the case is 已超期 without a number of days yet.
    """
    if due is None:
        if remaining_when_paused is None:
            return Countdown(PAUSED, None, "暂停中", provisional)
        return Countdown(PAUSED, remaining_when_paused, f"暂停中（剩余{remaining_when_paused}个工作日）", provisional)
    status = due_status(due, today, calendar, soon_days)
    if status == DUE_TODAY:
        return Countdown(status, 0, "今日到期", provisional)
    n = workdays_remaining(due, today, calendar)
    if status == OVERDUE:
        late = -n
        return Countdown(status, late, f"超期{late}个工作日" if late else "已超期", provisional)
    return Countdown(status, n, f"剩余{n}个工作日", provisional)


# --- the office's internal deadline for the section (内部办理期限) ------------------------------------
# Not a rule of law but an office's practice: the section returns its draft some working days before
# the statutory deadline, so that the office keeps time to review, approve and deliver the answer.
# The number is the agency's setting ``internal_due_workdays`` (default below).
INTERNAL_DUE_WORKDAYS = 5


def internal_deadline(
    statutory_due: date, assigned_on: date, calendar: WorkCalendar, workdays_before: int = INTERNAL_DUE_WORKDAYS
) -> date:
    """The working day ``workdays_before`` working days before the statutory deadline — but never before
    the day the case is assigned (a case assigned late owes its draft at once) nor after the deadline."""
    if workdays_before < 0:
        raise ValueError("内部期限提前的工作日数不能为负数")
    d, counted = statutory_due, 0
    while counted < workdays_before and d > assigned_on:
        d -= timedelta(days=1)
        if calendar.is_workday(d):
            counted += 1
    return min(max(d, assigned_on), statutory_due)
