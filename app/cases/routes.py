"""The police view of a case and the officer's workflow from a new case to an issued caution.

Each route loads and authorises through app.access, validates a form, calls one service and redirects (303); the
request commits once, after it (app/web/commit.py). Bad input or a refused rule: the form again, 422 and the error
summary; a state that does not allow the action: a 409 page (app/errors.py).
"""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user, login_required

from app import access, clock
from app.audit import views
from app.cases import catalogue, decision_forms, forms, next_steps, packs, readiness, rules, services
from app.cases import conditions as condition_services
from app.cases.document import caution_text, document_hash
from app.cases.needs import config as needs_config
from app.cases.packs import disposal_of, pack_of
from app.cases.queries import earlier_disposals, planned_caution_date, planned_deadline, recorded_earlier
from app.extensions import db
from app.notifications import services as outbox
from app.people.models import CHANNELS, ETHNICITIES, OBSERVED_CODES, SEXES
from app.web.forms import form_status
from app.web.htmx import is_partial, redirect_to, render

bp = views.shows_personal_data(Blueprint("cases", __name__, url_prefix="/cases"))


def _viewed(case, purpose: str = "case management") -> None:
    views.viewed("case.view", case, purpose=purpose)


@bp.get("/<case_id>")
@login_required
def show(case_id: str):
    case = access.case_or_404(case_id, load=access.CASE_PAGE)
    _viewed(case)
    timeline = db.session.scalars(access.visible_timeline(current_user, case)).all()
    return render("cases/show.html", "timeline", case=case, timeline=timeline, sent_messages=outbox.for_case_page(case))


# --- new case and the task list -------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@login_required
@views.shows_no_personal_data
def new():
    team = access.team_to_open_cases_or_404()
    form = forms.NewCaseForm()
    offered, not_offered = packs.disposals_on(clock.today())
    form.set_disposals(offered)
    if form.validate_on_submit() and form.attempt(lambda: services.start_case(
            officer=current_user, team=team, regime=form.regime, disposal_type=form.disposal_type,
            given_name=form.given_name.data, family_name=form.family_name.data)):
        return redirect_to(".tasks", case_id=form.result.public_id)
    return render("cases/new.html", form=form, not_offered=not_offered, status=form_status(form))


@bp.get("/<case_id>/tasks")
@login_required
def tasks(case_id: str):
    case = access.case_or_404(case_id, need="work", load=access.CASE_WORK)
    editable = access.can_edit_case(current_user, case)
    _viewed(case)
    return render("cases/tasks.html", case=case, editable=editable, ready=next_steps.ready_steps(case),
                  sections=readiness.task_list(case, editable=editable),
                  age_warning=next_steps.age_step(case, planned_caution_date(case)))


# --- offender details -------------------------------------------------------------------------------------------


@bp.route("/<case_id>/offender", methods=["GET", "POST"])
@login_required
def offender(case_id: str):
    case = access.case_or_404(case_id, need="edit", load=access.CASE_WORK, after_issue="cases.contact_details")
    special = access.special_category_of(current_user, case)  # None when this user may not see it
    form = forms.OffenderForm(obj=case.offender, data=forms.OffenderForm.special_data(special)
                              if request.method == "GET" else None)
    if not access.can_view_special_category(current_user, case):
        form.drop_special_category()
    if form.validate_on_submit() and form.attempt(lambda: services.update_offender(
            case, form.person_values(), form.special_values(), by=current_user)):
        return redirect_to(".tasks", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "offender details")
    return render("cases/offender.html", case=case, form=form, status=form_status(form))


# --- offences ---------------------------------------------------------------------------------------------------


@bp.route("/<case_id>/offences", methods=["GET", "POST"])
@login_required
def offences(case_id: str):
    case = access.case_or_404(case_id, need="edit", load=access.CASE_WORK)
    form = forms.OffenceForm()
    q = request.args.get("q", "").strip()[:100]
    if form.validate_on_submit() and form.attempt(lambda: services.add_offence(
            case, code=form.offence.data, committed_on=form.committed_on.data, location=form.location.data,
            by=current_user)):
        return redirect_to(".offences", case_id=case.public_id)
    if form.is_submitted():
        q = (form.q.data or "").strip()[:100]
    chosen = catalogue.find(form.offence.data) if form.offence.data else None
    if chosen is None and form.offence.data and not form.offence.errors:
        form.offence.errors.append("Choose an offence from the search results")
    if is_partial():
        views.nothing_shown()  # the catalogue's search results alone
    elif not form.is_submitted():
        _viewed(case, "offences")
    return render("cases/offences.html", "results", case=case, form=form, q=q,
                  results=catalogue.search(q) if q else [], chosen=chosen, announce=is_partial(),
                  status=form_status(form))


