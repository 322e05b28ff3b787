"""Forms for the officer's workflow, built from the shared fields and validators in app/web/forms.py."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField
from wtforms.validators import Email, InputRequired, Optional

from app.cases.models import ClosureReason
from app.cases.needs import config as needs_config
from app.people.models import CHANNELS, ETHNICITY_GROUPS, OBSERVED_CODES, SEXES
from app.web.forms import (
    Form,
    GovCheckboxInput,
    GovDate,
    GovRadioInput,
    SubmitField,
    area_field,
    blank_to_none,
    not_before_1900,
    not_blank,
    not_future,
    required_if,
    text_field,
    yes_no_field,
)

CONTACT_METHODS = {"phone": "Phone", "email": "Email", "sms": "Text message", "letter": "Letter",
                   "visit": "Visit in person", "other": "Other"}
ATTEMPT_SLOTS = (1, 2, 3)


# --- the forms ----------------------------------------------------------------------------------------------


class NewCaseForm(Form):
    disposal = RadioField("Which disposal are you considering?", [InputRequired("Choose the disposal type")],
                          widget=GovRadioInput(), choices={},
                          description="The rule pack for it decides eligibility, conditions and the deadline.")
    given_name = text_field("Given name", InputRequired("Enter the person's given name"), max_length=100)
    family_name = text_field("Family name", InputRequired("Enter the person's family name"), max_length=100)
    submit = SubmitField("Create draft case")

    @property
    def regime(self) -> str:
        return self.disposal.data.split(":", 1)[0]

    @property
    def disposal_type(self) -> str:
        return self.disposal.data.split(":", 1)[1]

    def set_disposals(self, offered: dict) -> None:
        """The disposals that may be given today ("regime:key" -> disposal)."""
        self.disposal.choices = {key: d.label for key, d in offered.items()}


class OffenderForm(Form):
    given_name = text_field("Given name", InputRequired("Enter the person's given name"), max_length=100)
    family_name = text_field("Family name", InputRequired("Enter the person's family name"), max_length=100)
    date_of_birth = GovDate("Date of birth", [not_future("Date of birth must be in the past"), not_before_1900],
                            description="For example, 27 3 1990")
    address = area_field("Address", Optional(), max_length=500)
    postcode = text_field("Postcode", Optional(), max_length=10)
    email = text_field("Email address", Optional(), Email("Enter an email address in the correct format, like "
                                                     "name@example.com"), max_length=320)
    phone = text_field("Phone number", Optional(), max_length=32)
    preferred_channel = RadioField("How would they like to be contacted?", [Optional()], widget=GovRadioInput(),
                                   choices=dict(CHANNELS))
    language = text_field("Preferred language", Optional(), max_length=64, hint="Leave blank for English")
    interpreter_needed = BooleanField("They need an interpreter", widget=GovCheckboxInput())
    accessibility_needs = area_field("Accessibility needs", Optional(), max_length=1000,
                                     hint="For example, large print, a hearing loop, step-free access")
    # Special-category data (kept apart; shown only where app.access allows). All optional.
    ethnicity_self = SelectField("Ethnicity, as the person describes it", [Optional()], widget=GovSelect(),
                                 choices={"": "Not asked yet"} | {
                                     code: f"{group}: {words}" for group, items in ETHNICITY_GROUPS.items()
                                     for code, words in items} | {"not_stated": "Prefers not to say"},
                                 description="Ask the person; use the 2021 Census categories.")
    ethnicity_observed = SelectField("Officer-observed ethnicity code", [Optional()], widget=GovSelect(),
                                     choices={"": "Not recorded"} | OBSERVED_CODES)
    sex = RadioField("Sex", [Optional()], widget=GovRadioInput(), choices=dict(SEXES))
    submit = SubmitField("Save and return to the task list")

    SPECIAL = ("ethnicity_self", "ethnicity_observed", "sex")

    @staticmethod
    def special_data(special) -> dict | None:
        """The special-category answers as recorded, for the form shown before any change."""
        if special is None:
            return None
        return {"ethnicity_self": special.ethnicity_self_defined or "",
                "ethnicity_observed": special.ethnicity_officer_observed or "", "sex": special.sex}

    def drop_special_category(self) -> None:
        for name in self.SPECIAL:
            delattr(self, name)

    def person_values(self) -> dict:
        names = ("given_name", "family_name", "date_of_birth", "address", "postcode", "email", "phone",
                 "preferred_channel", "language", "interpreter_needed", "accessibility_needs")
        return {n: blank_to_none(getattr(self, n).data) for n in names}

    def special_values(self) -> dict | None:
        if "sex" not in self._fields:
            return None
        return {"ethnicity_self_defined": self.ethnicity_self.data or None,
                "ethnicity_officer_observed": self.ethnicity_observed.data or None, "sex": self.sex.data or None}


class OffenceForm(Form):
    q = HiddenField()  # the search the officer chose from, to show the same results again after an error
    offence = StringField("Offence", [InputRequired("Choose an offence from the search results")])
    committed_on = GovDate("Date of the offence", [not_future("The date of the offence must be today or in the "
                                                              "past"), not_before_1900],
                           required="Enter the date of the offence", description="For example, 27 3 2026")
    location = text_field("Where it happened", InputRequired("Enter where the offence happened"), max_length=300,
                          hint="For example, the shop's name and street")
    submit = SubmitField("Add offence")


class VictimForm(Form):
    given_name = text_field("Given name", InputRequired("Enter the victim's given name"), max_length=100)
    family_name = text_field("Family name", InputRequired("Enter the victim's family name"), max_length=100)
    address = area_field("Address", Optional(), max_length=500)
    postcode = text_field("Postcode", Optional(), max_length=10)
    email = text_field("Email address", Optional(), Email("Enter an email address in the correct format, like "
                                                     "name@example.com"), max_length=320)
    phone = text_field("Phone number", Optional(), max_length=32)
    preferred_channel = RadioField("How would they like to be contacted?", [InputRequired(
        "Choose how the victim would like to be contacted")], widget=GovRadioInput(), choices=dict(CHANNELS))
    enhanced_rights = BooleanField("Entitled to enhanced rights under the Victims' Code", widget=GovCheckboxInput())
    updates_opted_in = yes_no_field("Do they want updates on the case?", "Say whether the victim wants updates")
    update_channel = RadioField("How should updates reach them?", [
        required_if("updates_opted_in", ("yes",), "Choose how the victim wants updates")],
        widget=GovRadioInput(), choices={"portal": "Resolve (online)", "email": "Email", "sms": "Text message"})
    submit = SubmitField("Add victim")

    def set_pack(self, pack) -> None:
        """Say when updates are due, as the case's rules (the Victims' Code) set it."""
        days = pack.victim_updates.enhanced_working_days
        self.enhanced_rights.description = ("For example, victims of the most serious crime, persistently targeted "
                                            f"or vulnerable victims. Updates are then due within {days} working "
                                            f"day{'' if days == 1 else 's'}.")

    def person_values(self) -> dict:
        return {k: blank_to_none(getattr(self, k).data) for k in (
            "given_name", "family_name", "address", "postcode", "email", "phone", "preferred_channel")}


class ConfirmForm(Form):
    """A button and nothing else (CSRF-protected)."""

    submit = SubmitField("Continue")


class ClosureForm(Form):
    """Why a case is closed before issue (app/cases/closure.py)."""

    reason = RadioField("Why is the case being closed?", [InputRequired("Choose why the case is being closed")],
                        widget=GovRadioInput(), choices={r.value: r.label for r in ClosureReason})
    note = area_field("Note (optional)", Optional(), max_length=2000,
                      hint="For example, the charging decision reference or the youth offending team told.")
    submit = SubmitField("Close the case")


def needs_form(levels: dict | None = None):
    """A form with one level question per need domain in config/needs.yaml."""
    cfg = needs_config()

    class NeedsForm(Form):
        submit = SubmitField("Save needs assessment")

        def levels(self) -> dict:
            return {key: getattr(self, f"need_{key}").data for key in cfg.domains}

    for key, domain in cfg.domains.items():
        setattr(NeedsForm, f"need_{key}", RadioField(
            domain.label, [InputRequired(f"Choose a level for {domain.label.lower()}")], widget=GovRadioInput(),
            choices={level: level.capitalize() for level in cfg.levels}, default=(levels or {}).get(key)))
    return NeedsForm


class VictimViewForm(Form):
    contacted = RadioField("Were you able to get the victim's views?", [InputRequired(
        "Say whether you got the victim's views")], widget=GovRadioInput(), choices={
        "yes": "Yes", "no": "No, they could not be contacted after reasonable efforts"})
    views = area_field("The victim's views", required_if("contacted", ("yes",), "Enter the victim's views"),
                       max_length=4000)
    remedy_requested = text_field("Community remedy action the victim asked for", Optional(), max_length=500,
                                  hint="From the local community remedy document. Leave blank if none.")
    remedy_declined_reason = area_field("Why the requested action would be inappropriate", Optional(), max_length=2000,
                                        hint="Only if you will not attach the action they asked for")
    taken_into_account = area_field("How you took their views into account", required_if(
        "contacted", ("yes",), "Say how you took the victim's views into account"), max_length=4000)
    submit = SubmitField("Save victim's views")

    @staticmethod
    def data_from(view) -> dict | None:
        """The views as recorded, to change them."""
        if view is None:
            return None
        data = {"contacted": "no" if view.could_not_contact else "yes", "views": view.views,
                "remedy_requested": view.remedy_requested, "remedy_declined_reason": view.remedy_declined_reason,
                "taken_into_account": view.taken_into_account}
        for i, attempt in enumerate((view.attempts or [])[:len(ATTEMPT_SLOTS)], start=1):
            data[f"attempt{i}_on"] = date.fromisoformat(attempt["on"]) if attempt.get("on") else None
            data[f"attempt{i}_method"] = attempt.get("method")
            data[f"attempt{i}_note"] = attempt.get("note")
        return data

    def values(self) -> dict:
        contacted = self.contacted.data == "yes"

        def given(name):
            return blank_to_none(getattr(self, name).data) if contacted else None
        return {"attempts": self.attempts(), "could_not_contact": not contacted, "views": given("views"),
                "remedy_requested": given("remedy_requested"),
                "remedy_declined_reason": blank_to_none(self.remedy_declined_reason.data),
                "taken_into_account": given("taken_into_account")}

    def attempts(self) -> list[dict]:
        found = []
        for i in ATTEMPT_SLOTS:
            on, method = getattr(self, f"attempt{i}_on").data, getattr(self, f"attempt{i}_method").data
            if on or method:
                found.append({"on": on.isoformat() if on else None, "method": method or None,
                              "note": blank_to_none(getattr(self, f"attempt{i}_note").data)})
        return found

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for i in ATTEMPT_SLOTS:
            on, method = getattr(self, f"attempt{i}_on"), getattr(self, f"attempt{i}_method")
            if on.data and not method.data:
                method.errors.append(f"Choose how contact attempt {i} was made")
                ok = False
            if method.data and not on.data and not on.errors:
                on.errors.append(f"Enter the date of contact attempt {i}")
                ok = False
        if not self.attempts() and not self.attempt1_on.errors:
            self.attempt1_on.errors.append("Record at least one attempt to contact the victim")
            ok = False
        return ok


for _i in ATTEMPT_SLOTS:
    setattr(VictimViewForm, f"attempt{_i}_on", GovDate(
        f"Contact attempt {_i}: date", [not_future("A contact attempt cannot be in the future"), not_before_1900]))
    setattr(VictimViewForm, f"attempt{_i}_method", RadioField(
        f"Contact attempt {_i}: how", [Optional()], widget=GovRadioInput(), choices=CONTACT_METHODS))
    setattr(VictimViewForm, f"attempt{_i}_note", text_field(f"Contact attempt {_i}: outcome", Optional(),
                                                           max_length=200,
                                                           hint="For example, no answer, left a message"))


class ContactCorrectionForm(Form):
    """After issue: the contact details only. Names, date of birth and what was signed are not on it."""

    FIELDS = ("address", "postcode", "email", "phone", "preferred_channel", "reminders_opt_out")
    # The very fields of the person's details form, so a correction is checked as the first entry was.
    address, postcode, email, phone, preferred_channel = (getattr(OffenderForm, name) for name in FIELDS[:5])
    reminders_opt_out = BooleanField("They do not want reminders by text message or email",
                                     widget=GovCheckboxInput())
    submit = SubmitField("Save correction")

    def values(self) -> dict:
        return {name: blank_to_none(getattr(self, name).data) for name in self.FIELDS[:5]} | {
            "reminders_opt_out": bool(self.reminders_opt_out.data)}


class RemindersForm(Form):
    """How the person's reminders reach them: the choices are set per person (only working contact points)."""

    channel = RadioField(_l("How do you want to get reminders?"),
                         [InputRequired(_l("Choose how you want to get reminders"))],
                         widget=GovRadioInput(), choices=[], validate_choice=False)  # the service refuses
    submit = SubmitField(_l("Save my choice"))


class AskOfficerForm(Form):
    what = area_field(_l("What is wrong with your contact details?"),
                      InputRequired(_l("Tell us what is wrong with your contact details")),
                      not_blank(_l("Tell us what is wrong with your contact details")), max_length=1000,
                      hint=_l("For example, I have a new mobile number. Your officer will contact you to check it."))
    submit = SubmitField(_l("Send to my officer"))
