"""The officer's forms after issue: a condition done or not (with the evidence seen), completion, a decision on a
flag, the varied conditions' deadline, signature and withdrawal, and a financial penalty's payment and
registration."""

from __future__ import annotations

from wtforms import BooleanField, RadioField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional

from app.cases.decision_forms import RANKS
from app.compliance.ending import RESULTS
from app.web.forms import (
    Form,
    GovCheckboxInput,
    GovDate,
    GovRadioInput,
    GovTextInput,
    PoundsField,
    SubmitField,
    area_field,
    text_field,
)


class ConditionResultForm(Form):
    result = RadioField("Was the condition done?", [InputRequired("Choose whether the condition was done")],
                        widget=GovRadioInput(), choices=dict(RESULTS))
    on = GovDate("Date it was done, or found not done", required="Enter the date",
                 description="For example, 27 3 2026")
    evidence = area_field("Evidence you saw", InputRequired("Say what evidence you saw"), max_length=2000,
                          hint="For example: receipt for the payment seen; the organisation confirmed 10 hours of "
                               "unpaid work by email. Do not write health details here.")
    submit = SubmitField("Save")


class CompleteForm(Form):
    submit = SubmitField("Confirm the case is complete")


class DecisionForm(Form):
    explanation = area_field("The person's explanation", max_length=4000,
                             hint="In your words. Leave it empty if you could not get one, and say when you tried.")
    attempt_on = GovDate("When you last tried to get an explanation", description="Only if you have none. "
                         "For example, 27 3 2026")
    attempt_how = text_field("How you tried", max_length=200, hint="For example: phoned twice, left a message")
    evidence = area_field("Evidence you saw", InputRequired("Say what evidence you saw"), max_length=2000,
                          hint="For example: the organisation's attendance note; a medical note was seen. Do not "
                               "write health details here.")
    decision = RadioField("Your decision", [InputRequired("Choose a decision")], widget=GovRadioInput())
    penalty_pounds = PoundsField("Amount of the financial penalty", [Optional(), NumberRange(
        min=1, max=100000, message="The amount must be £1 or more")], widget=GovTextInput(),
        description="Only if you impose a financial penalty, in whole pounds")
    reason = area_field("Why you decided this", InputRequired("Say why you decided this"), max_length=2000)
    submit = SubmitField("Record the decision")

    def offer(self, choices: dict) -> None:
        self.decision.choices = choices


class ApproveDecisionForm(Form):
    outcome = RadioField("Do you approve this decision?", [InputRequired("Choose approve or return")],
                         widget=GovRadioInput(), choices={"approve": "Approve it", "return": "Return it"})
    comment = area_field("Comment", max_length=2000, hint="Required if you return it: say why.")
    submit = SubmitField("Save")


class VariationDeadlineForm(Form):
    deadline = GovDate("New deadline for completing the conditions", required="Enter the new deadline")
    extension_reason = area_field("Reason for a later deadline", Optional(), max_length=2000,
                                  hint="Only if it is later than normal. A supervisor may need to approve it.")
    submit = SubmitField("Save the deadline")


class VariationSignatureForm(Form):
    signed_by_name = text_field("Name as signed", InputRequired("Enter the name as the person signed it"),
                                max_length=200)
    consented = BooleanField("The person agrees to the conditions as varied", [InputRequired(
        "Confirm the person agrees to the conditions as varied")], widget=GovCheckboxInput())
    signed = BooleanField("The person signed the document above in front of me", [InputRequired(
        "Confirm the person signed the document in front of you")], widget=GovCheckboxInput())
    administered_by = RadioField("Who is varying it?", [InputRequired("Say who is varying it")],
                                 widget=GovRadioInput(), choices=RANKS)
    document_hash = StringField("Document", [InputRequired("Reload the page and try again")])
    submit = SubmitField("Record the signature: the varied conditions start now")


class WithdrawVariationForm(Form):
    because = area_field("Why is the variation withdrawn?", InputRequired("Say why the variation is withdrawn"),
                         max_length=2000, hint="For example: the person did not agree to the new conditions.")
    submit = SubmitField("Withdraw the variation")


class PenaltyPaidForm(Form):
    paid_on = GovDate("Date it was paid", required="Enter the date it was paid",
                      description="For example, 27 3 2026")
    evidence = area_field("Evidence of the payment you saw", InputRequired("Say what evidence you saw"),
                          max_length=2000, hint="For example: the receipt, or the finance team's confirmation.")
    submit = SubmitField("Record the payment")


class RegistrationForm(Form):
    local_justice_area = text_field("Local justice area", InputRequired("Enter the local justice area"),
                                    max_length=200, hint="Where the person lives, for the magistrates' court that "
                                                         "registers the penalty as a fine.")
    submit = SubmitField("Produce the registration data")
