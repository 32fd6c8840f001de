"""The calendar blueprint (/calendar): defined here, its route modules imported once below."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("calendar", __name__, url_prefix="/calendar")

# Route modules register on bp when imported; nothing else imports a views module.
from . import views  # noqa: E402,F401
