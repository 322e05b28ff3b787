"""The base form, its fields and the shared validators: GOV.UK widgets, server-side validation, refusal of
anything crafted. Every domain's forms are built from these.

Every form refuses fields it does not have, and a field sent more than once unless it takes several values (a
crafted POST gets a 422 with a message, and nothing is saved); a form that carries the version of the record it
was shown with refuses a POST without it (optimistic locking cannot be skipped). Every date is a `GovDate`: three
inputs whose missing or extra parts give a clear message instead of the 500 that govuk-frontend-wtf's date widget
would raise. A rule the service refuses comes back as problems per field (`Form.attempt`), and `Form.handle`
checks the rules even when some fields have errors, so the page shows every problem beside the field it is
about, in one error summary, on the first submission.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import request
from flask_babel import get_locale, gettext
from flask_wtf import FlaskForm
from govuk_frontend_wtf import wtforms_widgets as gov
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import DateField, DecimalField, IntegerField, RadioField, SelectMultipleField, StringField
from wtforms import SubmitField as _SubmitField
from wtforms.validators import InputRequired, Length, StopValidation, ValidationError
from wtforms.widgets import HiddenInput

from app import clock
from app.errors import Problem, RuleViolation
from app.extensions import db

YES_NO = {"yes": "Yes", "no": "No"}


# --- the base form ------------------------------------------------------------------------------------------


class Form(FlaskForm):
    """A FlaskForm that refuses fields it does not have, and builds the GOV.UK error summary."""

    def known_names(self) -> set[str]:
        return {"csrf_token"} | {field.name for field in self}

    def unknown_fields(self) -> list[str]:
        if not self.is_submitted():
            return []
        known = self.known_names()
        return sorted(k for k in request.form if k not in known)

    def repeated_fields(self) -> list[str]:
        """Names sent more than once that take one value: a crafted POST, or two forms' fields mixed."""
        if not self.is_submitted():
            return []
        several = {field.name for field in self if isinstance(field, MULTI_VALUED)}
        return sorted(k for k in request.form if k not in several and len(request.form.getlist(k)) > 1)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for names, what in ((self.unknown_fields(), "something it does not ask for"),
                            (self.repeated_fields(), "the same answer more than once")):
            if names:
                shown = ", ".join(name[:40] for name in names[:5])
                self.form_errors.append(f"The form was sent with {what} ({shown}), so nothing was saved. Reload "
                                        "the page and try again.")
                ok = False
        return ok

    def add_error(self, field_name: str | None, message: str) -> None:
        if field_name and field_name in self._fields:
            getattr(self, field_name).errors.append(message)
        else:
            self.form_errors.append(message)

    def add_problems(self, problems: list[Problem]) -> None:
        for field, message in problems:
            self.add_error(field, message)

    def attempt(self, action: Callable[[], object]) -> bool:
        """Run one service call for this (valid) form, keeping what it returns in `result`. A rule it refuses
        becomes errors on the form, shown again with a 422 and the input kept; whatever the call had written is
        rolled back."""
        try:
            self.result = action()
        except RuleViolation as exc:
            db.session.rollback()
            self.add_problems(exc.by_field)
            return False
        return True

    def handle(self, action: Callable[[], object], *, check: Callable[[dict], object] | None = None) -> bool:
        """Validate, then `attempt(action)`. A form with field errors still runs `check` (the service's own rule
        check, which writes nothing) on its `values()`, each answer that failed set to None, so the rule problems
        (a cap, a late date) show in the same error summary as the field errors instead of one submission later.
        A field keeps its own error first; a rule problem about it is added only when it has none."""
        if not self.is_submitted():
            return False
        if self.validate():
            return self.attempt(action)
        if check is not None:
            try:
                check(self.parsed(self.values()))
            except RuleViolation as exc:
                self.add_problems([p for p in exc.by_field if not (p.field in self._fields
                                                                    and getattr(self, p.field).errors)])
        return False

    def parsed(self, values: dict) -> dict:
        """`values` with the answer of every field that has an error set to None (what a rule check can use)."""
        return {k: None if k in self._fields and getattr(self, k).errors else v for k, v in values.items()}

    def error_summary(self) -> list[dict]:
        items = [{"text": message} for message in self.form_errors]
        for field in self:
            if field.errors:
                anchor = getattr(field, "error_anchor", field.id)
                items.append({"text": field.errors[0], "href": f"#{anchor}"})
        return items


def form_status(form) -> int:
    """A form shown again after it was submitted is shown because it had errors: 422."""
    return 422 if form.is_submitted() else 200


# --- widgets --------------------------------------------------------------------------------------------------


