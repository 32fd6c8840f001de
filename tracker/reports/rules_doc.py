"""The counting rules of the report (report-rules.md, shipped in this package) as a page of the product.

The document is the one developers read in the repository; the page renders it with markdown-it-py
(CommonMark, tables on, raw HTML off: the text is escaped, and links other than http(s), mailto and
relative ones are dropped by markdown-it's own link validation). Rendered once per process.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt

DOCUMENT = Path(__file__).resolve().parent / "report-rules.md"

_TABLE_CLASS = "table table-sm table-bordered align-top small"


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def render_markdown(text: str) -> str:
    """HTML of a markdown text, safe to insert in a page: raw HTML is shown as text, not run."""
    md = _parser()
    tokens = md.parse(text)
    for tok in tokens:
        if tok.type == "table_open":
            tok.attrSet("class", _TABLE_CLASS)
    return md.renderer.render(tokens, md.options, {})


@lru_cache(maxsize=1)
def rules_page() -> tuple[str, list[tuple[str, str]]]:
    """(body HTML, [(anchor, heading text)] of the second-level headings) of the shipped document."""
    md = _parser()
    tokens = md.parse(DOCUMENT.read_text(encoding="utf-8"))
    toc: list[tuple[str, str]] = []
    for i, tok in enumerate(tokens):
        if tok.type == "table_open":
            tok.attrSet("class", _TABLE_CLASS)
        elif tok.type == "heading_open" and tok.tag in ("h2", "h3"):
            anchor = f"rule-{i}"
            tok.attrSet("id", anchor)
            if tok.tag == "h2":
                toc.append((anchor, tokens[i + 1].content))
    return md.renderer.render(tokens, md.options, {}), toc
