from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def permission_required(permission: str):
    """Login plus one permission from tracker.accounts.roles; 403 otherwise."""

    def wrap(view):
        @wraps(view)
        @login_required
        def inner(*args, **kwargs):
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        return inner

    return wrap
