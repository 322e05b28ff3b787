"""After issue, on the cases blueprint: the officer records whether a condition was done, and confirms completion.
Who may: `access.can_decide_compliance` (never a provider; others who can see the case get 403)."""

from __future__ import annotations

from flask_login import current_user, login_required

from app import access
from app.cases.routes import _viewed, bp
from app.compliance import ending
from app.compliance.forms import CompleteForm, ConditionResultForm
from app.errors import InvalidTransition
from app.web.forms import form_status
from app.web.htmx import redirect_to, render


def _decidable(case_id: str):
    case = access.case_or_404(case_id)
    if case.status.value != "issued":
        raise InvalidTransition(ending.NOT_ISSUED)
    access.require(access.can_decide_compliance(current_user, case))
    return case


@bp.route("/<case_id>/conditions/<condition_id>/result", methods=["GET", "POST"])
@login_required
def condition_result(case_id: str, condition_id: str):
    case = _decidable(case_id)
    condition = access.condition_or_404(case, condition_id)
    form = ConditionResultForm()
    if form.validate_on_submit() and form.attempt(lambda: ending.record_condition_result(
            case, condition, result=form.result.data, evidence=form.evidence.data, on=form.on.data,
            by=current_user)):
        return redirect_to(".show", case_id=case.public_id, _anchor=f"condition-{condition.public_id}")
    if not form.is_submitted():
        _viewed(case, "record a condition's result")
    return render("compliance/condition_result.html", case=case, condition=condition, form=form,
                  status=form_status(form))


@bp.route("/<case_id>/complete", methods=["GET", "POST"])
@login_required
def complete(case_id: str):
    case = _decidable(case_id)
    form = CompleteForm()
    if form.validate_on_submit() and form.attempt(lambda: ending.complete(case, by=current_user)):
        return redirect_to(".show", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "confirm completion")
    return render("compliance/complete.html", case=case, form=form, ready=ending.can_complete(current_user, case),
                  status=form_status(form))
