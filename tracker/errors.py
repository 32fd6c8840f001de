"""Errors services raise for the user: a clear Chinese message, nothing changed."""


class ServiceError(Exception):
    """A refused action. `message` is shown to the user as is; `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class FieldErrors(ServiceError):
    """Several field problems found at once, {field: message}; a form shows each next to its field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("；".join(errors.values()), next(iter(errors)))
        self.errors = errors


class PermissionDenied(ServiceError):
    pass


class NotFound(ServiceError):
    pass


class ConflictError(ServiceError):
    """Someone else changed the record since it was loaded (optimistic locking)."""


def check_version(current: int, submitted: object, message: str) -> None:
    """Optimistic locking of a form: ConflictError(message) unless it was loaded at version `current`.

    A missing or non-numeric version (a broken or forged form) counts as stale, never as a crash.
    """
    try:
        ok = submitted is not None and int(submitted) == current  # type: ignore[call-overload]
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ConflictError(message)
