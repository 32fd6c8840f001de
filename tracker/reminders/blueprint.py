"""The notification centre blueprint (/notifications): defined here, its route modules imported once below."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reminders", __name__, url_prefix="/notifications")

# Route modules register on bp when imported; nothing else imports a views module.
from . import views  # noqa: E402,F401
