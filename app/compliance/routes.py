"""After issue, on the cases blueprint: the officer records whether a condition was done, decides on a flag, and
confirms completion; a supervisor approves what the pack sends them; the prosecutor's summary. Who may:
`access.can_decide_compliance` and `can_approve_compliance` (never a provider; to anyone else these pages do not
exist)."""

from __future__ import annotations

import csv
import io

from flask import Response, abort
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import access
from app.audit import views
from app.cases.models import Case
from app.cases.routes import _viewed, bp
from app.compliance import decisions, ending, penalties, queries, supervision, variations
from app.compliance.forms import (
    ApproveDecisionForm,
    CompleteForm,
    ConditionResultForm,
    DecisionForm,
    PenaltyPaidForm,
    RegistrationForm,
)
from app.compliance.models import ComplianceDecision, DecisionStatus
from app.errors import InvalidTransition
from app.extensions import db
from app.web.forms import form_status
from app.web.htmx import redirect_to, render


def _decidable(case_id: str, load=()):
    case = access.case_or_404(case_id, load=load)
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


@bp.route("/<case_id>/flags/<flag_id>/decide", methods=["GET", "POST"])
@login_required
def decide_flag(case_id: str, flag_id: str):
    case = _decidable(case_id)
    flag = access.case_flag_or_404(case, flag_id)
    form = DecisionForm()
    offered = decisions.offered(case)
    form.offer({d: decisions.WORDS[d] for d in offered})
    if form.validate_on_submit() and form.attempt(lambda: decisions.decide(
            case, flag, explanation=form.explanation.data, evidence=form.evidence.data,
            attempts=decisions.attempts_from(form.attempt_on.data, form.attempt_how.data),
            decision=form.decision.data, reason=form.reason.data, penalty_pounds=form.penalty_pounds.data,
            by=current_user)):
        if (variation := variations.open_variation(case)) is not None and variation.decision is form.result:
            return redirect_to(".variation", case_id=case.public_id, variation_id=variation.public_id)
        return redirect_to(".show", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "decide on a flag")
    not_available = [decisions.WORDS[d] for d in decisions.not_available(case)]
    return render("compliance/decide.html", case=case, flag=flag, form=form, not_available=not_available,
                  penalty="financial_penalty" in offered, status=form_status(form))


@bp.route("/<case_id>/decisions/<decision_id>/approval", methods=["GET", "POST"])
@login_required
def approve_decision(case_id: str, decision_id: str):
    case = access.case_or_404(case_id)
    made = access.compliance_decision_or_404(case, decision_id)
    access.require(access.can_approve_compliance(current_user, case))
    form = ApproveDecisionForm()
    if form.validate_on_submit() and form.attempt(lambda: decisions.approve(
            made, approve=form.outcome.data == "approve", comment=form.comment.data, by=current_user)):
        return redirect_to(".show", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "approve a compliance decision")
    return render("compliance/approve.html", case=case, made=made, form=form, words=decisions.WORDS,
                  status=form_status(form))


@bp.get("/<case_id>/prosecution-summary")
@login_required
def prosecution_summary(case_id: str):
    """For the prosecutor: printable, once the case was referred for prosecution."""
    case = access.case_or_404(case_id, load=(selectinload(Case.offences), selectinload(Case.conditions)))
    made = db.session.scalars(select(ComplianceDecision).where(
        ComplianceDecision.case_id == case.id, ComplianceDecision.decision == "refer_for_prosecution",
        ComplianceDecision.status == DecisionStatus.TAKEN).options(joinedload(ComplianceDecision.flag),
                                                                    joinedload(ComplianceDecision.decided_by))).first()
    if made is None:
        abort(404)
    _viewed(case, "prosecution summary")
    return render("compliance/prosecution_summary.html", case=case, made=made, words=decisions.WORDS)


@bp.get("/supervision")
@login_required
def supervision_page():
    """A supervisor's team after issue: open flags by age, decisions waiting for them, this month's decisions."""
    scope = access.supervision_scope(current_user)
    access.require(scope is not None)
    view = supervision.team_view(scope)
    views.viewed_list("supervision.view", page="supervision", purpose="team oversight",
                      cases=[f.case for f, _ in view.flags] + [d.case for d in view.waiting])
    return render("compliance/supervision.html", view=view, words=decisions.WORDS)


@bp.get("/<case_id>/decisions")
@login_required
def decisions_page(case_id: str):
    """The case's open flags (each to decide), the decisions taken, its variations and its financial penalty."""
    case = access.case_or_404(case_id)
    access.require(case.issued_on is not None and access.can_decide_on_case(current_user, case))
    _viewed(case, "flags and decisions")
    return render("compliance/decisions.html", case=case, view=queries.case_decisions(case), words=decisions.WORDS,
                  decides=access.can_decide_compliance(current_user, case))


# --- a financial penalty (a community caution ended with one) -------------------------------------------------------


def _penalty(case_id: str):
    case = access.case_or_404(case_id)
    return case, access.penalty_or_404(case)


@bp.route("/<case_id>/penalty", methods=["GET", "POST"])
@login_required
def penalty(case_id: str):
    """The penalty, and its payment recorded with the evidence seen."""
    case, found = _penalty(case_id)
    form = PenaltyPaidForm()
    if form.validate_on_submit() and form.attempt(lambda: penalties.record_payment(
            found, paid_on=form.paid_on.data, evidence=form.evidence.data, by=current_user)):
        return redirect_to(".penalty", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "financial penalty")
    return render("compliance/penalty.html", case=case, penalty=found, form=form,
                  registrable=penalties.registrable(found), status=form_status(form))


@bp.route("/<case_id>/penalty/registration", methods=["GET", "POST"])
@login_required
def penalty_registration(case_id: str):
    """Unpaid after its date: the registration certificate's data, produced once the local justice area is given,
    then printable."""
    case, found = _penalty(case_id)
    form = RegistrationForm(data={"local_justice_area": found.local_justice_area})
    if form.validate_on_submit() and form.attempt(lambda: penalties.produce_registration(
            found, local_justice_area=form.local_justice_area.data, by=current_user)):
        return redirect_to(".penalty_registration", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "penalty registration data")
    return render("compliance/registration.html", case=case, penalty=found, form=form,
                  data=penalties.registration(found) if found.certificate_on else None, status=form_status(form))


@bp.get("/<case_id>/penalty/registration.csv")
@login_required
def penalty_registration_csv(case_id: str):
    """The same data as one CSV row with its header, once produced."""
    case, found = _penalty(case_id)
    if found.certificate_on is None:
        abort(404)
    row = penalties.registration(found).row()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(row), lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(row)
    _viewed(case, "penalty registration data (CSV)")
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="registration-{case.reference}.csv"'})
