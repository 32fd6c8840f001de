"""Searching requests through indexes: one function, the same results on SQLite and PostgreSQL.

What a search box string ``q`` finds (every whitespace-separated term must match, AND):

- a case number, an identity number or an applicant name that *starts with* the term (B-tree
  indexes: on PostgreSQL ``LIKE 'term%'`` on ``varchar_pattern_ops`` indexes, on SQLite ``GLOB
  'term*'`` on the ordinary binary-collated ones). Case numbers and names are matched as typed;
  identity numbers in upper case (the check character X);
- any term of 3 or more characters also anywhere inside the number, the applicant's name, the subject
  or the content, ignoring ASCII letter case: on PostgreSQL ``ILIKE '%term%'`` answered by one
  pg_trgm GIN index over those four columns, on SQLite a MATCH on an FTS5 table with the trigram
  tokenizer (SQLite ≥ 3.34) kept by triggers. A trigram index cannot look up fewer than three
  characters, so a term of one or two characters (a surname, 立项) is matched as a prefix only —
  SEARCH_MIN_CHARS, which the list page tells the user.

Both objects are created by the migration of issue 15 and, for test databases built with
``create_all()``, by the DDL listeners below; ``migrations/env.py`` keeps them out of ``db check``
(SEARCH_OBJECT_PREFIXES).

Chinese text: the trigram tokenizer works on Unicode characters, and pg_trgm counts CJK characters as
word characters when the database's LC_CTYPE classifies them so (C.UTF-8 and zh_CN.UTF-8 on glibc do;
the plain C locale does not, and then no trigram of Chinese text exists): tests/integration/
test_search.py checks the same hits on both engines.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import DDL, and_, event, intersect, literal_column, or_, select, table, union, union_all

from ..accounts.access import of_agencies
from ..paging import COUNT_CAP
from .models import DisclosureRequest

SEARCH_MIN_CHARS = 3  # a trigram index needs three characters
MAX_TERMS = 5  # more terms add nothing but work
MAX_TERM_CHARS = 100
SEARCH_OBJECT_PREFIXES = ("request_fts", "ix_search_")

R = DisclosureRequest

# SQLite: an external-content FTS5 table over the four searched columns, kept by triggers.
SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS request_fts USING fts5("
    "number, applicant_name, subject, content, content='disclosure_request', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS request_fts_ai AFTER INSERT ON disclosure_request BEGIN "
    "INSERT INTO request_fts(rowid, number, applicant_name, subject, content) "
    "VALUES (new.id, new.number, new.applicant_name, new.subject, new.content); END",
    "CREATE TRIGGER IF NOT EXISTS request_fts_ad AFTER DELETE ON disclosure_request BEGIN "
    "INSERT INTO request_fts(request_fts, rowid, number, applicant_name, subject, content) "
    "VALUES ('delete', old.id, old.number, old.applicant_name, old.subject, old.content); END",
    "CREATE TRIGGER IF NOT EXISTS request_fts_au AFTER UPDATE OF number, applicant_name, subject, content "
    "ON disclosure_request BEGIN "
    "INSERT INTO request_fts(request_fts, rowid, number, applicant_name, subject, content) "
    "VALUES ('delete', old.id, old.number, old.applicant_name, old.subject, old.content); "
    "INSERT INTO request_fts(rowid, number, applicant_name, subject, content) "
    "VALUES (new.id, new.number, new.applicant_name, new.subject, new.content); END",
)
# PostgreSQL: one trigram GIN index over the searched text, and prefix indexes for LIKE 'term%'.
PG_SEARCH_TEXT = "(number || chr(31) || applicant_name || chr(31) || subject || chr(31) || content)"
PG_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS ix_search_request_trgm ON disclosure_request USING gin ({PG_SEARCH_TEXT} gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_search_request_number ON disclosure_request (agency_id, number varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS ix_search_request_id_number "
    "ON disclosure_request (agency_id, id_number varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS ix_search_request_name "
    "ON disclosure_request (agency_id, applicant_name varchar_pattern_ops)",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS request_fts_au",
    "DROP TRIGGER IF EXISTS request_fts_ad",
    "DROP TRIGGER IF EXISTS request_fts_ai",
    "DROP TABLE IF EXISTS request_fts",
)
PG_DROP = (
    "DROP INDEX IF EXISTS ix_search_request_name",
    "DROP INDEX IF EXISTS ix_search_request_id_number",
    "DROP INDEX IF EXISTS ix_search_request_number",
    "DROP INDEX IF EXISTS ix_search_request_trgm",
)

for _stmt in SQLITE_DDL:
    event.listen(R.__table__, "after_create", DDL(_stmt).execute_if(dialect="sqlite"))
for _stmt in PG_DDL:
    event.listen(R.__table__, "after_create", DDL(_stmt).execute_if(dialect="postgresql"))
event.listen(R.__table__, "before_drop", DDL("DROP TABLE IF EXISTS request_fts").execute_if(dialect="sqlite"))


def is_search_object(name: str | None) -> bool:
    """True for the FTS5 table (and its shadow tables) and the PostgreSQL search indexes."""
    return bool(name) and name.startswith(SEARCH_OBJECT_PREFIXES)


def terms(q: str | None) -> list[str]:
    """The terms of a search string: split on whitespace, control characters dropped, at most MAX_TERMS."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in (q or ""))
    return [t[:MAX_TERM_CHARS] for t in cleaned.split()][:MAX_TERMS]


def short_terms(q: str | None) -> list[str]:
    """The terms that only match as a prefix (fewer than SEARCH_MIN_CHARS characters)."""
    return [t for t in terms(q) if len(t) < SEARCH_MIN_CHARS]


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _glob_escape(term: str) -> str:
    # GLOB has no escape character: a metacharacter is matched literally inside brackets
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in term)


