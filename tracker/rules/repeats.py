"""Whether two requests ask for similar information (重复申请, 条例第三十六条第（六）项; many requests, 第三十五条).

Pure: a similarity of two texts in [0, 1], the Dice coefficient of their character bigrams after
normalisation (width, case, spaces and punctuation ignored). Chinese text has no word boundaries, and
bigrams catch "某项目立项批复文件" vs "请公开某项目的立项批复" without a dictionary. The product only *shows*
similar earlier requests for a person to judge; nothing is decided from the score.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

SIMILAR = 0.45  # shown as similar from this score; checked against hand-picked pairs in tests
_DROP = set("，。、；：？！“”‘’（）()《》〈〉【】[]—-…·,.;:?!\"' \t\r\n")
_FILLER = ("请公开", "申请公开", "申请获取", "请提供", "有关", "相关", "关于")


def _normal(text: str) -> str:
    t = unicodedata.normalize("NFKC", text or "").lower()
    for word in _FILLER:
        t = t.replace(word, "")
    return "".join(ch for ch in t if ch not in _DROP)


def _bigrams(text: str) -> Counter:
    t = _normal(text)
    if len(t) < 2:
        return Counter([t]) if t else Counter()
    return Counter(t[i : i + 2] for i in range(len(t) - 1))


def similarity(a: str, b: str) -> float:
    """Dice coefficient of the bigram multisets of a and b (0 when either is empty)."""
    x, y = _bigrams(a), _bigrams(b)
    total = sum(x.values()) + sum(y.values())
    if not total or not x or not y:
        return 0.0
    return 2 * sum((x & y).values()) / total


def is_similar(a: str, b: str) -> bool:
    return similarity(a, b) >= SIMILAR
