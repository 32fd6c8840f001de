"""Calendar commands: `calendar import FILE`, `calendar show YEAR`, and the `due-date` calculator."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    pass
