"""The police view of a case and the officer's workflow from a new case to an issued caution.

Each route loads and authorises (app.access), validates a form, calls one service, commits once and redirects
(303); a form with errors is shown again with status 422 and the error summary. Services raise RuleViolation or
InvalidTransition for what the rules refuse; one error handler turns those into a 422 or 409 page.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request
from flask_login import current_user, login_required

from app import access, clock
from app.audit import services as audit
from app.auth.models import User
from app.cases import forms, services
from app.cases.models import Case, CaseStatus
from app.cases.needs import config as needs_config
from app.extensions import db
from app.organisations.models import Role
from app.people.models import CHANNELS, ETHNICITIES, OBSERVED_CODES, SEXES, SpecialCategory
from app.web.htmx import form_status, is_partial, redirect_to, render

bp = Blueprint("cases", __name__, url_prefix="/cases")


def _viewed(case, purpose: str = "case management") -> None:
    audit.record("case.view", actor=current_user, obj=case, purpose=purpose)
    db.session.commit()


@bp.get("/<case_id>")
@login_required
def show(case_id: str):
    case = access.case_or_404(case_id)
    audit.record("case.view", actor=current_user, obj=case, purpose="case management")
    timeline = db.session.scalars(access.visible_timeline(current_user, case)).all()
    db.session.commit()
    return render("cases/show.html", "timeline", case=case, timeline=timeline, document=services.document_of(case))


# --- new case and the task list -------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not access.can_open_case(current_user):
        abort(404)
    form = forms.NewCaseForm()
    form.set_disposals(current_app.extensions["rule_packs"], clock.today())
    if form.validate_on_submit():
        regime, disposal = form.disposal.data.split(":", 1)
        case = services.start_case(officer=current_user, team=current_user.membership.team, regime=regime,
                                   disposal_type=disposal, given_name=form.given_name.data,
                                   family_name=form.family_name.data)
        db.session.commit()
        return redirect_to(".tasks", case_id=case.public_id)
    return render("cases/new.html", form=form, status=form_status(form))


@bp.get("/<case_id>/tasks")
@login_required
def tasks(case_id: str):
    case = access.case_or_404(case_id)
    if not access.may_work_on_case(current_user, case):
        abort(403)
    page = dict(case=case, details=services.details_problems(case), screening=services.screening_of(case),
                approvals=services.approvals_state(case), needs=services.needs_of(case),
                missing_views=services.views_problems(case), ready=services.ready_problems(case),
                blockers=services.issue_blockers(case) if case.status is CaseStatus.READY else [],
                missing_view_ids={link.id for link in case.victims if services.view_of(link) is None},
                conditions_ok=not services.condition_problems(case), age_warning=services.age_problem(
                    case, services.planned_caution_date(case)), document=services.document_of(case))
    _viewed(case)
    return render("cases/tasks.html", **page)


# --- offender details -------------------------------------------------------------------------------------------


@bp.route("/<case_id>/offender", methods=["GET", "POST"])
@login_required
def offender(case_id: str):
    case = access.case_or_404(case_id, need="edit")
    person = case.offender
    special_allowed = access.can_view_special_category(current_user, case)
    special = db.session.get(SpecialCategory, person.id) if special_allowed else None
    data = None
    if request.method == "GET" and special is not None:
        data = {"ethnicity_self": special.ethnicity_self_defined or "",
                "ethnicity_observed": special.ethnicity_officer_observed or "", "sex": special.sex}
    form = forms.OffenderForm(obj=person, data=data)
    if not special_allowed:
        form.drop_special_category()
    if form.validate_on_submit():
        services.update_offender(case, form.person_values(), form.special_values(), by=current_user)
        db.session.commit()
        return redirect_to(".tasks", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "offender details")
    return render("cases/offender.html", case=case, form=form, status=form_status(form))


# --- offences ---------------------------------------------------------------------------------------------------


@bp.route("/<case_id>/offences", methods=["GET", "POST"])
@login_required
def offences(case_id: str):
    case = access.case_or_404(case_id, need="edit")
    form = forms.OffenceForm()
    q = request.args.get("q", "").strip()[:100]
    if form.validate_on_submit():
        services.add_offence(case, code=form.offence.data, committed_on=form.committed_on.data,
                             location=form.location.data, by=current_user)
        db.session.commit()
        return redirect_to(".offences", case_id=case.public_id)
    if form.is_submitted():
        q = (form.q.data or "").strip()[:100]
    results = services.search_offences(q) if q else []
    chosen = services.find_offence(form.offence.data) if form.offence.data else None
    if chosen is None and form.offence.data and not form.offence.errors:
        form.offence.errors.append("Choose an offence from the search results")
    status = form_status(form)
    if not form.is_submitted() and not is_partial():
        _viewed(case, "offences")
    return render("cases/offences.html", "results", case=case, form=form, q=q, results=results, chosen=chosen,
                  announce=is_partial(), status=status)


@bp.post("/<case_id>/offences/<offence_id>/remove")
@login_required
def remove_offence(case_id: str, offence_id: str):
    case = access.case_or_404(case_id, need="edit")
    link = access.case_offence_or_404(case, offence_id)
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        return render("cases/offences.html", case=case, form=forms.OffenceForm(formdata=None), q="", results=[],
                      chosen=None, confirm_errors=form.error_summary(), status=422)
    services.remove_offence(case, link, by=current_user)
    db.session.commit()
    return redirect_to(".offences", case_id=case.public_id)


# --- victims ------------------------------------------------------------------------------------------------------


@bp.route("/<case_id>/victims", methods=["GET", "POST"])
@login_required
def victims(case_id: str):
    case = access.case_or_404(case_id, need="edit")
    form = forms.VictimForm()
    if form.validate_on_submit():
        values = {k: forms._blank_to_none(getattr(form, k).data) for k in (
            "given_name", "family_name", "address", "postcode", "email", "phone", "preferred_channel")}
        opted_in = form.updates_opted_in.data == "yes"
        services.add_new_victim(case, values, enhanced_rights=bool(form.enhanced_rights.data),
                                updates_opted_in=opted_in, update_channel=form.update_channel.data or None,
                                by=current_user)
        db.session.commit()
        return redirect_to(".victims", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "victims")
    return render("cases/victims.html", case=case, form=form, channels=CHANNELS, status=form_status(form))


@bp.post("/<case_id>/victims/none")
@login_required
def no_victims(case_id: str):
    case = access.case_or_404(case_id, need="edit")
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        return render("cases/victims.html", case=case, form=forms.VictimForm(formdata=None), channels=CHANNELS,
                      confirm_errors=form.error_summary(), status=422)
    services.record_no_victims(case, by=current_user)
    db.session.commit()
    return redirect_to(".tasks", case_id=case.public_id)


@bp.post("/<case_id>/victims/<victim_id>/remove")
@login_required
def remove_victim(case_id: str, victim_id: str):
    case = access.case_or_404(case_id, need="edit")
    link = access.case_victim_or_404(case, victim_id)
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        return render("cases/victims.html", case=case, form=forms.VictimForm(formdata=None), channels=CHANNELS,
                      confirm_errors=form.error_summary(), status=422)
    services.remove_victim(case, link, by=current_user)
    db.session.commit()
    return redirect_to(".victims", case_id=case.public_id)


@bp.route("/<case_id>/victims/<victim_id>/views", methods=["GET", "POST"])
@login_required
def victim_views(case_id: str, victim_id: str):
    case = access.case_or_404(case_id, need="edit")
    link = access.case_victim_or_404(case, victim_id)
    view = services.view_of(link)
    data = None
    if view is not None and request.method == "GET":
        data = {"contacted": "no" if view.could_not_contact else "yes", "views": view.views,
                "remedy_requested": view.remedy_requested, "remedy_declined_reason": view.remedy_declined_reason,
                "taken_into_account": view.taken_into_account}
        for i, attempt in enumerate((view.attempts or [])[:3], start=1):
            from datetime import date

            data[f"attempt{i}_on"] = date.fromisoformat(attempt["on"]) if attempt.get("on") else None
            data[f"attempt{i}_method"] = attempt.get("method")
            data[f"attempt{i}_note"] = attempt.get("note")
    form = forms.VictimViewForm(data=data)
    if form.validate_on_submit():
        contacted = form.contacted.data == "yes"
        values = {"attempts": form.attempts(), "could_not_contact": not contacted,
                  "views": forms._blank_to_none(form.views.data) if contacted else None,
                  "remedy_requested": forms._blank_to_none(form.remedy_requested.data) if contacted else None,
                  "remedy_declined_reason": forms._blank_to_none(form.remedy_declined_reason.data),
                  "taken_into_account": forms._blank_to_none(form.taken_into_account.data) if contacted else None}
        services.record_victim_view(case, link, values, by=current_user)
        db.session.commit()
        return redirect_to(".tasks", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "victim's views")
    return render("cases/victim_views.html", case=case, link=link, form=form, status=form_status(form))


# --- eligibility screening and approvals --------------------------------------------------------------------------


@bp.route("/<case_id>/screening", methods=["GET", "POST"])
@login_required
def screening(case_id: str):
    case = access.case_or_404(case_id, need="edit")
    existing = services.screening_of(case)
    data = None
    if request.method == "GET":
        from datetime import date

        answers = existing.answers if existing else {}
        planned = services.planned_caution_date(case)
        data = {"caution_date": planned if not answers else max(date.fromisoformat(answers["caution_date"]),
                                                                 clock.today())}
        yes_no = {True: "yes", False: "no"}
        for key in ("evidence_sufficient", "admits", "consents"):
            if key in answers:
                data[key] = yes_no.get(answers[key])
        for key in ("evidence_decided_by", "evidence_decision_maker", "exceptional_rationale",
                    "cps_consent_reference"):
            data[key] = answers.get(key)
    form = forms.ScreeningForm(data=data)
    questions = services.pack_of(case).eligibility_questions
    form.ask(questions)
    details = services.details_problems(case)
    if form.validate_on_submit():
        problem = services.age_problem(case, form.caution_date.data)
        if problem:
            form.caution_date.errors.append(problem)
        else:
            services.record_screening(case, form.answers() | {"questions": questions}, by=current_user)
            db.session.commit()
            return redirect_to(".screening", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "eligibility screening")
    return render("cases/screening.html", case=case, form=form, screening=existing, details=details,
                  pack=services.pack_of(case), disposal=services.disposal_of(case),
                  approvals=services.approvals_state(case), labels=services.APPROVAL_LABELS,
                  current=services.screening_problems(case) if existing else [],
                  prior=services.prior_cautions(case, services.planned_caution_date(case)), status=form_status(form))


@bp.get("/approvals")
@login_required
def approvals():
    if access.role(current_user) is not Role.SUPERVISOR:
        abort(404)
    pending = db.session.scalars(access.visible_approvals(current_user)).all()
    return render("cases/approvals.html", pending=pending, labels=services.APPROVAL_LABELS,
                  screenings={a.case_id: services.screening_of(db.session.get(Case, a.case_id))
                              for a in pending},
                  cases={a.case_id: db.session.get(Case, a.case_id) for a in pending},
                  forms={a.id: forms.ApprovalForm(formdata=None, prefix=f"a{a.id}") for a in pending})


@bp.post("/approvals/<approval_id>")
@login_required
def decide(approval_id: str):
    approval = access.approval_or_404(approval_id)
    form = forms.ApprovalForm(prefix=f"a{approval.id}")
    if form.validate_on_submit():
        services.decide_approval(approval, approve=form.decision.data == "approve", comment=form.comment.data,
                                 by=current_user)
        db.session.commit()
        return redirect_to(".approvals")
    pending = db.session.scalars(access.visible_approvals(current_user)).all()
    all_forms = {a.id: forms.ApprovalForm(formdata=None, prefix=f"a{a.id}") for a in pending} | {approval.id: form}
    return render("cases/approvals.html", pending=pending, labels=services.APPROVAL_LABELS,
                  screenings={a.case_id: services.screening_of(db.session.get(Case, a.case_id))
                              for a in pending},
                  cases={a.case_id: db.session.get(Case, a.case_id) for a in pending},
                  forms=all_forms, failed=approval.id, status=422)


# --- needs assessment ---------------------------------------------------------------------------------------------


@bp.route("/<case_id>/needs", methods=["GET", "POST"])
@login_required
def needs(case_id: str):
    case = access.case_or_404(case_id, need="edit")
    existing = services.needs_of(case)
    form = forms.needs_form(existing.levels if existing else None)()
    if form.validate_on_submit():
        services.record_needs(case, form.levels(), by=current_user)
        db.session.commit()
        return redirect_to(".tasks", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "needs assessment")
    return render("cases/needs.html", case=case, form=form, cfg=needs_config(), status=form_status(form))


# --- conditions ---------------------------------------------------------------------------------------------------


def _condition_page(case, form, status=200, block=None, editing=None, announce=None):
    assessment = services.needs_of(case)
    suggestions = needs_config().suggestions(assessment.levels) if assessment else []
    views = [(link, services.view_of(link)) for link in case.victims]
    return render("cases/conditions.html", block, case=case, form=form, status=status, editing=editing,
                  disposal=services.disposal_of(case), suggestions=suggestions, assessment=assessment, views=views,
                  problems=services.condition_problems(case), deadline=services.planned_deadline(case),
                  labels=forms.CONDITION_LABELS, announce=announce)


def _condition_form(case, **kw):
    form = forms.ConditionForm(**kw)
    form.set_types(services.disposal_of(case).condition_types)
    return form


def _check_limits(case, form, replacing=None) -> bool:
    for field, message in services.condition_limit_problems(case, form.values(), replacing):
        form.add_error(field, message)
    return not form.errors


@bp.route("/<case_id>/conditions", methods=["GET", "POST"])
@login_required
def conditions(case_id: str):
    case = access.case_or_404(case_id, need="edit")
    form = _condition_form(case)
    if form.validate_on_submit() and _check_limits(case, form):
        services.add_condition(case, form.values(), by=current_user)
        db.session.commit()
        if is_partial():  # htmx: the updated list and a fresh form, in place
            return _condition_page(case, _condition_form(case, formdata=None), block="workspace",
                                   announce="Condition added.")
        return redirect_to(".conditions", case_id=case.public_id)
    if form.is_submitted():
        return _condition_page(case, form, 422, block="condition_form")
    _viewed(case, "conditions")
    return _condition_page(case, form)


@bp.route("/<case_id>/conditions/<condition_id>", methods=["GET", "POST"])
@login_required
def edit_condition(case_id: str, condition_id: str):
    case = access.case_or_404(case_id, need="edit")
    condition = access.condition_or_404(case, condition_id)
    form = _condition_form(case, obj=condition)
    if form.validate_on_submit() and _check_limits(case, form, replacing=condition):
        services.update_condition(case, condition, form.values(), version=form.version.data, by=current_user)
        db.session.commit()
        return redirect_to(".conditions", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "conditions")
    return render("cases/condition_edit.html", case=case, form=form, condition=condition, status=form_status(form),
                  disposal=services.disposal_of(case), deadline=services.planned_deadline(case))


@bp.post("/<case_id>/conditions/<condition_id>/remove")
@login_required
def remove_condition(case_id: str, condition_id: str):
    case = access.case_or_404(case_id, need="edit")
    condition = access.condition_or_404(case, condition_id)
    confirm = forms.ConfirmForm()
    if not confirm.validate_on_submit():
        page = _condition_form(case, formdata=None)
        for message in [i["text"] for i in confirm.error_summary()]:
            page.form_errors.append(message)
        return _condition_page(case, page, 422, block="condition_form" if is_partial() else None)
    services.remove_condition(case, condition, by=current_user)
    db.session.commit()
    if is_partial():
        return _condition_page(case, _condition_form(case, formdata=None), block="workspace",
                               announce="Condition removed.")
    return redirect_to(".conditions", case_id=case.public_id)


# --- issuing the caution --------------------------------------------------------------------------------------------


@bp.route("/<case_id>/issue", methods=["GET", "POST"])
@login_required
def issue(case_id: str):
    case = access.case_or_404(case_id, need="edit")
    pack, today = services.pack_of(case), clock.today()
    normal = services.rules.normal_deadline(pack, today)
    data = None
    if request.method == "GET":
        data = {"evidence_decided_by": case.evidence_decided_by,
                "evidence_decision_maker": case.evidence_decision_maker,
                "deadline": case.deadline if case.deadline and case.deadline > today else normal,
                "extension_reason": case.deadline_extension_reason}
    form = forms.IssueForm(data=data)
    if form.validate_on_submit():
        problems = services.rules.check_deadline(pack, today, form.deadline.data, form.extension_reason.data)
        problems += [p for p in [services.age_problem(case, today)] if p]
        for problem in problems:
            form.add_error("deadline" if "deadline" in problem.lower() else None, problem)
        if not problems:
            checklist = {"evidence_decided_by": form.evidence_decided_by.data,
                         "evidence_decision_maker": form.evidence_decision_maker.data.strip(),
                         "admitted": True, "consented": True, "explained": True, "warning_given": True}
            services.prepare_issue(case, checklist, deadline=form.deadline.data,
                                   extension_reason=form.extension_reason.data, by=current_user)
            db.session.commit()
            return redirect_to(".document", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "issue caution")
    return render("cases/issue.html", case=case, form=form, disposal=services.disposal_of(case), normal=normal,
                  maximum=services.rules._weeks(today, pack.deadline.exceptional_weeks), pack=pack,
                  problems=services.ready_problems(case), status=form_status(form))


@bp.route("/<case_id>/document", methods=["GET", "POST"])
@login_required
def document(case_id: str):
    """The caution document: before issue, the text to sign and the signature form; after, the stored text."""
    if request.method == "GET":
        case = access.case_or_404(case_id)
        signed = services.document_of(case)
        if signed is None and not access.can_edit_case(current_user, case):
            abort(404)
    else:
        case = access.case_or_404(case_id, need="edit")
        signed = None
    text = signed.text if signed else services.caution_text(case)
    form = forms.SignatureForm(data={"document_hash": services.document_hash(text)} if request.method == "GET"
                               else None)
    if form.validate_on_submit():
        services.record_signature(case, signed_by_name=form.signed_by_name.data,
                                  shown_hash=form.document_hash.data, by=current_user)
        db.session.commit()
        return redirect_to(".show", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "caution document")
    witness = db.session.get(User, signed.witnessed_by_id).display_name if signed else None
    return render("cases/document.html", case=case, form=form, text=text, signed=signed, witness=witness,
                  blockers=[] if signed else services.issue_blockers(case), status=form_status(form))


@bp.app_template_global()
def person_labels() -> dict:
    return {"channels": CHANNELS, "ethnicities": ETHNICITIES, "observed": OBSERVED_CODES, "sexes": SEXES}
