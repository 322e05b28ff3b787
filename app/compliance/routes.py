"""After issue, on the cases blueprint: the officer records whether a condition was done, decides on a flag, and
confirms completion; a supervisor approves what the pack sends them; the prosecutor's summary. Who may:
`access.can_decide_compliance` and `can_approve_compliance` (never a provider; to anyone else these pages do not
exist)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import access
from app.audit import views
from app.cases.models import Case
from app.cases.routes import _viewed, bp
from app.compliance import decisions, ending, supervision
from app.compliance.forms import ApproveDecisionForm, CompleteForm, ConditionResultForm, DecisionForm
from app.compliance.models import ComplianceDecision, DecisionStatus
from app.errors import InvalidTransition
from app.extensions import db
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


@bp.route("/<case_id>/flags/<flag_id>/decide", methods=["GET", "POST"])
@login_required
def decide_flag(case_id: str, flag_id: str):
    case = _decidable(case_id)
    flag = access.case_flag_or_404(case, flag_id)
    form = DecisionForm()
    form.offer({d: decisions.WORDS[d] for d in decisions.offered(case)})
    if form.validate_on_submit() and form.attempt(lambda: decisions.decide(
            case, flag, explanation=form.explanation.data, evidence=form.evidence.data,
            attempts=decisions.attempts_from(form.attempt_on.data, form.attempt_how.data),
            decision=form.decision.data, reason=form.reason.data, by=current_user)):
        return redirect_to(".show", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "decide on a flag")
    not_built = [decisions.WORDS[d] for d in decisions.not_built(case)]
    return render("compliance/decide.html", case=case, flag=flag, form=form, not_built=not_built,
                  status=form_status(form))


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
