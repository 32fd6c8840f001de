"""Fixtures shared by the integration tests: the handling workflow's (workflow_fixtures.py) and the
session tests' one-round password hashes (session_helpers.py)."""

from .api_helpers import api, token  # noqa: F401
from .session_helpers import cheap_hashes  # noqa: F401
from .workflow_fixtures import fast_user, w  # noqa: F401
