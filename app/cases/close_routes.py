"""Closing a case before issue, with a reason (app/cases/closure.py). On the cases blueprint."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from app import access
from app.cases import closure, forms, next_steps
from app.cases.models import ClosureReason
from app.cases.routes import _viewed, bp
from app.web.forms import form_status
from app.web.htmx import redirect_to, render


@bp.route("/<case_id>/close", methods=["GET", "POST"])
@login_required
def close(case_id: str):
    case = access.case_or_404(case_id, need="work", load=access.CASE_WORK)
    closure.check_can_close(case)
    # A refusal elsewhere (under 18: the youth process) links here with its reason chosen.
    suggested = request.args.get("reason")
    form = forms.ClosureForm(data={"reason": suggested} if suggested in ClosureReason._value2member_map_ else None)
    if form.validate_on_submit() and form.attempt(lambda: closure.close_case(
            case, reason=form.reason.data, note=form.note.data, by=current_user)):
        return redirect_to(".show", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "close case")
    return render("cases/close.html", case=case, form=form, status=form_status(form))


@bp.app_template_global()
def after_screening(case):
    return next_steps.after_screening(case)


@bp.app_template_global()
def age_step(case, on):
    return next_steps.age_step(case, on)
