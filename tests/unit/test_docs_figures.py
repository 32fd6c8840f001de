"""The figures README and docs (also those shipped in the package) quote about the rules are the rules' own: one count of outcome codes."""

from __future__ import annotations

import re
from pathlib import Path

from tracker.rules import outcomes

ROOT = Path(__file__).resolve().parents[2]
# "the 21 outcome codes", "one of the 22 official outcome codes", "the 21 result rows", "21 outcomes"
COUNT = re.compile(r"(\d+)\s+(?:official\s+)?(?:outcome codes|outcomes|result rows)")


def _quoted_counts() -> list[tuple[str, int, str]]:
    found = []
    docs = [*sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "tracker").rglob("*.md"))]
    for path in [ROOT / "README.md", *docs]:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for m in COUNT.finditer(line):
                found.append((f"{path.name}:{lineno}", int(m.group(1)), line.strip()))
    return found


def test_every_quoted_count_of_outcome_codes_is_the_number_of_codes():
    quoted = _quoted_counts()
    assert len(quoted) >= 3, quoted  # README (twice) and the docs quote it
    wrong = [q for q in quoted if q[1] != len(outcomes.CODES)]
    assert not wrong, f"{len(outcomes.CODES)} outcome codes, but: {wrong}"
