"""The forms of invitations: the officer's choice of how to give one, and the person's answers."""

from __future__ import annotations

from wtforms import RadioField
from wtforms.validators import InputRequired

from app.web.forms import Form, GovDate, GovRadioInput, SubmitField, not_before_1900, not_future, text_field

WAYS = {"print": "Print it on their copy of the caution document now", "email": "Email it",
        "sms": "Send it by text message"}


class InviteForm(Form):
    sent_by = RadioField("How should they get it?", widget=GovRadioInput(),
                         validators=[InputRequired("Choose how they should get the invitation")])
    submit = SubmitField("Invite")

    def __init__(self, ways: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sent_by.choices = [(w, WAYS[w]) for w in ways]


class CodeForm(Form):
    code = text_field("Invitation code", InputRequired("Enter the code from your letter or message"),
                      hint="It is 12 letters and numbers, for example ABCD-EFGH-JKMN", max_length=40)
    submit = SubmitField("Continue")


class BirthDateForm(Form):
    date_of_birth = GovDate("What is your date of birth?", [not_future("Your date of birth must be in the past"),
                                                            not_before_1900],
                            required="Enter your date of birth", description="For example, 27 3 1990")
    submit = SubmitField("Continue")


class ContactCodeForm(Form):
    code = text_field("Code", InputRequired("Enter the code we sent you"), hint="It is 6 numbers", max_length=20)
    submit = SubmitField("Continue")


class SendCodeForm(Form):
    submit = SubmitField("Send me a code")
