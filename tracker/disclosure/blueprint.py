"""The disclosure blueprint (/requests): defined here, its route modules imported once below."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("disclosure", __name__, url_prefix="/requests")

# Route modules register on bp when imported; nothing else imports a views module.
from . import (  # noqa: E402,F401
    action_views,
    bulk_views,
    edit_views,
    filter_views,
    letter_template_views,
    review_views,
    slip_views,
    views,
)
