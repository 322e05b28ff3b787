"""The victim's update choices, and the officer's record of telling a victim themselves."""

from __future__ import annotations

from wtforms import RadioField
from wtforms.validators import InputRequired

from app.victims.models import GIVEN_BY_OFFICER
from app.web.forms import Form, GovRadioInput, SubmitField, required_if, yes_no_field

CHANNEL_WORDS = {"portal": "On Resolve (sign in to read them)", "email": "By email", "sms": "By text message"}


class UpdatesForm(Form):
    updates = yes_no_field("Do you want updates about the case?", "Say if you want updates")
    channel = RadioField("How do you want to get them?", [
        required_if("updates", ("yes",), "Choose how you want to get updates")],
        widget=GovRadioInput(), choices=CHANNEL_WORDS)
    submit = SubmitField("Save my choice")

    def describe(self, masked: dict) -> None:
        """Say where an email or a text would go; a channel with nothing on record says so."""
        self.channel.choices = [(key, words + (f": {masked[key]}" if masked.get(key) else
                                               (" (we do not have one for you)" if key in masked else "")))
                                for key, words in CHANNEL_WORDS.items()]


class RestorativeForm(Form):
    submit = SubmitField("I am interested")


class GivenForm(Form):
    how = RadioField("How did you tell them?", [InputRequired("Choose how you told the victim")],
                     widget=GovRadioInput(), choices=GIVEN_BY_OFFICER)
    submit = SubmitField("I have told the victim")