class _HintOnlyIfAny:
    """govuk-frontend-wtf gives every radio or checkbox group a hint, even without a description: the macro then
    shows the word "None" under the question. Every form imports these widgets from here, never from the library."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        hint = params.get("hint") or {}
        if not (hint.get("text") or hint.get("html")):
            params.pop("hint", None)
        return params


class GovRadioInput(_HintOnlyIfAny, gov.GovRadioInput):
    pass


class GovCheckboxesInput(_HintOnlyIfAny, gov.GovCheckboxesInput):
    pass


class GovCheckboxInput(_HintOnlyIfAny, gov.GovCheckboxInput):
    pass


# --- fields ---------------------------------------------------------------------------------------------------


def SubmitField(label: str):
    return _SubmitField(label, widget=GovSubmitInput())


def _length(label: str, max_length: int) -> Length:
    return Length(max=max_length, message=f"{label} must be {max_length} characters or fewer")


def text_field(label, *validators, hint=None, max_length=200, **kw):
    return StringField(label, [*validators, _length(label, max_length)], widget=_TextInput(), description=hint,
                       **kw)


def area_field(label, *validators, hint=None, max_length=2000):
    return StringField(label, [*validators, _length(label, max_length)], widget=GovTextArea(), description=hint)


def yes_no_field(label, message, hint=None, **kw):
    return RadioField(label, [InputRequired(message)], choices=YES_NO, widget=GovRadioInput(), description=hint, **kw)


VERSION_MISSING = ("Someone else may have changed this record, and the form was sent without the version it was "
                   "shown with, so nothing was saved. Reload the page and make your change again.")


def version_field(**kw):
    """The version of the record the form was shown with (optimistic locking). Required: a POST that leaves it
    out would otherwise overwrite whatever another person saved meanwhile."""
    return VersionField(widget=HiddenInput(), validators=[InputRequired(VERSION_MISSING)], **kw)


class _SaysWhatToType:
    """A number field whose error says what to type, instead of WTForms' "Not a valid ... value"."""

    what_to_type = ""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(self.what_to_type) from None


class NumberField(_SaysWhatToType, DecimalField):
    """A decimal number. NaN, sNaN and Infinity parse as Decimals but are no number of hours (and sNaN raises on
    any comparison), so they get the same message as any other non-number."""

    what_to_type = "Enter the hours as a number, like 2 or 2.5"

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.what_to_type)


class PoundsField(_SaysWhatToType, IntegerField):
    what_to_type = "Enter the amount in whole pounds, like 50"


class VersionField(_SaysWhatToType, IntegerField):
    what_to_type = VERSION_MISSING


class _InLanguage:
    """Outside English, the design system's own words in a field: the hidden "Error:" before its message, and a
    date's Day, Month and Year (English pages are left exactly as govuk-frontend-wtf makes them)."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        if getattr(get_locale(), "language", "en") == "en":
            return params
        if "errorMessage" in params:
            params["errorMessage"] = {**params["errorMessage"], "visuallyHiddenText": gettext("Error")}
        words = {"Day": gettext("Day"), "Month": gettext("Month"), "Year": gettext("Year")}
        for item in params.get("items") or []:
            if isinstance(item, dict) and item.get("label") in words:
                item["label"] = words[item["label"]]
        return params


class _SafeDateInput(_InLanguage, GovDateInput):
    """govuk-frontend-wtf's date input unpacks exactly three raw values; give it three, whatever was posted."""

    def map_gov_params(self, field, **kwargs):
        if field.raw_data is not None and len(field.raw_data) != 3:
            field.raw_data = ([*field.raw_data, "", "", ""])[:3]
        return super().map_gov_params(field, **kwargs)


class _TextInput(_InLanguage, GovTextInput):
    pass


class GovDate(DateField):
    """Day, month and year inputs. Missing or impossible parts are a validation error in words, never a crash."""

    widget = _SafeDateInput()

    def __init__(self, label=None, validators=None, required: str | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required_message = required  # the message when nothing is entered, or None when the date is optional

    def process_formdata(self, valuelist):
        if not valuelist:  # the field was not sent at all
            self.data = None
            return
        parts = [str(v).strip() for v in valuelist]
        if len(parts) != 3:
            self.data = None
            raise ValueError(f"{self.label.text} must be sent as a day, a month and a year")
        if not any(parts):
            self.data = None
            return
        missing = [name for name, value in zip(("day", "month", "year"), parts, strict=True) if not value]
        if missing:
            self.data = None
            raise ValueError(f"{self.label.text} must include a {' and a '.join(missing)}")
        if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, with a 4-digit year, for example 27 3 2026")
        try:
            self.data = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date") from None

    def pre_validate(self, form):
        if self.data is None and not self.process_errors and self.required_message:
            raise ValidationError(self.required_message)

    @property
    def error_anchor(self) -> str:
        return f"{self.id}-day"


# Fields whose name is sent more than once by design: checkboxes, and a date's three inputs (which GovDate counts).
MULTI_VALUED = (SelectMultipleField, GovDate)


# --- validators -----------------------------------------------------------------------------------------------


def not_future(message: str):
    def check(form, field):
        if field.data and field.data > clock.today():
            raise ValidationError(message)
    return check


def not_past(message: str):
    def check(form, field):
        if field.data and field.data < clock.today():
            raise ValidationError(message)
    return check


def not_before_1900(form, field):
    if field.data and field.data.year < 1900:
        raise ValidationError(f"{field.label.text} must be after 1900")


def not_blank(message: str):
    def check(form, field):
        if not (field.data or "").strip():
            raise ValidationError(message)
    return check


def required_if(other: str, values: tuple, message: str):
    """Required when another field has one of these values, and otherwise optional (an empty answer then stops
    validation, clearing the "Not a valid choice" that an unanswered radio question would give)."""
    def check(form, field):
        raw = field.raw_data
        if raw and not (isinstance(raw[0], str) and not raw[0].strip()):
            return
        field.errors[:] = []
        if getattr(form, other).data in values:
            raise StopValidation(message)
        raise StopValidation()
    return check


def blank_to_none(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value
