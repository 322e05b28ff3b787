"""The officer's forms after issue: a condition done or not (with the evidence seen), completion."""

from __future__ import annotations

from wtforms import RadioField
from wtforms.validators import InputRequired

from app.compliance.ending import RESULTS
from app.web.forms import Form, GovDate, GovRadioInput, SubmitField, area_field, text_field


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
    reason = area_field("Why you decided this", InputRequired("Say why you decided this"), max_length=2000)
    submit = SubmitField("Record the decision")

    def offer(self, choices: dict) -> None:
        self.decision.choices = choices


class ApproveDecisionForm(Form):
    outcome = RadioField("Do you approve this decision?", [InputRequired("Choose approve or return")],
                         widget=GovRadioInput(), choices={"approve": "Approve it", "return": "Return it"})
    comment = area_field("Comment", max_length=2000, hint="Required if you return it: say why.")
    submit = SubmitField("Save")
