"""Forms for the officer's decisions: eligibility screening, a supervisor's approval, the conditions, the pre-issue
checklist and the signature. Each takes its wording and its choices from the case's rule pack."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from app.cases.packs import AMOUNT_TYPES, CONDITION_TYPES, HOURS_TYPES
from app.web.forms import (
    Form,
    GovCheckboxInput,
    GovDate,
    GovRadioInput,
    NumberField,
    PoundsField,
    SubmitField,
    area_field,
    blank_to_none,
    not_before_1900,
    not_future,
    not_past,
    required_if,
    text_field,
    version_field,
    yes_no_field,
)

CONDITION_LABELS = {"restrictive": "Restrictive", "unpaid_work": "Unpaid work", "attendance": "Attendance",
                    "financial_penalty": "Financial penalty", "foreign_offender": "Foreign offender condition",
                    "payment_to_victim": "Payment to the victim"}
RESTRICTIVE_SUBTYPES = {"no_contact": "No contact with named people", "not_enter": "Not to enter places or areas",
                        "activity": "Not to take part in activities", "conduct": "Not to behave in a certain way"}
PURPOSES = {"rehabilitative": "Rehabilitative (to help the person stop offending)",
            "reparative": "Reparative (to make amends to the victim or the community)",
            "punitive": "Punitive (a penalty for the offence)"}
DECIDED_BY = {"officer": "A police officer", "prosecutor": "A prosecutor (CPS)"}
EARLIER_OUTCOMES = {"": "Choose the outcome", "conviction": "Conviction", "simple_caution": "Simple caution",
                    "conditional_caution": "Conditional caution", "community_resolution": "Community resolution",
                    "penalty_notice": "Penalty notice for disorder",
                    "cannabis_khat_warning": "Cannabis or khat warning", "other": "Other out-of-court outcome"}
EARLIER_SLOTS = (1, 2, 3)
RANKS = {"constable": "A police officer below the rank of sergeant",
         "sergeant_or_above": "A police officer of sergeant rank or above",
         "dpp_authorised": "A person the Director of Public Prosecutions authorised"}


# --- eligibility screening and approvals ---------------------------------------------------------------------


def _decided_by(asked: str, message: str):
    return RadioField("Who decided that?", [required_if(asked, ("yes",), message)], widget=GovRadioInput(),
                      choices=DECIDED_BY)


def _decision_maker(asked: str, label: str):
    return text_field(label, required_if(asked, ("yes",), f"Enter the {label[0].lower()}{label[1:]}"),
                      max_length=200)


class ScreeningForm(Form):
    caution_date = GovDate("When will the caution be given?", [not_past("The caution date must be today or later")],
                           required="Enter the date the caution will be given",
                           description="Age, and which rules apply, are worked out on this date.")
    evidence_sufficient = yes_no_field("Is there enough evidence to charge the person?",
                                       "Say whether there is enough evidence to charge")
    evidence_decided_by = _decided_by("evidence_sufficient", "Say who decided there is enough evidence to charge")
    evidence_decision_maker = _decision_maker("evidence_sufficient", "Name of the person who decided there is "
                                                                     "enough evidence")
    should_be_given = yes_no_field("Has it been decided that a caution should be given?",
                                   "Say whether it has been decided that a caution should be given")
    should_be_given_decided_by = _decided_by("should_be_given", "Say who decided that a caution should be given")
    should_be_given_decision_maker = _decision_maker("should_be_given", "Name of the person who decided it "
                                                                        "should be given")
    admits = yes_no_field("Does the person admit the offence?", "Say whether the person admits the offence")
    consents = yes_no_field("Does the person agree to the caution?", "Say whether the person agrees to the caution")
    earlier_offending_rationale = area_field("How did you take the earlier offending into account?", Optional(),
                                             max_length=2000, hint="Needed when the person has earlier offending")
    exceptional_rationale = area_field("Exceptional circumstances", Optional(), max_length=2000,
                                       hint="Only if needed: for an offence that can only be tried in the Crown "
                                            "Court. A supervisor must approve.")
    cps_consent_reference = text_field("DPP or CPS consent reference", Optional(), max_length=100,
                                       hint="Only for an offence that can only be tried in the Crown Court")
    submit = SubmitField("Save and check eligibility")

    YES_NO_ANSWERS = ("evidence_sufficient", "should_be_given", "admits", "consents")
    TEXT_ANSWERS = ("evidence_decided_by", "evidence_decision_maker", "should_be_given_decided_by",
                    "should_be_given_decision_maker", "earlier_offending_rationale", "exceptional_rationale",
                    "cps_consent_reference")

    @staticmethod
    def data_from(screening, planned: date) -> dict:
        """The latest screening's answers, to change them; the caution date is never before `planned`."""
        answers = screening.answers if screening else {}
        recorded = answers.get("caution_date")
        data = {"caution_date": max(date.fromisoformat(recorded), planned) if recorded else planned}
        yes_no = {True: "yes", False: "no"}
        for key in ScreeningForm.YES_NO_ANSWERS:
            if key in answers:
                data[key] = yes_no.get(answers[key])
        for key in ScreeningForm.TEXT_ANSWERS:
            data[key] = answers.get(key)
        for i, record in enumerate(answers.get("earlier_records", [])[:len(EARLIER_SLOTS)], start=1):
            data |= {f"earlier{i}_on": date.fromisoformat(record["on"]) if record.get("on") else None,
                     f"earlier{i}_offence": record["offence"], f"earlier{i}_outcome": record["code"]}
        return data

    def ask(self, questions: dict[str, str]) -> None:
        """Word the questions as the case's rule pack words them."""
        for key, text in questions.items():
            getattr(self, key).label.text = text

    def earlier_records(self) -> list[dict]:
        found = []
        for i in EARLIER_SLOTS:
            on, offence, code = (getattr(self, f"earlier{i}_{part}").data for part in ("on", "offence", "outcome"))
            if offence or code or on:
                found.append({"on": on.isoformat() if on else None, "offence": (offence or "").strip(),
                              "code": code, "outcome": EARLIER_OUTCOMES.get(code, "")})
        return found

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for i in EARLIER_SLOTS:
            offence, code = getattr(self, f"earlier{i}_offence"), getattr(self, f"earlier{i}_outcome")
            on = getattr(self, f"earlier{i}_on")
            if (on.data or code.data) and not (offence.data or "").strip():
                offence.errors.append(f"Enter the offence of earlier record {i}")
                ok = False
            if (on.data or (offence.data or "").strip()) and not code.data:
                code.errors.append(f"Choose the outcome of earlier record {i}")
                ok = False
        return ok

    def values(self) -> dict:  # what the rules check before the answers are complete
        return {"caution_date": self.caution_date.data}

    def answers(self) -> dict:
        return {"caution_date": self.caution_date.data.isoformat(),
                **{k: getattr(self, k).data == "yes" for k in self.YES_NO_ANSWERS},
                **{k: blank_to_none(getattr(self, k).data) for k in self.TEXT_ANSWERS},
                "earlier_records": self.earlier_records()}


