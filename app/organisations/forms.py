"""The coordinator's forms for the provider directory."""

from __future__ import annotations

import re

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from wtforms import IntegerField, RadioField, SelectField, SelectMultipleField
from wtforms.validators import Email, InputRequired, NumberRange, Optional, ValidationError

from app.organisations.categories import config as directory_config
from app.web.forms import (
    Form,
    GovCheckboxesInput,
    GovRadioInput,
    SubmitField,
    area_field,
    blank_to_none,
    text_field,
)

OLDEST = 120  # a bound on a typed age, not a legal parameter
SEXES_SERVED = {"any": "Anyone", "female": "Women only", "male": "Men only"}
AREA = re.compile(r"^[A-Za-z][A-Za-z0-9 '&-]{0,59}$")


def _areas(form, field):
    for area in _split(field.data):
        if not AREA.match(area):
            raise ValidationError(f"“{area[:40]}” is not a postcode district or local authority name")


def _split(text: str | None) -> list[str]:
    return [a.strip() for a in (text or "").replace("\n", ",").split(",") if a.strip()]


class ServiceForm(Form):
    provider = SelectField("Provider", [InputRequired("Choose the provider")], widget=GovSelect(), choices={})
    name = text_field("Name of the service", InputRequired("Enter the name of the service"), max_length=200)
    category = RadioField("Category", [InputRequired("Choose the category")], widget=GovRadioInput(), choices={})
    description = area_field("What the service offers", Optional(), max_length=2000)
    areas = area_field("Areas served", Optional(), _areas, max_length=2000,
                       hint="Postcode districts (NT1) or areas (NT), or local authority names, separated by commas. "
                            "Leave blank if it serves the whole force area.")
    sex = RadioField("Who it is for", [InputRequired("Say who the service is for")], widget=GovRadioInput(),
                     choices=SEXES_SERVED, default="any")
    min_age = IntegerField("Youngest age", [Optional()], widget=GovTextInput())
    max_age = IntegerField("Oldest age", [Optional()], widget=GovTextInput(),
                           description="Leave blank for no upper limit")
    delivery_modes = SelectMultipleField("How sessions are delivered", [InputRequired(
        "Choose at least one way sessions are delivered")], widget=GovCheckboxesInput(), choices={})
    weekly_capacity = IntegerField("New referrals it can take each week", [
        InputRequired("Enter how many new referrals the service can take each week"),
        NumberRange(min=0, max=10000, message="Weekly capacity must be between 0 and 10000")],
        widget=GovTextInput(), description="0 pauses new referrals")
    contact_name = text_field("Contact name", Optional(), max_length=200)
    contact_email = text_field("Contact email", Optional(), Email("Enter an email address in the correct format, like "
                                                                  "name@example.com"), max_length=320)
    contact_phone = text_field("Contact phone", Optional(), max_length=32)
    submit = SubmitField("Save service")

    def set_choices(self, providers, minimum_age: int) -> None:
        """`minimum_age`: the youngest anyone can be given a caution at, under the rules in force."""
        self.minimum_age = minimum_age
        self.min_age.description = f"Leave blank for {minimum_age} and over"
        cfg = directory_config()
        self.provider.choices = {"": "Choose a provider"} | {str(p.public_id): p.name for p in providers}
        self.category.choices = {k: c.label for k, c in cfg.categories.items()}
        self.delivery_modes.choices = dict(cfg.delivery_modes)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field in (self.min_age, self.max_age):
            if field.data is not None and not self.minimum_age <= field.data <= OLDEST:
                field.errors.append(f"{field.label.text} must be between {self.minimum_age} and {OLDEST}")
                ok = False
        if self.min_age.data and self.max_age.data and self.min_age.data > self.max_age.data:
            self.max_age.errors.append("Oldest age must be the same as or more than the youngest age")
            ok = False
        return ok

    def values(self) -> dict:
        return {"name": self.name.data.strip(), "category": self.category.data,
                "description": blank_to_none(self.description.data), "areas": _split(self.areas.data),
                "sex": self.sex.data, "min_age": self.min_age.data, "max_age": self.max_age.data,
                "delivery_modes": list(self.delivery_modes.data), "weekly_capacity": self.weekly_capacity.data,
                "contact_name": blank_to_none(self.contact_name.data),
                "contact_email": blank_to_none(self.contact_email.data),
                "contact_phone": blank_to_none(self.contact_phone.data)}


class ActiveForm(Form):
    active = RadioField("Status", [InputRequired("Choose whether the service takes referrals")],
                        widget=GovRadioInput(), choices={"yes": "Active", "no": "Deactivated"})
    submit = SubmitField("Save")