def _confirmed(action) -> list[dict] | None:
    """A confirm-only form (CSRF and a button): None when it was valid and `action` ran, else its errors."""
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        return form.error_summary()
    action()
    return None


@bp.post("/<case_id>/offences/<offence_id>/remove")
@login_required
def remove_offence(case_id: str, offence_id: str):
    case = access.case_or_404(case_id, need="edit", load=access.CASE_WORK)
    link = access.case_offence_or_404(case, offence_id)
    if (errors := _confirmed(lambda: services.remove_offence(case, link, by=current_user))) is not None:
        return render("cases/offences.html", case=case, form=forms.OffenceForm(formdata=None), q="", results=[],
                      chosen=None, confirm_errors=errors, status=422)
    return redirect_to(".offences", case_id=case.public_id)


# --- victims ------------------------------------------------------------------------------------------------------


def _victims_page(case, form, status=200, confirm_errors=None):
    form.set_pack(pack_of(case))
    return render("cases/victims.html", case=case, form=form, channels=CHANNELS, confirm_errors=confirm_errors,
                  status=status)


@bp.route("/<case_id>/victims", methods=["GET", "POST"])
@login_required
def victims(case_id: str):
    case = access.case_or_404(case_id, need="edit", load=access.CASE_WORK, after_issue="cases.contact_details")
    form = forms.VictimForm()
    if form.validate_on_submit() and form.attempt(lambda: services.add_new_victim(
            case, form.person_values(), enhanced_rights=bool(form.enhanced_rights.data),
            updates_opted_in=form.updates_opted_in.data == "yes", update_channel=form.update_channel.data or None,
            by=current_user)):
        return redirect_to(".victims", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "victims")
    return _victims_page(case, form, form_status(form))


@bp.post("/<case_id>/victims/none")
@login_required
def no_victims(case_id: str):
    case = access.case_or_404(case_id, need="edit", load=access.CASE_WORK)
    if (errors := _confirmed(lambda: services.record_no_victims(case, by=current_user))) is not None:
        return _victims_page(case, forms.VictimForm(formdata=None), 422, errors)
    return redirect_to(".tasks", case_id=case.public_id)


@bp.post("/<case_id>/victims/<victim_id>/remove")
@login_required
def remove_victim(case_id: str, victim_id: str):
    case = access.case_or_404(case_id, need="edit", load=access.CASE_WORK)
    link = access.case_victim_or_404(case, victim_id)
    if (errors := _confirmed(lambda: services.remove_victim(case, link, by=current_user))) is not None:
        return _victims_page(case, forms.VictimForm(formdata=None), 422, errors)
    return redirect_to(".victims", case_id=case.public_id)


@bp.route("/<case_id>/victims/<victim_id>/views", methods=["GET", "POST"])
@login_required
def victim_views(case_id: str, victim_id: str):
    case = access.case_or_404(case_id, need="edit", load=access.CASE_WORK)
    link = access.case_victim_or_404(case, victim_id)
    form = forms.VictimViewForm(data=forms.VictimViewForm.data_from(link.view) if request.method == "GET" else None)
    if form.validate_on_submit() and form.attempt(lambda: services.record_victim_view(
            case, link, form.values(), by=current_user)):
        return redirect_to(".tasks", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "victim's views")
    return render("cases/victim_views.html", case=case, link=link, form=form, status=form_status(form))


# --- eligibility screening and approvals --------------------------------------------------------------------------


