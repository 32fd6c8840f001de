"""The benchmarks' one data generator: N disclosure requests with a realistic spread, into either engine.

    .venv/bin/python bench/gen.py --url URL --n 1000000 [--seed 15] [--force]

What it writes (deterministic for a seed; "today" is the day it runs):
- one agency, 10 sections, per section a head and three staff, two office users and a leader (password
  ``bench-pass``);
- N requests received 2019-01-01 … today, more each year; applicant types as published reports show
  them (about 80 % natural persons); 21 outcome codes with a realistic weight; answered 3–45 days after
  receipt (some across the year end); 4.8 % open — the cases of the last two months and 2 % of older
  ones that were never closed (legacy ledgers), so many are overdue — with statuses, handlers and
  deadlines computed by tracker.rules.deadlines with the real working-day calendar; clarifications,
  consultations, fees (paused cases), approved extensions; topic tags; reviews for 1.2 % of answers;
- about three events per request (registered, assigned, concluded);
- NPC suggestions and CPPCC proposals (300 a year) with co-handling sections;
- notifications (the office user has thousands, a quarter unread).

PostgreSQL: COPY for every table, the search indexes built after the load. SQLite: executemany in one
transaction with the FTS5 triggers off, then one FTS5 'rebuild'. A database that already holds the
same N and seed is kept (bench_meta table), so the benchmarks generate once and reuse it.

Hook for the workbench (issue 13, not built yet): when its tables or columns exist (internal_due,
draft_submitted_on, handoff notifications), give them values in ``request_row`` / EXTRA_TABLES below so
that ``workbench_<role>_ms`` in bench_lists.py has data to show.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SECTIONS = (
    "办公室",
    "综合规划科",
    "投资科",
    "价格科",
    "产业发展科",
    "能源科",
    "社会发展科",
    "农村经济科",
    "信用科",
    "法规科",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红梅鑫波斌宇浩凯健俊帆帅旭宁龙林欣怡佳琪雪晨阳辉建国志海峰东"
CITIES = ("示例", "东城", "西城", "南湖", "北山", "青云", "江北", "河西", "滨海", "高新")
BIZ = ("科技", "建设", "实业", "贸易", "能源", "环保", "物流", "置业", "农业", "信息")
PROJECTS = (
    "棚户区改造",
    "地铁三号线",
    "垃圾焚烧发电",
    "污水处理厂",
    "工业园区扩建",
    "高速公路连接线",
    "老旧小区改造",
    "水库除险加固",
    "光伏发电",
    "物流园区",
    "学校新建",
    "医院迁建",
    "燃气管网",
    "农贸市场",
    "停车场",
    "产业基金",
    "保障性住房",
    "城市更新",
    "河道整治",
    "数据中心",
)
DOCS = (
    "立项批复",
    "可行性研究报告批复",
    "环境影响评价文件",
    "项目核准文件",
    "投资概算",
    "招标文件",
    "补偿标准",
    "价格成本监审报告",
    "专项资金分配方案",
    "会议纪要",
)
TAGS = ("项目立项", "价格", "规划", "收费", "信用", "能源", "补贴")
# applicant types (tracker.rules.report_layout) and outcome codes (tracker.rules.outcomes) by weight
TYPE_WEIGHTS = {
    "natural_person": 80,
    "commercial_enterprise": 12,
    "research_institution": 1,
    "public_interest_org": 1,
    "legal_service_org": 3,
    "other_org": 3,
}
OUTCOME_WEIGHTS = {
    "disclosed": 38,
    "partially_disclosed": 9,
    "withheld.state_secret": 0.3,
    "withheld.law_prohibited": 0.5,
    "withheld.three_safety_one_stability": 0.3,
    "withheld.third_party": 1.5,
    "withheld.internal_affairs": 1.5,
    "withheld.process_info": 2,
    "withheld.enforcement_file": 1,
    "withheld.query_matter": 1,
    "unavailable.not_held": 20,
    "unavailable.needs_creation": 3,
    "unavailable.unclear_after_correction": 2,
    "not_processed.petition": 3,
    "not_processed.repeat": 2,
    "not_processed.publication": 2,
    "not_processed.excessive": 0.5,
    "not_processed.confirm_or_reissue": 1,
    "other.no_correction": 3,
    "other.unpaid_fee": 0.4,
    "other.other": 7,
}
YEAR_WEIGHTS = {2019: 9, 2020: 10, 2021: 11, 2022: 12, 2023: 13, 2024: 14, 2025: 15, 2026: 16}
CHANNELS = ("online", "online", "online", "post", "in_person", "email", "letter")
OPEN_RECENT_DAYS = 60
OPEN_OLD_SHARE = 0.022
NOW = datetime(2026, 1, 1, tzinfo=UTC)  # replaced by the real moment in generate()


def _weighted(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=list(weights.values()), k=1)[0]


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _company(rng: random.Random) -> str:
    return f"{rng.choice(CITIES)}{rng.choice(BIZ)}{rng.choice(('有限公司', '股份有限公司', '集团有限公司'))}"


def _id_number(rng: random.Random, born: date) -> str:
    from tracker.rules import ids

    body = f"{rng.choice(('110101', '310104', '440305', '510107'))}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return body + ids.resident_id_check_char(body)


def _uscc(rng: random.Random) -> str:
    from tracker.rules import ids

    body = f"91{rng.choice(('110101', '310104', '440305'))}MA{rng.randint(10**6, 10**7 - 1)}X"[:17]
    return body + ids.uscc_check_char(body)


def _days(year: int, today: date) -> list[date]:
    first, last = date(year, 1, 1), min(date(year, 12, 31), today)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


class Writer:
    """Rows into one table: COPY on PostgreSQL, executemany on SQLite (values converted here)."""

    def __init__(self, raw, dialect: str):
        self.raw, self.dialect = raw, dialect

    def write(self, table: str, columns: list[str], rows) -> int:
        n = 0
        if self.dialect == "postgresql":
            with self.raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
                    n += 1
            return n
        marks = ", ".join("?" for _ in columns)
        cur = self.raw.cursor()
        batch = []
        convert: list[int] | None = None  # the columns whose values need converting (from the first rows)
        for r in rows:
            if convert is None or len(batch) < 50:
                found = {i for i, v in enumerate(r) if isinstance(v, (date, bool))}
                convert = sorted(set(convert or ()) | found)
            if convert:
                r = list(r)
                for i in convert:
                    r[i] = _sqlite(r[i])
            batch.append(r)
            if len(batch) >= 20000:
                cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch)
                n += len(batch)
                batch = []
        if batch:
            cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch)
            n += len(batch)
        return n


def _sqlite(v):
    if isinstance(v, datetime):
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    return v


def _json(v) -> str:
    return json.dumps(v, ensure_ascii=False)


def _defaults(table, given: dict) -> dict:
    """Every other NOT NULL column (some added by other issues) gets its model default."""
    out = dict(given)
    for col in table.columns:
        if col.name in out or col.primary_key or col.nullable:
            continue
        if col.default is not None and not callable(col.default.arg):
            out[col.name] = col.default.arg
        elif col.server_default is None:
            raise SystemExit(f"gen: no value for NOT NULL column {table.name}.{col.name}")
    return out


def _ts(d: date, rng: random.Random) -> datetime:
    return datetime(d.year, d.month, d.day, rng.randint(1, 9), rng.randint(0, 59), tzinfo=UTC)


def request_rows(n: int, seed: int, today: date, cal, sections: list[int], staff: dict[int, list[int]]):
    """(request row dicts, clock action dicts, review dicts, tag pairs): request ids are 1..n."""
    from tracker.disclosure import clock
    from tracker.rules import deadlines
    from tracker.rules.outcomes import outcome as outcome_of

    rng = random.Random(seed)
    total_w = sum(YEAR_WEIGHTS.values())
    per_year = {y: round(n * w / total_w) for y, w in YEAR_WEIGHTS.items()}
    per_year[2026] += n - sum(per_year.values())
    rid = 0
    recent_from = today - timedelta(days=OPEN_RECENT_DAYS)
    for year, count in per_year.items():
        days = _days(year, today)
        received = sorted(rng.choice(days) for _ in range(count))
        for seq, rec in enumerate(received, start=1):
            rid += 1
            atype = _weighted(rng, TYPE_WEIGHTS)
            person = atype == "natural_person"
            name = _person(rng) if person else _company(rng)
            project, doc = rng.choice(PROJECTS), rng.choice(DOCS)
            district = rng.choice(CITIES)
            subject = f"{district}{project}项目{doc}"
            content = (
                f"申请公开{rec.year - rng.randint(0, 3)}年{district}区{project}项目的{doc}"
                f"{rng.choice(('及相关附件', '全文', '（含附图）', '和审批依据', ''))}，用于{rng.choice(('维护自身合法权益', '学术研究', '了解政策', '诉讼证据'))}。"
            )
            is_open = (rec >= recent_from and rng.random() < 0.9) or (
                rec < recent_from and rng.random() < OPEN_OLD_SHARE
            )
            section = rng.choice(sections)
            handler = rng.choice(staff[section])
            row = {
                "id": rid,
                "year": year,
                "seq": seq,
                "number": f"依申〔{year}〕第{seq:04d}号",
                "applicant_type": atype,
                "applicant_name": name,
                "contact_person": None if person else _person(rng),
                "id_type": "resident_id" if person else "uscc",
                "id_number": _id_number(rng, date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28)))
                if person
                else _uscc(rng),
                "phone": f"13{rng.randint(10**8, 10**9 - 1)}",
                "channel": rng.choice(CHANNELS),
                "sent_on": rec - timedelta(days=rng.randint(0, 3)),
                "received_on": rec,
                "subject": subject,
                "content": content,
                "provision_form": rng.choice(("paper", "electronic")),
                "section_id": section,
                "handler_id": handler,
                "source": "bench",
                "created_at": _ts(rec, rng),
                "updated_at": _ts(rec, rng),
            }
            actions = []
            if rng.random() < 0.08:
                actions.append(
                    ("clarification", "closed", rec + timedelta(days=3), rec + timedelta(days=10), "corrected")
                )
            if rng.random() < 0.03:
                actions.append(
                    ("consult_third_party", "closed", rec + timedelta(days=5), rec + timedelta(days=18), "answered")
                )
            if rng.random() < 0.04:
                actions.append(("extension", "approved", rec + timedelta(days=20), None, None))
            if is_open:
                kind = rng.choices(("registered", "in_progress", "paused", "in_review"), (15, 60, 15, 10))[0]
                row.update(status=kind, draft=None)
                if kind == "registered":
                    row.update(section_id=None, handler_id=None)
                    actions = []
                if kind == "paused":
                    pk = rng.choice(("clarification", "consult_third_party", "fee"))
                    start = max(rec, min(today, rec + timedelta(days=rng.randint(2, 15))))
                    actions.append((pk, "open", start, None, None))
                    row["pause_reason"] = {"clarification": "clarification", "fee": "fee"}.get(pk, "consultation")
                    row["paused_from"] = "in_progress"
                objs = [
                    SimpleNamespace(
                        kind=k,
                        state=s,
                        started_on=st,
                        ended_on=en,
                        end_reason=er,
                        workdays=20 if k == "extension" else None,
                        decided_on=st,
                        explicit_due=None,
                        reason=None,
                    )
                    for k, s, st, en, er in actions
                ]
                result = clock.compute(SimpleNamespace(received_on=rec), cal, objs)
                row.update(
                    due_date=result.due,
                    due_provisional=result.provisional,
                    clarification_due=deadlines.clarification_notice_deadline(rec, cal),
                )
            else:
                concluded = rec + timedelta(days=rng.randint(3, 45))
                if concluded > today:
                    concluded = today
                code = _weighted(rng, OUTCOME_WEIGHTS)
                row.update(
                    status="concluded",
                    outcome=code,
                    letter_kind=outcome_of(code).letter_kind,
                    concluded_on=concluded,
                    answer_date=concluded,
                    delivered_on=concluded,
                    delivery_method=rng.choice(("post", "email", "online")),
                    due_date=rec + timedelta(days=28),
                    answer_summary="已答复。",
                )
                if rng.random() < 0.01:
                    row.update(fee_method="per_page", fee_amount=rng.randint(1, 30) * 10, fee_paid_on=concluded)
            yield row, actions, rng


def generate(url: str, n: int, seed: int = 15, force: bool = False, quiet: bool = False) -> dict:
    """Fill the database at url (schema created if missing); returns the bench_meta facts."""
    from sqlalchemy import text
    from werkzeug.security import generate_password_hash

    from tracker import create_app
    from tracker.extensions import db

    _ensure_database(url)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "TESTING": True,
            "ENV_NAME": "testing",
            "SECRET_KEY": "bench",
            "MAIL_SERVER": "",
        }
    )
    log = (lambda *a: None) if quiet else (lambda *a: print("gen:", *a, file=sys.stderr, flush=True))
    with app.app_context():
        dialect = db.engine.dialect.name
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS bench_meta (k VARCHAR(40) PRIMARY KEY, v TEXT NOT NULL)"))
            meta = dict(conn.execute(text("SELECT k, v FROM bench_meta")).all())
        # the models' tables and columns: a database generated under an older schema is made again
        schema = hashlib.sha1(
            repr(sorted((t.name, c.name) for t in db.metadata.sorted_tables for c in t.columns)).encode()
        ).hexdigest()[:12]
        same = meta.get("n") == str(n) and meta.get("seed") == str(seed) and meta.get("schema") == schema
        if not force and same:
            log(f"reusing the database with n={n} seed={seed} (generated {meta.get('generated_at')})")
            return meta
        log(f"generating n={n} into {dialect}")
        t0 = time.perf_counter()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS bench_meta"))
        db.create_all()
        _load(db, dialect, n, seed, generate_password_hash("bench-pass"), log)
        facts = {
            "n": str(n),
            "seed": str(seed),
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "generate_s": f"{time.perf_counter() - t0:.1f}",
            "today": date.today().isoformat(),
            "schema": schema,
        }
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS bench_meta (k VARCHAR(40) PRIMARY KEY, v TEXT NOT NULL)"))
            for k, v in facts.items():
                conn.execute(text("INSERT INTO bench_meta (k, v) VALUES (:k, :v)"), {"k": k, "v": v})
        log(f"done in {facts['generate_s']} s")
        return facts


def _ensure_database(url: str) -> None:
    """Create the PostgreSQL database of url when it does not exist (SQLite creates its file itself)."""
    if not url.startswith("postgresql"):
        return
    import psycopg

    base, _, name = url.rpartition("/")
    admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _load(db, dialect: str, n: int, seed: int, pw_hash: str, log) -> None:
    from tracker.audit import Event
    from tracker.disclosure.models import ClockAction, DisclosureRequest, RequestTag, Review
    from tracker.disclosure.search import PG_DDL, PG_DROP, SQLITE_DDL
    from tracker.rules import event_chain
    from tracker.rules.clock import today_cn
    from tracker.workcal.service import current_calendar

    rng = random.Random(seed + 1)
    today = today_cn()
    now = datetime.now(UTC)
    cal = current_calendar()
    raw_conn = db.engine.raw_connection()
    raw = raw_conn.driver_connection
    w = Writer(raw, dialect)
    cur = raw.cursor()
    if dialect == "sqlite":
        for stmt in ("PRAGMA synchronous = OFF", "PRAGMA journal_mode = MEMORY", "PRAGMA cache_size = -400000"):
            cur.execute(stmt)
        for trig in ("request_fts_ai", "request_fts_ad", "request_fts_au"):
            cur.execute(f"DROP TRIGGER IF EXISTS {trig}")
        cur.execute("BEGIN")
    else:
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET maintenance_work_mem = '1GB'")
        for stmt in PG_DROP:
            cur.execute(stmt)

    w.write("agency", ["id", "name", "settings", "created_at"], [(1, "基准测试局", _json({}), now)])
    w.write(
        "section",
        ["id", "agency_id", "name", "active", "created_at"],
        [(i, 1, s, True, now) for i, s in enumerate(SECTIONS, 1)],
    )
    users, staff = [], {}
    uid = 0

    def user(name, role, section):
        nonlocal uid
        uid += 1
        token = f"{rng.getrandbits(256):064x}"  # the session token (issue 14)
        users.append(
            (uid, 1, name, f"{_person(rng)}", pw_hash, f"{name}@bench.invalid", True, role, section, now, token)
        )
        return uid

    user("office1", "office", None)
    user("office2", "office", None)
    user("leader1", "leader", None)
    user("admin1", "admin", None)
    for i in range(1, len(SECTIONS) + 1):
        user(f"head{i}", "section_head", i)
        staff[i] = [user(f"staff{i}_{k}", "staff", i) for k in range(1, 4)]
    w.write(
        "user_account",
        [
            "id",
            "agency_id",
            "username",
            "display_name",
            "password_hash",
            "email",
            "active",
            "role",
            "section_id",
            "created_at",
            "session_token",
        ],
        users,
    )
    log("people done")

    R = DisclosureRequest.__table__
    base = _defaults(R, {**_sample_request(), "agency_id": 1})
    cols = list(base)
    actions, reviews, tags, events = [], [], [], []
    A_id = 0
    rows_out = []

    def requests():
        nonlocal A_id
        for row, acts, rrng in request_rows(n, seed, today, cal, list(range(1, len(SECTIONS) + 1)), staff):
            full = {**base, **row}
            for k in ("draft",):
                if full.get(k) is not None:
                    full[k] = _json(full[k])
            for kind, state, start, end, reason in acts:
                A_id += 1
                window = start + timedelta(days=15) if kind != "extension" else None
                actions.append(
                    (
                        A_id,
                        row["id"],
                        kind,
                        state,
                        start,
                        end,
                        reason,
                        window,
                        20 if kind == "extension" else None,
                        start,
                        _json({}),
                        row["created_at"],
                    )
                )
            if row["status"] == "concluded" and rrng.random() < 0.012:
                filed = row["concluded_on"] + timedelta(days=rrng.randint(10, 60))
                if filed <= today:
                    done = filed + timedelta(days=rrng.randint(30, 120))
                    reviews.append(
                        (
                            1,
                            row["id"],
                            rrng.choice(
                                (
                                    "reconsideration",
                                    "reconsideration",
                                    "litigation_direct",
                                    "litigation_after_reconsideration",
                                )
                            ),
                            filed,
                            done if done <= today else None,
                            rrng.choice(("upheld", "upheld", "corrected", "other")) if done <= today else None,
                            row["created_at"],
                        )
                    )
            if rrng.random() < 0.2:
                tags.append((row["id"], rrng.choice(TAGS)))
            events.append(("request.registered", row["id"], row["created_at"], row["created_at"]))
            if row.get("section_id"):
                events.append(
                    ("request.assigned", row["id"], row["created_at"] + timedelta(hours=2), row["created_at"])
                )
            if row["status"] == "concluded":
                events.append(("request.concluded", row["id"], _ts(row["concluded_on"], rrng), row["created_at"]))
            yield tuple(full[c] for c in cols)

    t = time.perf_counter()
    w.write("disclosure_request", cols, requests())
    log(f"{n} requests in {time.perf_counter() - t:.1f} s")
    del rows_out
    w.write(
        ClockAction.__tablename__,
        [
            "id",
            "request_id",
            "kind",
            "state",
            "started_on",
            "ended_on",
            "end_reason",
            "window_end",
            "workdays",
            "decided_on",
            "details",
            "created_at",
        ],
        actions,
    )
    w.write(RequestTag.__tablename__, ["request_id", "tag"], tags)
    w.write(
        Review.__tablename__,
        ["agency_id", "request_id", "kind", "filed_on", "concluded_on", "result", "created_at"],
        reviews,
    )
    t = time.perf_counter()
    head = event_chain.Head()  # the agency's hash chain (issue 14), in the order the rows are written

    def chained(k, sid, ts):
        content = {"kind": k, "subject_type": "request", "subject_id": sid, "actor_id": None, "created_at": ts}
        return (k, "request", sid, 1, "{}", ts, *event_chain.link(head, 1, {**content, "data": {}, "note": None}))

    w.write(
        Event.__tablename__,
        ["kind", "subject_type", "subject_id", "agency_id", "data", "created_at", "prev_hash", "hash"],
        (chained(k, sid, ts) for k, sid, ts, _c in events),
    )
    w.write("event_chain", ["chain", "seq", "last_hash"], [(1, head.seq, head.last_hash)])
    log(
        f"{len(events)} events, {len(actions)} clock actions, {len(reviews)} reviews in {time.perf_counter() - t:.1f} s"
    )
    _proposals(w, rng, today, cal, now)
    _notifications(w, rng, now, uid)
    if dialect == "sqlite":
        cur.execute("COMMIT")
        t = time.perf_counter()
        for stmt in SQLITE_DDL:
            cur.execute(stmt)
        cur.execute("INSERT INTO request_fts(request_fts) VALUES ('rebuild')")
        raw.commit()  # the driver opened a transaction for the INSERT: without this the index is lost
        log(f"FTS5 rebuild {time.perf_counter() - t:.1f} s")
        cur.execute("ANALYZE")
        raw.commit()
    else:
        raw.commit()
        t = time.perf_counter()
        for stmt in PG_DDL:
            cur.execute(stmt)
        for table in (
            "agency",
            "section",
            "user_account",
            "disclosure_request",
            "clock_action",
            "review",
            "proposal",
            "event",
            "notification",
        ):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        raw.commit()
        log(f"search indexes {time.perf_counter() - t:.1f} s")
        raw.autocommit = True
        cur = raw.cursor()
        cur.execute("VACUUM ANALYZE")
        raw.autocommit = False
    raw_conn.close()


def _sample_request() -> dict:
    """Columns every generated request sets (the rest come from request_rows or the model defaults)."""
    return {
        "pause_reason": None,
        "paused_from": None,
        "outcome": None,
        "concluded_on": None,
        "answer_date": None,
        "delivered_on": None,
        "delivery_method": None,
        "answer_summary": None,
        "letter_kind": None,
        "fee_method": None,
        "fee_amount": None,
        "fee_paid_on": None,
        "due_date": None,
        "due_provisional": False,
        "clarification_due": None,
        "draft": None,
        "status": "registered",
        "id": None,
        "year": None,
        "seq": None,
        "number": None,
        "applicant_type": None,
        "applicant_name": None,
        "contact_person": None,
        "id_type": None,
        "id_number": None,
        "phone": None,
        "channel": None,
        "sent_on": None,
        "received_on": None,
        "subject": None,
        "content": None,
        "provision_form": None,
        "section_id": None,
        "handler_id": None,
        "source": "bench",
        "created_at": None,
        "updated_at": None,
    }


def _proposals(w: Writer, rng: random.Random, today: date, cal, now: datetime) -> None:
    from tracker.proposals.models import Proposal, ProposalCohandler
    from tracker.rules import deadlines

    P = Proposal.__table__
    rows, cos = [], []
    pid = 0
    for year in YEAR_WEIGHTS:
        for k in range(300):
            pid += 1
            kind = "npc" if k % 2 else "cppcc"
            assigned = min(today, date(year, 3, 20) + timedelta(days=rng.randint(0, 20)))
            is_open = year == today.year and rng.random() < 0.3
            due = deadlines.proposal_deadline(assigned, months=3, calendar=cal).due
            row = _defaults(
                P,
                {
                    "id": pid,
                    "agency_id": 1,
                    "kind": kind,
                    "session": f"{year}年人代会" if kind == "npc" else f"{year}年政协全会",
                    "number": str(k + 1),
                    "title": f"关于加快{rng.choice(PROJECTS)}的建议",
                    "lead_author": _person(rng),
                    "assigned_on": assigned,
                    "lead_section_id": rng.randint(1, len(SECTIONS)),
                    "status": "assigned" if is_open else "closed",
                    "due_date": due,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            rows.append(row)
            if rng.random() < 0.3:
                cos.append((pid, rng.randint(1, len(SECTIONS)), "assist"))
    cols = list(rows[0])
    w.write("proposal", cols, (tuple(r[c] for c in cols) for r in rows))
    seen = set()
    w.write(
        ProposalCohandler.__tablename__,
        ["proposal_id", "section_id", "mode"],
        (c for c in cos if c[:2] not in seen and not seen.add(c[:2])),
    )


def _notifications(w: Writer, rng: random.Random, now: datetime, users: int) -> None:
    def rows():
        for user_id in range(1, users + 1):
            count = 20000 if user_id == 1 else 300
            for i in range(count):
                read = None if rng.random() < 0.25 else now
                yield (
                    1,
                    user_id,
                    "due_soon",
                    f"临期：依申〔2026〕第{i:04d}号的答复期限将至。",
                    "/requests/1",
                    now,
                    read,
                )

    w.write("notification", ["agency_id", "user_id", "kind", "text", "link", "created_at", "read_at"], rows())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--force", action="store_true", help="generate again even if the database holds this N")
    args = parser.parse_args()
    print(json.dumps(generate(args.url, args.n, args.seed, args.force)))


if __name__ == "__main__":
    main()
