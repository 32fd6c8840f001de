"""The NPC/CPPCC blueprint (/proposals): defined here, its route modules imported once below."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("proposals", __name__, url_prefix="/proposals")

# Route modules register on bp when imported; nothing else imports a views module.
from . import views  # noqa: E402,F401
