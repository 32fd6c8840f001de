"""Fixtures shared by the integration tests of the handling workflow (defined in workflow_fixtures.py)."""

from .workflow_fixtures import fast_user, w  # noqa: F401