for _i in EARLIER_SLOTS:
    setattr(ScreeningForm, f"earlier{_i}_on", GovDate(
        f"Earlier record {_i}: date", [not_future("An earlier record cannot be in the future"), not_before_1900]))
    setattr(ScreeningForm, f"earlier{_i}_offence", text_field(f"Earlier record {_i}: offence", Optional(),
                                                              max_length=200))
    setattr(ScreeningForm, f"earlier{_i}_outcome", SelectField(
        f"Earlier record {_i}: outcome", [Optional()], widget=GovSelect(), choices=EARLIER_OUTCOMES))


class ApprovalForm(Form):
    decision = RadioField("Your decision", [InputRequired("Choose whether to approve or return it")],
                          widget=GovRadioInput(), choices={"approve": "Approve",
                                                           "return": "Return it to the officer with a comment"})
    comment = area_field("Comment", required_if("decision", ("return",), "Say why you are returning it"),
                         max_length=2000, hint="The officer sees this. Required when you return it.")
    submit = SubmitField("Save decision")


# --- conditions -------------------------------------------------------------------------------------------------


def _at_most_two_places(form, field):
    if isinstance(field.data, Decimal) and field.data.as_tuple().exponent < -2:
        raise ValidationError("Enter the hours with at most 2 decimal places, like 7.25")


