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


# --- what every field checks by default ---------------------------------------------------------------
#
# Installed once on FlaskForm (install_default_checks, from create_app), so every form of the product — and
# every form added later — gets them without a line of its own:
#  * text fields: tracker.rules.text (no NUL or control characters; tab and line breaks only in a
#    multi-line TextAreaField), with the rule's Chinese message under the field;
#  * date fields: within the calendar's range (tracker.rules.clock.date_problem);
#  * whole numbers: within the database's INTEGER (types.MAX_ID), so 2147483648 is a message, not a 500.
# An id chosen in a form (handler_id, section_id, ...) is read by its service with types.to_id, the same
# check as an id in a URL, so 2147483648 is "please choose" there (tests/integration/test_hostile_input.py).


def _stop(field, message: str) -> None:
    from wtforms.validators import StopValidation

    field.errors[:] = []
    raise StopValidation(message)


class CleanText:
    def __init__(self, multiline: bool) -> None:
        self.multiline = multiline

    def __call__(self, form, field) -> None:
        from .rules.text import problem

        values = field.data if isinstance(field.data, list) else [field.data]
        for value in values:
            if isinstance(value, str) and (why := problem(value, self.multiline)):
                _stop(field, f"{field.label.text}{why}")


class DateInRange:
    def __call__(self, form, field) -> None:
        from .rules.clock import date_problem

        if why := date_problem(field.data):
            _stop(field, f"{field.label.text}：{why}")


class IntInRange:
    def __call__(self, form, field) -> None:
        from .types import MAX_ID

        if isinstance(field.data, int) and not -MAX_ID <= field.data <= MAX_ID:
            _stop(field, f"{field.label.text}：数值过大，请填写不超过 {MAX_ID} 的整数。")


def _default_checks(field_class) -> list:
    from wtforms import DateField, IntegerField, SelectFieldBase, StringField, TextAreaField
    from wtforms.fields import DateTimeField

    checks: list = []
    if issubclass(field_class, StringField):
        checks.append(CleanText(multiline=issubclass(field_class, TextAreaField)))
    if issubclass(field_class, SelectFieldBase):
        checks.append(CleanText(multiline=False))
    if issubclass(field_class, (DateField, DateTimeField)):
        checks.append(DateInRange())
    if issubclass(field_class, IntegerField):
        checks.append(IntInRange())
    return checks


def _bind_field(self, form, unbound_field, options):
    """DefaultMeta.bind_field, with the default checks placed before the field's own validators."""
    field = unbound_field.bind(form=form, **options)
    checks = _default_checks(type(field))
    if checks:
        field.validators = [*checks, *field.validators]
    return field


def install_default_checks() -> None:
    from flask_wtf import FlaskForm

    FlaskForm.Meta.bind_field = _bind_field