def _prefix(column, term: str, dialect: str):
    if dialect == "postgresql":
        return column.like(_like_escape(term) + "%", escape="\\")
    return column.op("GLOB")(_glob_escape(term) + "*")


def _contains(term: str, dialect: str):
    """Ids of requests with the term anywhere in number, name, subject or content (trigram index)."""
    if dialect == "postgresql":
        return select(R.id).where(literal_column(PG_SEARCH_TEXT).ilike("%" + _like_escape(term) + "%", escape="\\"))
    phrase = '"' + term.replace('"', '""') + '"'
    return (
        select(literal_column("rowid"))
        .select_from(table("request_fts"))
        .where(literal_column("request_fts").op("MATCH")(phrase))
    )


def term_predicate(term: str, agencies, dialect: str):
    """One term: a prefix of number, identity number or name; with 3+ characters, also anywhere in the text.

    ``agencies``: the units searched — one agency id, or (a district reading its sub-units) the SELECT
    of their ids that accounts.access.readable_agencies gives. Each way is its own indexed SELECT of ids,
    united: a plain OR of them would let a planner fall back to reading every row of the agency.
    """
    return R.id.in_(_ways(term, agencies, dialect))


def _ways(term: str, agencies, dialect: str, distinct: bool = True):
    """The ids matching one term: a UNION of indexed lookups (UNION ALL when only counted up to a
    bound: an id found two ways then counts twice, which only makes the 'many' plan come sooner).
    The prefix ways lead with the unit (the indexes are (agency_id, column)): ``agency_id = x`` for one
    unit, ``agency_id IN (the subtree)`` for several — an index lookup per unit. The trigram way has no
    unit: its ids are intersected with the user's scoped query by the caller (the list)."""
    mine = of_agencies(R.agency_id, agencies)
    ways = [
        select(R.id).where(mine, _prefix(R.number, term, dialect)),
        select(R.id).where(mine, _prefix(R.id_number, term.upper(), dialect)),
        select(R.id).where(mine, _prefix(R.applicant_name, term, dialect)),
    ]
    if len(term) >= SEARCH_MIN_CHARS:
        ways.append(_contains(term, dialect))
    return union(*ways) if distinct else union_all(*ways)


FEW = 1000  # up to this many matches a search lists them by id; beyond, it filters the sorted walk
MANY = 4 * COUNT_CAP + 1  # ids read at most: four ways a term can match, so > MANY rows are > 1,000 requests


@dataclass(frozen=True)
class Search:
    where: object  # the WHERE clause
    few: bool  # True: the matches are listed by id (sort them); False: many (walk the sort order)
    surely_many: bool = False  # more than COUNT_CAP distinct matches (the list need not count them)


def resolve(q: str | None, agencies, dialect: str, session) -> Search | None:
    """The search for q as one of two plans, chosen by one bounded query of the matching ids.

    Each term's ways are indexed id lookups (term_predicate); their intersection, read up to MANY + 1
    ids, decides: few matches are then selected by id and sorted (a rare name or number: milliseconds
    however large the table), many are left as a filter on the list's sorted index walk, which meets
    a page of them at once (a word in most requests). Either way the list sees the same rows.
    ``agencies``: as for term_predicate (accounts.access.readable_agencies of the list's user).
    """
    found = terms(q)
    if not found:
        return None
    if not isinstance(agencies, int):
        # the subtree's ids as numbers (one small query): PostgreSQL then looks each prefix up as
        # agency_id = ANY('{…}') AND column range in the (agency_id, column) index, whatever its
        # estimate of the path's LIKE would have been
        agencies = list(session.scalars(agencies))
    sets = [_ways(t, agencies, dialect, distinct=len(found) > 1) for t in found]
    # SQLite takes no parenthesised compound inside INTERSECT: each term's UNION is a subquery
    ids_q = (
        sets[0]
        if len(sets) == 1
        else intersect(*(select(literal_column("id")).select_from(u.subquery()) for u in sets))
    )
    ids = session.scalars(select(literal_column("id")).select_from(ids_q.subquery()).limit(MANY + 1)).all()
    if len(ids) <= FEW:
        return Search(R.id.in_(sorted(set(ids))), True)
    # an id can come back once per way (UNION ALL): only beyond MANY is the count surely over the cap
    return Search(and_(*(_row_match(t, dialect) for t in found)), False, len(ids) > MANY)


def _row_match(term: str, dialect: str):
    """The same match as _ways, tested on each row: for a term found in thousands of rows, which the
    list's sorted index walk meets at once. SQLite tests the text with LIKE (case-insensitive for
    ASCII, like the trigram tokenizer; CJK has no case)."""
    like = "%" + _like_escape(term) + "%"
    options = [
        _prefix(R.number, term, dialect),
        _prefix(R.id_number, term.upper(), dialect),
        _prefix(R.applicant_name, term, dialect),
    ]
    if len(term) >= SEARCH_MIN_CHARS:
        if dialect == "postgresql":
            options.append(literal_column(PG_SEARCH_TEXT).ilike(like, escape="\\"))
        else:
            options += [c.like(like, escape="\\") for c in (R.number, R.applicant_name, R.subject, R.content)]
    return or_(*options)


def search_predicate(q: str | None, agencies, dialect: str):
    """The WHERE clause of a search for q (None when q has no terms): every term must match."""
    found = terms(q)
    if not found:
        return None
    return and_(*(term_predicate(t, agencies, dialect) for t in found))