class ConditionForm(Form):
    type = RadioField("Type of condition", [InputRequired("Choose the type of condition")], widget=GovRadioInput(),
                      choices={})
    subtype = RadioField("Kind of restriction", [required_if("type", ("restrictive",),
                                                             "Choose the kind of restriction")],
                         widget=GovRadioInput(), choices=RESTRICTIVE_SUBTYPES,
                         description="Only for a restrictive condition")
    purpose = RadioField("Purpose", [required_if("type", ("attendance",), "Choose the purpose of the attendance")],
                         widget=GovRadioInput(), choices={},
                         description="Needed for attendance; optional for other types")
    hours = NumberField("Hours", [required_if("type", HOURS_TYPES, "Enter the number of hours"),
                                  NumberRange(min=0.5, max=1000, message="Hours must be between 0.5 and 1000"),
                                  _at_most_two_places],
                        widget=GovTextInput(), description="Only for unpaid work and attendance")
    amount_pounds = PoundsField("Amount in pounds", [
        required_if("type", AMOUNT_TYPES, "Enter the amount in pounds"),
        NumberRange(min=1, max=100000, message="The amount must be £1 or more")], widget=GovTextInput(),
        description="Only for a financial penalty or a payment to the victim, in whole pounds")
    details = area_field("What the person must do", InputRequired("Describe what the person must do"),
                         max_length=2000, hint="For example, the course, the place or the people named. Do not "
                                               "include the victim's address.")
    due_on = GovDate("Complete by", [not_past("The date to complete it by must be today or later")],
                     required="Enter the date to complete it by")
    remedy_for = RadioField("Is this the community remedy action a victim asked for?", [Optional()],
                            widget=GovRadioInput(), choices={"": "No"}, default="")
    submit = SubmitField("Save condition")

    def set_choices(self, disposal, remedies) -> None:
        """The condition types and purposes the case's disposal allows, and each victim's requested remedy."""
        self.type.choices = {t: CONDITION_LABELS[t] for t in CONDITION_TYPES if t in disposal.offered_condition_types}
        self.purpose.choices = {p: PURPOSES[p] for p in disposal.purposes}
        self.remedy_for.choices = {"": "No"} | {r.victim: f"Yes: the action {r.name} asked for (“{r.requested}”)"
                                                for r in remedies}

    def values(self) -> dict:
        t = self.type.data
        return {"type": t, "subtype": self.subtype.data if t == "restrictive" else None,
                "purpose": self.purpose.data or None, "hours": self.hours.data if t in HOURS_TYPES else None,
                "amount_pounds": self.amount_pounds.data if t in AMOUNT_TYPES else None,
                "details": (self.details.data or "").strip(), "due_on": self.due_on.data,
                "remedy_for": self.remedy_for.data or None}


class ConditionEditForm(ConditionForm):
    """A condition changed: the version it was shown at must come back (optimistic locking)."""

    version = version_field()


# --- issuing ------------------------------------------------------------------------------------------------------


class IssueForm(Form):
    evidence_decided_by = RadioField("Who decided there is enough evidence to charge?", [InputRequired(
        "Say who decided there is enough evidence to charge")], widget=GovRadioInput(), choices=DECIDED_BY)
    evidence_decision_maker = text_field("Their name", InputRequired("Enter the name of the person who decided"),
                                         max_length=200)
    admitted = BooleanField("The person admits the offence", [InputRequired(
        "Confirm the person admits the offence")], widget=GovCheckboxInput())
    consented = BooleanField("The person agrees to the caution and its conditions", [InputRequired(
        "Confirm the person agrees to the caution")], widget=GovCheckboxInput())
    explained = BooleanField("I explained the caution and what happens if they do not comply", [InputRequired(
        "Confirm you explained the caution and the consequences of not complying")], widget=GovCheckboxInput())
    warning_given = BooleanField("I read out the warning above", [InputRequired(
        "Confirm you read out the warning")], widget=GovCheckboxInput())
    deadline = GovDate("Deadline for completing the conditions", required="Enter the deadline")
    extension_reason = area_field("Reason for a later deadline", Optional(), max_length=2000,
                                  hint="Only if the deadline is later than normal. A supervisor may need to "
                                       "approve it.")
    submit = SubmitField("Confirm and prepare the caution document")

    @staticmethod
    def data_from(case, today: date, normal: date) -> dict:
        return {"evidence_decided_by": case.evidence_decided_by,
                "evidence_decision_maker": case.evidence_decision_maker,
                "deadline": case.deadline if case.deadline and case.deadline > today else normal,
                "extension_reason": case.deadline_extension_reason}

    def values(self) -> dict:
        return {"deadline": self.deadline.data, "extension_reason": self.extension_reason.data}

    def checklist(self) -> dict:
        return {"evidence_decided_by": self.evidence_decided_by.data,
                "evidence_decision_maker": self.evidence_decision_maker.data.strip(),
                "admitted": True, "consented": True, "explained": True, "warning_given": True}


class SignatureForm(Form):
    signed_by_name = text_field("Name as signed", InputRequired("Enter the name as the person signed it"),
                                max_length=200)
    signed = BooleanField("The person signed the document above in front of me", [InputRequired(
        "Confirm the person signed the document in front of you")], widget=GovCheckboxInput())
    administered_by = RadioField("Who is giving it?", [InputRequired("Say who is giving it")],
                                 widget=GovRadioInput(), choices=RANKS)
    document_hash = StringField("Document", [InputRequired("Reload the page and try again")])
    submit = SubmitField("Record the signature and issue the caution")
