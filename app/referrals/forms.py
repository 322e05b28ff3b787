"""Forms for referrals, appointments and attendance. Every form refuses fields it does not ask for (422)."""

from __future__ import annotations

import re
from datetime import datetime, time

from flask_babel import lazy_gettext as _l
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField, SelectMultipleField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from app import clock
from app.cases.decision_forms import CONDITION_LABELS
from app.organisations.categories import config as directory_config
from app.referrals.models import WHAT_TO_BRING_MAX
from app.referrals.outcomes import outcomes
from app.referrals.services import END_OUTCOMES, PARTIES, late_entry_problem
from app.web.forms import (
    Form,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDate,
    GovRadioInput,
    SubmitField,
    area_field,
    not_blank,
    not_past,
    required_if,
    text_field,
    version_field,
)

TIME = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?\s*$", re.IGNORECASE)


def parse_time(text: str | None) -> time | None:
    match = TIME.match(text or "")
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), (match.group(3) or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif match.group(2) is None:
        return None  # "9" alone is ambiguous
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _time_field(label="Start time"):
    def check(form, field):
        if field.data and parse_time(field.data) is None:
            raise ValidationError(f"{label} must be a time like 9:30am or 14:00")
    return text_field(label, InputRequired(f"Enter the {label.lower()}"), check, max_length=10,
                 hint="For example, 9:30am or 14:00")


def _minutes(label="How long (minutes)"):
    return IntegerField(label, [InputRequired("Enter how long it lasts, in minutes"),
                                NumberRange(min=5, max=720, message="It must last between 5 and 720 minutes")],
                        widget=GovTextInput(), default=60)


def _known_outcome(form, field):
    if field.data and field.data not in outcomes():
        raise ValidationError("Choose an attendance outcome from the list")


def _mode():
    return RadioField("How it is held", [InputRequired("Choose how it is held")], widget=GovRadioInput(),
                      choices=dict(directory_config().delivery_modes))


class _When:
    def starts_at(self) -> datetime:
        return datetime.combine(self.on.data, parse_time(self.at.data), tzinfo=clock.LONDON)


class ReferralForm(Form):
    condition = RadioField("Which condition is this referral for?", [InputRequired("Choose the condition")],
                           widget=GovRadioInput(), choices={})
    service = RadioField("Service", [InputRequired("Choose a service")], widget=GovRadioInput(), choices={})
    risks = area_field("Risks the provider should know about", Optional(), max_length=2000,
                       hint="For example, risk to staff or lone working. Do not include the victim's details.")
    safeguarding = area_field("Other safeguarding constraints", Optional(), max_length=2000,
                              hint="No-contact and exclusion conditions are included for you, without names.")
    victim_agreed = BooleanField(
        "The victim agreed to restorative justice with this person, and to the provider receiving their details",
        widget=GovCheckboxInput(), description="Only for a restorative justice service. Otherwise the referral "
                                               "must not mention the victim at all.")
    submit = SubmitField("Continue")
    # The check-answers page posts the same fields back, hidden, with the digest of the dataset it showed, and
    # either confirms (to the send route) or asks to change them (back here).
    checked = HiddenField()
    change = SubmitField("Change the referral")

    def set_choices(self, conditions, rows) -> None:
        self.condition.choices = {str(c.public_id): f"{CONDITION_LABELS.get(c.type, c.type)}: {c.details[:80]}"
                                  for c in conditions}
        choices = {}
        for row in rows:
            s = row["service"]
            bits = [row["category"], s.provider.name, f"{row['places']} place{'s' if row['places'] != 1 else ''} "
                    "left this week"]
            if row["suggested"]:
                bits.insert(0, "Suggested")
            if not row["in_area"]:
                bits.append("outside the person's area")
            if not row["suits"]:
                bits.append("not for this person (age or sex)")
            choices[str(s.public_id)] = f"{s.name} ({', '.join(bits)})"
        self.service.choices = choices


class DecideForm(Form):
    decision = RadioField("Your decision", [InputRequired("Choose whether to accept or decline the referral")],
                          widget=GovRadioInput(), choices={"accept": "Accept and assign a caseworker",
                                                           "decline": "Decline"})
    caseworker = SelectField("Caseworker", [required_if("decision", ("accept",), "Choose a caseworker")],
                             widget=GovSelect(), choices={})
    reason = area_field("Why you are declining", required_if("decision", ("decline",), "Say why you are declining"),
                        max_length=2000, hint="The officer sees this, so they can refer the person elsewhere.")
    submit = SubmitField("Save decision")


def within_late_entry(form, field):
    """A session already held may be entered, up to the configured number of days later."""
    if field.data and (problem := late_entry_problem(field.data)):
        raise ValidationError(problem)


def _bring_field():
    return area_field("What to bring (optional)", Optional(), max_length=WHAT_TO_BRING_MAX,
                      hint="For example, photo ID and your appointment letter. The person sees this on their page, "
                           "in reminders and in their calendar: do not include the victim's details or the offence.")


class AppointmentForm(Form, _When):
    on = GovDate("Date", [within_late_entry], required="Enter the date",
                 description="A session already held can be entered afterwards: it is marked as entered late.")
    at = _time_field()
    minutes = _minutes()
    mode = _mode()
    place = text_field("Place, phone number or video link", Optional(), max_length=300)
    what_to_bring = _bring_field()
    submit = SubmitField("Book appointment")


class RescheduleForm(Form, _When):
    on = GovDate("New date", [not_past("The new date must be today or later")], required="Enter the new date")
    at = _time_field("New start time")
    minutes = _minutes()
    requested_by = RadioField("Who asked for the change?", [InputRequired("Say who asked for the change")],
                              widget=GovRadioInput(), choices=PARTIES)
    reason = area_field("Reason", InputRequired("Say why the appointment is moving"),
                        not_blank("Say why the appointment is moving"), max_length=2000)
    what_to_bring = _bring_field()
    version = version_field()
    submit = SubmitField("Move appointment")


class CancelForm(Form):
    party = RadioField("Who cancelled?", [InputRequired("Say who cancelled the appointment")],
                       widget=GovRadioInput(), choices=PARTIES)
    reason = area_field("Reason", InputRequired("Say why the appointment was cancelled"),
                        not_blank("Say why the appointment was cancelled"), max_length=2000)
    version = version_field()
    submit = SubmitField("Cancel appointment")


def _outcome_choices() -> dict[str, str]:
    return {"": "Choose an outcome"} | {o.code: o.label for o in outcomes().values()}


def _note_check(outcome_name: str):
    def check(form, field):
        found = outcomes().get(getattr(form, outcome_name).data or "")
        if found and found.note_required and not (field.data or "").strip():
            raise ValidationError(f"Write a note: it is needed for “{found.label.lower()}”")
    return check


class AttendanceForm(Form):
    outcome = SelectField("Attendance", [InputRequired("Choose an attendance outcome")], widget=GovSelect(),
                          choices={}, validate_choice=False)
    note = text_field("Note", _note_check("outcome"), max_length=2000,
                      hint="Needed for late and did not attend; for an excused absence, the evidence seen")
    version = version_field()
    submit = SubmitField("Save")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = _outcome_choices()

    def validate_outcome(self, field):
        if field.data not in outcomes():
            raise ValidationError("Choose an attendance outcome from the list")


def group_attendance_form(appointments):
    """One outcome, note and version per participant, keyed by the appointment's opaque id."""

    class GroupAttendanceForm(Form):
        submit = SubmitField("Save attendance")

        def entries(self) -> dict[int, tuple[str, str | None, int]]:
            found = {}
            for a in appointments:
                k = a.key
                code = getattr(self, f"outcome_{k}").data
                if code:
                    found[a.id] = (code, getattr(self, f"note_{k}").data, getattr(self, f"version_{k}").data)
            return found

        def validate(self, extra_validators=None) -> bool:
            ok = super().validate(extra_validators)
            if ok and not self.entries():
                self.form_errors.append("Choose an outcome for at least one person")
                ok = False
            return ok

    for a in appointments:
        k = a.key
        name = a.referral.person_name
        setattr(GroupAttendanceForm, f"outcome_{k}", SelectField(
            f"Attendance: {name}", [Optional(), _known_outcome], widget=GovSelect(), choices=_outcome_choices(),
            default=a.outcome or "", validate_choice=False))
        setattr(GroupAttendanceForm, f"note_{k}", text_field(f"Note: {name}", _note_check(f"outcome_{k}"),
                                                        max_length=2000))
        setattr(GroupAttendanceForm, f"version_{k}", version_field(default=a.version))
    return GroupAttendanceForm


class GroupSessionForm(Form, _When):
    title = text_field("Title", InputRequired("Enter the session's title"), not_blank("Enter the session's title"),
                       max_length=200,
                       hint="For example, Alcohol awareness workshop, part 1")
    on = GovDate("Date", [within_late_entry], required="Enter the date",
                 description="A session already held can be entered afterwards: it is marked as entered late.")
    at = _time_field()
    minutes = _minutes()
    mode = _mode()
    place = text_field("Place, phone number or video link", Optional(), max_length=300)
    participants = SelectMultipleField("Who is attending", [InputRequired("Choose at least one person")],
                                       widget=GovCheckboxesInput(), choices={})
    what_to_bring = _bring_field()
    submit = SubmitField("Book group session")


class NoteForm(Form):
    text = area_field("Progress note", InputRequired("Write the progress note"), not_blank("Write the progress note"),
                      max_length=4000,
                      hint="Attendance and engagement for the police. Do not record what was said in sessions.")
    submit = SubmitField("Add note")


class EndForm(Form):
    outcome = RadioField("How did the service end?", [InputRequired("Choose how the service ended")],
                         widget=GovRadioInput(), choices=END_OUTCOMES)
    reason = area_field("Why it ended early", required_if("outcome", ("ended_early",), "Say why the service ended "
                                                                                       "early"), max_length=2000)
    summary = area_field("Summary of engagement", InputRequired("Write a summary of the person's engagement"),
                         not_blank("Write a summary of the person's engagement"),
                         max_length=4000, hint="Attendance and progress only. Whether the condition was breached is "
                                               "for the police to decide.")
    submit = SubmitField("Send end-of-service report")


class RearrangeForm(Form):
    """The person cautioned asks to change an appointment (plain words: they read this on a phone)."""

    reason = area_field(_l("Why do you need to change it?"),
                        InputRequired(_l("Tell us why you need to change this appointment")),
                        not_blank(_l("Tell us why you need to change this appointment")), max_length=2000,
                        hint=_l("For example, you start a new job that day."))
    suits = area_field(_l("What days and times suit you? (optional)"), max_length=500,
                       hint=_l("For example, Tuesday or Thursday mornings."))
    submit = SubmitField(_l("Send your request"))


class DeclineRearrangeForm(Form):
    answer = area_field("Why can the appointment not change?", InputRequired("Say why the appointment cannot "
                                                                             "change"),
                        not_blank("Say why the appointment cannot change"), max_length=2000,
                        hint="The person reads this on their page. Use plain words.")
    submit = SubmitField("Decline the request")
