"""The case after issue: its contact details, and the corrections form for the person's and each victim's.

Routes on the cases blueprint (app/cases/routes.py holds the workflow up to issue). Conditions are read on the
case page; what the person signed is not editable here or anywhere.
"""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from app import access
from app.audit import views
from app.cases import corrections, forms
from app.cases.queries import CASE_CONTACT
from app.cases.routes import bp
from app.errors import InvalidTransition
from app.people.models import CHANNELS
from app.web.forms import form_status
from app.web.htmx import redirect_to, render


def _case_to_correct(case_id: str):
    case = access.case_or_404(case_id, need="work", load=CASE_CONTACT)
    if not access.can_correct_contact_details(current_user, case):
        raise InvalidTransition(corrections.NOT_ISSUED)
    return case


@bp.get("/<case_id>/contact-details")
@login_required
def contact_details(case_id: str):
    case = _case_to_correct(case_id)
    views.viewed("case.view", case, purpose="contact details")
    return render("cases/contact_details.html", case=case, channels=CHANNELS)


def _correction(case, person, whose: str, action_url: str):
    data = {name: getattr(person, name) for name in forms.ContactCorrectionForm.FIELDS}
    form = forms.ContactCorrectionForm(data=data if request.method == "GET" else None)
    if form.validate_on_submit() and form.attempt(lambda: corrections.correct_contact_details(
            case, person, form.values(), by=current_user)):
        return redirect_to(".contact_details", case_id=case.public_id)
    if not form.is_submitted():
        views.viewed("case.view", case, purpose="contact details")
    return render("cases/contact_correction.html", case=case, person=person, whose=whose, form=form,
                  action_url=action_url, status=form_status(form))


@bp.route("/<case_id>/contact-details/person", methods=["GET", "POST"])
@login_required
def correct_person(case_id: str):
    case = _case_to_correct(case_id)
    return _correction(case, case.offender, "the person cautioned", request.path)


@bp.route("/<case_id>/contact-details/victims/<victim_id>", methods=["GET", "POST"])
@login_required
def correct_victim(case_id: str, victim_id: str):
    case = _case_to_correct(case_id)
    link = access.case_victim_or_404(case, victim_id)
    return _correction(case, link.person, "a victim", request.path)
