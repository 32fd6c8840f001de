from functools import wraps

from flask import abort, request
from flask_login import current_user, login_required

READING = ("GET", "HEAD")


def permission_required(permission: str, manage: str | None = None):
    """Login plus a permission of tracker.accounts.roles; 403 otherwise.

    ``manage``: a page that reads and writes. Reading it (GET) takes ``permission`` (its ``.view``),
    anything else (the POST of its form) takes ``manage``, so a read-only role opens the page and is
    refused the change; the service asks for ``manage`` again (roles.require)."""

    def wrap(view):
        @wraps(view)
        @login_required
        def inner(*args, **kwargs):
            needed = permission if manage is None or request.method in READING else manage
            if not current_user.can(needed):
                abort(403)
            return view(*args, **kwargs)

        return inner

    return wrap
