"""The officer's forms after issue: a condition done or not (with the evidence seen), completion."""

from __future__ import annotations

from wtforms import RadioField
from wtforms.validators import InputRequired

from app.compliance.ending import RESULTS
from app.web.forms import Form, GovDate, GovRadioInput, SubmitField, area_field


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
