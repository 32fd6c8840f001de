"""How the product writes text out (issue 14 owns the whole rule; this is its output half).

Text already stored must never make a document fail: XML 1.0 — every .docx and .xlsx — cannot hold the
control characters other than tab and line breaks, lone surrogates or U+FFFE/U+FFFF. Pure Python.
"""

from __future__ import annotations

import re

_NEVER = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
_NOT_XML = re.compile(f"[{_NEVER}]")


def xml_safe(text: str, replacement: str = "\ufffd") -> str:
    """``text`` with every character XML 1.0 cannot hold replaced (tab and line breaks kept)."""
    return _NOT_XML.sub(replacement, text) if _NOT_XML.search(text) else text
