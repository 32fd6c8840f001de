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


def show_missing(form) -> None:
    """When a form cannot reach its service (a date that cannot be read), still say under each marked field
    left empty that it is needed, so that one submission shows every problem; the service stays the judge."""
    for field in form:
        if field.flags.required and not field.errors and field.data in (None, "", [], False):
            verb = "选择" if field.type in ("SelectField", "SelectMultipleField", "FileField") else "填写"
            field.errors = [f"请{verb}{field.label.text}。"]
