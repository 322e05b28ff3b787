"""The victim's update choices, and the officer's record of telling a victim themselves."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.validators import InputRequired

from app.victims.models import GIVEN_BY_OFFICER
from app.web.forms import Form, GovRadioInput, SubmitField, required_if, yes_no_field

CHANNEL_WORDS = {"portal": _l("On Resolve (sign in to read them)"), "email": _l("By email"),
                 "sms": _l("By text message")}
YES_NO = {"yes": _l("Yes"), "no": _l("No")}


def _words(choices: dict) -> dict:
    """The choices in the page's language (a form's choices are plain strings)."""
    return {key: str(words) for key, words in choices.items()}


class UpdatesForm(Form):
    updates = yes_no_field(_l("Do you want updates about the case?"), _l("Say if you want updates"))
    channel = RadioField(_l("How do you want to get them?"), [
        required_if("updates", ("yes",), _l("Choose how you want to get updates"))],
        widget=GovRadioInput(), choices=lambda: _words(CHANNEL_WORDS))
    submit = SubmitField(_l("Save my choice"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.updates.choices = _words(YES_NO)

    def describe(self, masked: dict) -> None:
        """Say where an email or a text would go; a channel with nothing on record says so."""
        self.channel.choices = [(key, _("%(way)s: %(where)s", way=words, where=masked[key]) if masked.get(key) else
                                 _("%(way)s (we do not have one for you)", way=words) if key in masked else str(words))
                                for key, words in CHANNEL_WORDS.items()]


class RestorativeForm(Form):
    submit = SubmitField(_l("I am interested"))


class GivenForm(Form):
    how = RadioField("How did you tell them?", [InputRequired("Choose how you told the victim")],
                     widget=GovRadioInput(), choices=GIVEN_BY_OFFICER)
    submit = SubmitField("I have told the victim")