@bp.route("/<case_id>/screening", methods=["GET", "POST"])
@login_required
def screening(case_id: str):
    case = access.case_or_404(case_id, need="edit", load=access.CASE_WORK)
    existing, planned = case.screening, planned_caution_date(case)
    form = decision_forms.ScreeningForm(data=decision_forms.ScreeningForm.data_from(existing, planned)
                                        if request.method == "GET" else None)
    questions = pack_of(case).eligibility_questions
    form.ask(questions)
    if form.handle(lambda: services.record_screening(case, form.answers() | {"questions": questions}, by=current_user),
                   check=lambda values: services.check_screening(case, values["caution_date"])):
        return redirect_to(".screening", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "eligibility screening")
    in_resolve = earlier_disposals(case)
    return render("cases/screening.html", case=case, form=form, screening=existing,
                  details=readiness.details_problems(case), pack=pack_of(case), disposal=disposal_of(case),
                  approvals=case.latest_approvals(), labels=readiness.APPROVAL_LABELS,
                  current=readiness.screening_problems(case, in_resolve) if existing else [],
                  earlier=in_resolve + (recorded_earlier(existing.answers) if existing else []),
                  guidance=readiness.offence_guidance(case),
                  status=form_status(form))


def _approvals_page(forms_by_id=None, failed=None, status=200):
    pending = db.session.scalars(access.visible_approvals(current_user)).all()
    views.viewed_list("approvals.view", page="approvals", purpose="approvals", cases=[a.case for a in pending])
    all_forms = {a.id: decision_forms.ApprovalForm(formdata=None, prefix=f"a{a.id}")
                 for a in pending} | (forms_by_id or {})
    return render("cases/approvals.html", pending=pending, labels=readiness.APPROVAL_LABELS, forms=all_forms,
                  failed=failed, status=status)


@bp.get("/approvals")
@login_required
def approvals():
    access.require(access.can_approve_any(current_user))
    return _approvals_page()


@bp.post("/approvals/<approval_id>")
@login_required
def decide(approval_id: str):
    approval = access.approval_or_404(approval_id)
    form = decision_forms.ApprovalForm(prefix=f"a{approval.id}")
    if form.validate_on_submit() and form.attempt(lambda: services.decide_approval(
            approval, approve=form.decision.data == "approve", comment=form.comment.data, by=current_user)):
        return redirect_to(".approvals")
    return _approvals_page({approval.id: form}, failed=approval.id, status=422)


# --- needs assessment ---------------------------------------------------------------------------------------------


@bp.route("/<case_id>/needs", methods=["GET", "POST"])
@login_required
def needs(case_id: str):
    case = access.case_or_404(case_id, need="edit", load=access.CASE_WORK)
    form = forms.needs_form(case.needs.levels if case.needs else None)()
    if form.validate_on_submit() and form.attempt(lambda: services.record_needs(case, form.levels(),
                                                                                by=current_user)):
        return redirect_to(".tasks", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "needs assessment")
    return render("cases/needs.html", case=case, form=form, cfg=needs_config(), status=form_status(form))


# --- conditions ---------------------------------------------------------------------------------------------------


def _condition_page(case, form, status=200, block=None, announce=None):
    assessment = case.needs
    return render("cases/conditions.html", block, case=case, form=form, status=status, disposal=disposal_of(case),
                  suggestions=needs_config().suggestions(assessment.levels) if assessment else [],
                  assessment=assessment, problems=next_steps.condition_steps(case),
                  stale_views=readiness.views_after_conditions(case),
                  deadline=planned_deadline(case), labels=decision_forms.CONDITION_LABELS, announce=announce)


def _condition_form(case, form_class=decision_forms.ConditionForm, **kw):
    form = form_class(**kw)
    form.set_choices(disposal_of(case), readiness.remedy_requests(case))
    return form


@bp.route("/<case_id>/conditions", methods=["GET", "POST"])
@login_required
def conditions(case_id: str):
    case = access.case_or_404(case_id, need="edit", load=access.CASE_WORK, after_issue="cases.show#conditions")
    form = _condition_form(case)
    if form.handle(lambda: condition_services.add_condition(case, form.values(), by=current_user),
                   check=lambda values: condition_services.check_condition(case, values)):
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
    case = access.case_or_404(case_id, need="edit", load=access.CASE_WORK, after_issue="cases.show#conditions")
    condition = access.condition_or_404(case, condition_id)
    remedy = {"remedy_for": readiness.victim_key(condition.remedy_for)} if condition.remedy_for else None
    form = _condition_form(case, decision_forms.ConditionEditForm, obj=condition,
                           data=remedy if request.method == "GET" else None)
    if form.handle(lambda: condition_services.update_condition(case, condition, form.values(), by=current_user,
                   version=form.version.data), check=lambda v: condition_services.check_condition(case, v, condition)):
        return redirect_to(".conditions", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "conditions")
    return render("cases/condition_edit.html", case=case, form=form, condition=condition, status=form_status(form),
                  disposal=disposal_of(case), deadline=planned_deadline(case))


