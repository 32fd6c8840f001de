"""What every form shares: the mark of a field its service requires.

The rules stay in the services (one place); a form only says which of its fields a person must fill, so
that the page marks them (a red * and aria-required, from templates/_form.html). A field whose need
depends on other answers (e.g. the legal ground of some outcomes) is not marked: its label says when.
"""

from __future__ import annotations


class Required:
    """Marks a field as required without checking it: the service refuses it empty, with its message.

    WTForms' DataRequired sets the same flag, so forms validated by WTForms itself are marked alike.
    """

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        return None


REQUIRED = [Required()]
