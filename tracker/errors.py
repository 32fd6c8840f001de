"""Errors services raise for the user: a clear Chinese message, nothing changed."""


class ServiceError(Exception):
    """A refused action. `message` is shown to the user as is; `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionDenied(ServiceError):
    pass


class NotFound(ServiceError):
    pass


class ConflictError(ServiceError):
    """Someone else changed the record since it was loaded (optimistic locking)."""