@bp.post("/<case_id>/conditions/confirm")
@login_required
def confirm_conditions(case_id: str):
    """The conditions, as they stand, take every victim's views as now recorded into account."""
    case = access.case_or_404(case_id, need="edit", load=access.CASE_WORK)
    if (errors := _confirmed(lambda: condition_services.confirm_conditions(case, by=current_user))) is not None:
        page = _condition_form(case, formdata=None)
        page.form_errors.extend(item["text"] for item in errors)
        return _condition_page(case, page, 422)
    return redirect_to(".conditions", case_id=case.public_id)


@bp.post("/<case_id>/conditions/<condition_id>/remove")
@login_required
def remove_condition(case_id: str, condition_id: str):
    case = access.case_or_404(case_id, need="edit", load=access.CASE_WORK)
    condition = access.condition_or_404(case, condition_id)
    errors = _confirmed(lambda: condition_services.remove_condition(case, condition, by=current_user))
    if errors is not None:
        page = _condition_form(case, formdata=None)
        page.form_errors.extend(item["text"] for item in errors)
        return _condition_page(case, page, 422, block="condition_form" if is_partial() else None)
    if is_partial():
        return _condition_page(case, _condition_form(case, formdata=None), block="workspace",
                               announce="Condition removed.")
    return redirect_to(".conditions", case_id=case.public_id)


# --- issuing the caution --------------------------------------------------------------------------------------------


@bp.route("/<case_id>/issue", methods=["GET", "POST"])
@login_required
def issue(case_id: str):
    case = access.case_or_404(case_id, need="edit", load=access.CASE_WORK)
    pack, today = pack_of(case), clock.today()
    normal = rules.normal_deadline(pack, today)
    form = decision_forms.IssueForm(data=decision_forms.IssueForm.data_from(case, today, normal)
                                    if request.method == "GET" else None)
    if form.handle(lambda: services.prepare_issue(case, form.checklist(), **form.values(), by=current_user),
                   check=lambda values: services.check_issue(case, **values)):
        return redirect_to(".document", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "issue caution")
    return render("cases/issue.html", case=case, form=form, disposal=disposal_of(case), normal=normal,
                  maximum=rules.latest_deadline(pack, today), pack=pack, problems=next_steps.ready_steps(case),
                  status=form_status(form))


@bp.route("/<case_id>/document", methods=["GET", "POST"])
@login_required
def document(case_id: str):
    """The caution document: before issue, the text to sign and the signature form; after, the stored text."""
    case = access.document_case_or_404(case_id, sign=request.method == "POST")
    signed = case.document
    text = signed.text if signed else caution_text(case)
    form = decision_forms.SignatureForm(data={"document_hash": document_hash(text)} if request.method == "GET"
                                        else None)
    if form.validate_on_submit() and form.attempt(lambda: services.record_signature(
            case, signed_by_name=form.signed_by_name.data, shown_hash=form.document_hash.data,
            administered_by=form.administered_by.data, by=current_user)):
        return redirect_to(".show", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "caution document")
    return render("cases/document.html", case=case, form=form, text=text, signed=signed,
                  blockers=[] if signed else readiness.issue_blockers(case), status=form_status(form))


@bp.app_template_global()
@bp.app_template_filter()
def disposal_of_case(case):
    """The case's disposal as its rule pack words it: what the person is told they were given, and its texts."""
    return disposal_of(case)


@bp.app_template_filter()
def rank_words(rank: str) -> str:
    return decision_forms.RANKS[rank]


@bp.app_template_global()
def person_labels() -> dict:
    return {"channels": CHANNELS, "ethnicities": ETHNICITIES, "observed": OBSERVED_CODES, "sexes": SEXES}
