"""The forms of invitations: the officer's choice of how to give one, and the person's answers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
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


# The public's forms are in their language (lazy: the words are looked up when the form is shown).
class CodeForm(Form):
    code = text_field(_l("Invitation code"), InputRequired(_l("Enter the code from your letter or message")),
                      hint=_l("It is 12 letters and numbers, for example ABCD-EFGH-JKMN"), max_length=40)
    submit = SubmitField(_l("Continue"))


class BirthDateForm(Form):
    date_of_birth = GovDate(_l("What is your date of birth?"),
                            [not_future(_l("Your date of birth must be in the past")), not_before_1900],
                            required=_l("Enter your date of birth"), description=_l("For example, 27 3 1990"))
    submit = SubmitField(_l("Continue"))


class ContactCodeForm(Form):
    code = text_field(_l("Code"), InputRequired(_l("Enter the code we sent you")), hint=_l("It is 6 numbers"),
                      max_length=20)
    submit = SubmitField(_l("Continue"))


class SendCodeForm(Form):
    submit = SubmitField(_l("Send me a code"))
