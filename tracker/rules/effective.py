"""Rules that change with the law: each value carries the date it applies from.

A rule whose figure or wording a new law can change (the answer period, the extension limit, the fee
bands, the remedies text) is a `Dated` table of `Version`s instead of a bare constant. Callers ask for
the version in force on the date that decides it (a request's receipt date, a decision's date), so a
change in the law applies to the cases it governs and never silently to every open case.

Every version names its source (article, document number, date in force); docs/legal-sources.md lists
them all, and tests/unit/test_effective.py checks that it does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Version(Generic[T]):
    """One wording or figure of a rule, in force from `since` (inclusive) until the next version."""

    since: date
    value: T
    source: str  # article, document number and date in force, e.g. 条例第三十三条（国务院令第711号，2019-05-15施行）


class NotInForce(ValueError):
    """The rule did not exist yet on the date asked about (a Chinese message)."""


class Dated(Generic[T]):
    """A rule as a list of versions, each in force from its date. `at(d)` is the version in force on d."""

    def __init__(self, name: str, versions: Iterable[Version[T]]):
        ordered = sorted(versions, key=lambda v: v.since)
        if not ordered:
            raise ValueError(f"{name}: at least one version is needed")
        if len({v.since for v in ordered}) != len(ordered):
            raise ValueError(f"{name}: two versions in force from the same date")
        self.name = name
        self.versions: tuple[Version[T], ...] = tuple(ordered)

    def version_at(self, when: date) -> Version[T]:
        """The version in force on `when`; NotInForce before the first one."""
        found = None
        for v in self.versions:
            if v.since <= when:
                found = v
            else:
                break
        if found is None:
            first = self.versions[0]
            raise NotInForce(
                f"{self.name}自{first.since.isoformat()}起施行，{when.isoformat()}时尚未施行（{first.source}）"
            )
        return found

    def at(self, when: date) -> T:
        return self.version_at(when).value

    @property
    def current(self) -> Version[T]:
        """The latest version (what applies to anything dated today or later)."""
        return self.versions[-1]

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Dated({self.name!r}, {[v.since.isoformat() for v in self.versions]})"


# Dates in force used by several rules.
REGULATION_2007 = date(2008, 5, 1)  # 《政府信息公开条例》国务院令第492号
REGULATION_2019 = date(2019, 5, 15)  # 《政府信息公开条例》修订，国务院令第711号
FEE_MEASURES_2020 = date(2021, 1, 1)  # 《政府信息公开信息处理费管理办法》国办函〔2020〕109号
RECONSIDERATION_LAW_2023 = date(2024, 1, 1)  # 《行政复议法》2023年修订（主席令第九号）
LITIGATION_LAW_2014 = date(2015, 5, 1)  # 《行政诉讼法》2014年修正
