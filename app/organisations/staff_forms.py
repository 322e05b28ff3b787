"""The staff administration forms: invite, change a role or team, disable or enable, add a team or a provider."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import RadioField, SelectField
from wtforms.validators import Email, InputRequired, Optional, ValidationError

from app.organisations.models import ROLE_LABELS, Role
from app.organisations.work_contact import HOURS_MAX, PHONE_MAX, phone_problem
from app.web.forms import Form, GovRadioInput, SubmitField, text_field

EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"


def _email_field(label="Email address"):
    return text_field(label, InputRequired("Enter their email address"), Email(EMAIL_FORMAT), max_length=320,
                      hint="The invitation is sent here. They sign in with their work account to accept it.")


class _Place:
    """A role and, for a police force, a team, offered from what the user may give at this organisation."""

    def set_places(self, roles, teams) -> None:
        self.role.choices = {r.value: ROLE_LABELS[r] for r in roles}
        self.teams = {str(t.public_id): t for t in teams}
        if teams:
            self.team.choices = {"": "No team (coordinators)"} | {k: t.name for k, t in self.teams.items()}
        else:
            del self.team

    def chosen_role(self) -> Role:
        return Role(self.role.data)

    def chosen_team(self):
        return self.teams.get(self.team.data) if self.team is not None else None


class InviteForm(_Place, Form):
    email = _email_field()
    name = text_field("Full name", Optional(), max_length=200, hint="Optional: shown in the invitation")
    role = RadioField("Role", [InputRequired("Choose their role")], widget=GovRadioInput(), choices={})
    team = SelectField("Team", [Optional()], widget=GovSelect(), choices={},
                       description="Officers and supervisors work in a team")
    submit = SubmitField("Send the invitation")


class MemberForm(_Place, Form):
    role = RadioField("Role", [InputRequired("Choose their role")], widget=GovRadioInput(), choices={})
    team = SelectField("Team", [Optional()], widget=GovSelect(), choices={},
                       description="Officers and supervisors work in a team")
    submit = SubmitField("Save changes")


class EnabledForm(Form):
    enabled = RadioField("Account", [InputRequired("Choose whether the account can sign in")],
                         widget=GovRadioInput(), choices={"yes": "Enabled", "no": "Disabled"})


class TeamForm(Form):
    name = text_field("Team name", InputRequired("Enter the team's name"), max_length=200)
    submit = SubmitField("Add the team")


class ProviderForm(Form):
    name = text_field("Name of the provider", InputRequired("Enter the provider's name"), max_length=200)
    email = _email_field("Their first manager's email address")
    manager = text_field("Their first manager's full name", Optional(), max_length=200)
    submit = SubmitField("Add the provider and invite the manager")


class ManagerForm(Form):
    email = _email_field()
    name = text_field("Full name", Optional(), max_length=200)
    submit = SubmitField("Invite the manager")


def _uk_phone(form, field):
    """The format check; a number too long to keep gets the length message instead (the field's last check)."""
    typed = " ".join((field.data or "").split())
    if len(typed) <= PHONE_MAX and (problem := phone_problem(typed)):
        raise ValidationError(problem)


class WorkContactForm(Form):
    work_phone = text_field("Work phone number (optional)", Optional(), _uk_phone, max_length=PHONE_MAX,
                            hint="Your work number, such as your desk or work mobile. Never a personal number.")
    work_hours = text_field("Working hours (optional)", Optional(), max_length=HOURS_MAX,
                            hint="When people can reach you, for example, Monday to Friday, 9am to 5pm")
    submit = SubmitField("Save work contact details")


class ConfirmForm(Form):
    """A button: the CSRF token is all it carries."""

