"""The accounts blueprints, sign-in (auth) and administration (/admin): defined here, their route module
imported once below."""

from __future__ import annotations

from flask import Blueprint

auth_bp = Blueprint("auth", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")

# The route module registers on both when imported; nothing else imports a views module.
from . import unit_views, views  # noqa: E402,F401
