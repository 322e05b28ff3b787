"""The person cautioned's own choices and requests, on their own blueprint ("my"): how reminders reach them, and
asking their officer to correct their contact details. Authorised by app.access; every view audited."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import access
from app.audit import views
from app.cases import own_requests
from app.cases.forms import AskOfficerForm, RemindersForm
from app.cases.own_routes import bp
from app.web.forms import form_status
from app.web.htmx import redirect_to, render


@dataclass(frozen=True)
class Reminders:
    """What the reminders section says: how they come now, where to, the choices, and whether the officer was
    asked to change the contact details."""

    choice: str
    sent_to: str | None
    offered: dict[str, str]
    officer_asked: bool


def _reminders(case) -> Reminders:
    person = case.offender
    choice = own_requests.current_choice(person)
    return Reminders(choice, own_requests.masked(person, choice), own_requests.offered(person),
                     own_requests.officer_asked(case))


def _form(case, reminders: Reminders, **kw) -> RemindersForm:
    form = RemindersForm(**kw)
    form.channel.choices = [(k, v if k == "none" else _("%(way)s to %(contact)s", way=v,
                                                        contact=own_requests.masked(case.offender, k)))
                            for k, v in reminders.offered.items()]
    return form


def _own_case(case_id: str):
    case = access.own_case_or_404(case_id)
    access.require(access.can_choose_reminders(current_user, case))
    return case


@bp.route("/cases/<case_id>/reminders", methods=["GET", "POST"])
@login_required
def reminders(case_id: str):
    case = _own_case(case_id)
    shown = _reminders(case)
    form = _form(case, shown, data={"channel": shown.choice})
    if form.validate_on_submit() and form.attempt(lambda: own_requests.choose_reminders(
            case, form.channel.data, by=current_user)):
        return redirect_to("my.case", case_id=case.public_id, _anchor="reminders")
    if not form.is_submitted():
        views.viewed("person.view", case.offender, purpose="own reminder settings (offender)",
                     detail={"case": str(case.public_id)})
    return render("my/reminders.html", case=case, reminders=shown, form=form, status=form_status(form))


@bp.route("/cases/<case_id>/contact-details", methods=["GET", "POST"])
@login_required
def ask_officer(case_id: str):
    case = _own_case(case_id)
    form = AskOfficerForm()
    if form.validate_on_submit() and form.attempt(lambda: own_requests.ask_officer(case, form.what.data,
                                                                                   by=current_user)):
        return redirect_to("my.case", case_id=case.public_id, _anchor="reminders")
    if not form.is_submitted():
        views.viewed("person.view", case.offender, purpose="own contact details (offender)",
                     detail={"case": str(case.public_id)})
    return render("my/ask_officer.html", case=case, reminders=_reminders(case), form=form,
                  status=form_status(form))


@bp.app_template_global()
def own_reminders(case) -> Reminders:
    """The person's page: the reminders section (the person is already loaded with the case)."""
    return _reminders(case)


@bp.app_template_global()
def own_reminders_form(case, reminders: Reminders) -> RemindersForm:
    return _form(case, reminders, formdata=None, data={"channel": reminders.choice})
