"""Referrals: the officer refers from a condition; the provider accepts or declines, books appointments (1:1 or
group), records attendance, writes progress notes and reports the end of the service.

Routes load and authorise through app.access, validate a form, call one service and redirect (303); the request
commits once, after the route. A form with errors, or a rule the service refuses, is shown again with status 422.
Attendance is recorded inline (htmx swaps the row; without JavaScript the same form posts and redirects) and a
write from an out-of-date version gets a 409 showing what is recorded now.
"""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user, login_required

from app import access, clock
from app.audit import views
from app.cases.decision_forms import CONDITION_LABELS
from app.cases.models import Case
from app.errors import Conflict, InvalidTransition
from app.extensions import db
from app.notifications import services as outbox
from app.organisations.categories import config as directory_config
from app.organisations.models import Service
from app.referrals import forms, queries, services
from app.referrals.dataset import digest
from app.referrals.models import WORKING_STATUSES, AppointmentStatus, Referral, ReferralStatus
from app.referrals.outcomes import outcomes
from app.timeline.models import TimelineEvent
from app.web.forms import form_status
from app.web.htmx import is_partial, redirect_to, render

bp = views.shows_personal_data(Blueprint("referrals", __name__, url_prefix="/referrals"))


@bp.app_context_processor
def vocabulary() -> dict:
    """The words the referral templates show for codes."""
    return {"outcomes": outcomes(), "modes": directory_config().delivery_modes, "labels": CONDITION_LABELS,
            "parties": services.PARTIES, "end_outcomes": services.END_OUTCOMES}


def _viewed(referral, purpose: str, appointment=None) -> None:
    views.viewed("referral.view", referral, purpose=purpose,
                 detail={"appointment": str(appointment.public_id)} if appointment else None)


# --- the officer refers ---------------------------------------------------------------------------------------


def _referral_form(case_id: str):
    """The case, its referral form (the conditions and services to choose from) and the services."""
    case = access.case_or_404(case_id, need="work",
                              load=queries.CASE_SEND if request.method == "POST" else access.CASE_REFER)
    if not access.can_refer(current_user, case):
        raise InvalidTransition(f"This case is {case.status.label.lower()}: only an issued caution's conditions "
                                "can be referred to a provider.")
    available = list(db.session.scalars(access.visible_services(current_user).where(Service.active)
                                        .order_by(Service.name)))
    form = forms.ReferralForm(data={"condition": str(case.conditions[0].public_id)} if len(case.conditions) == 1
                              and request.method == "GET" else None)
    form.set_choices(case.conditions, [])
    form.service.choices = {str(s.public_id): s.name for s in available}  # described when the form is shown
    return case, form, available


def _chosen_service(form, available) -> Service:
    """The service chosen, from the ones already read (a valid choice is one of them)."""
    found = next((s for s in available if str(s.public_id) == form.service.data), None)
    return found or access.service_or_404(form.service.data)


def _choices(case, form, available) -> dict:
    return {"case": case, "condition": access.condition_or_404(case, form.condition.data),
            "service": _chosen_service(form, available), "risks": form.risks.data,
            "safeguarding": form.safeguarding.data, "victim_agreed": bool(form.victim_agreed.data),
            "by": current_user}


def _form_page(case, form, available, *, status: int):
    """The form, each service described (suggested, places left, area): read only when the form is shown."""
    special = access.special_category_of(current_user, case)
    rows = queries.service_choices(case, available, sex=special.sex if special else None)
    form.set_choices(case.conditions, rows)
    declined = db.session.scalars(access.visible_referrals(current_user).where(
        Referral.case_id == case.id, Referral.status == ReferralStatus.DECLINED)).all()
    categories = directory_config().categories
    offer = bool(case.victims) and any(getattr(categories.get(s.category), "victim_contact", False)
                                       for s in available)
    return render("referrals/new.html", case=case, form=form, rows=rows, declined=declined,
                  offer_agreement=offer, status=status)


@bp.route("/new/<case_id>", methods=["GET", "POST"])
@login_required
def new(case_id: str):
    """The referral form; then the check-answers page: the dataset exactly as the provider would receive it."""
    case, form, available = _referral_form(case_id)
    if request.method == "GET" and (chosen := request.args.get("condition")):
        form.condition.data = chosen if chosen in form.condition.choices else None
    if request.method == "POST" and form.change.data:  # back from the check page, to change the answers
        return _form_page(case, form, available, status=200)
    if form.validate_on_submit() and form.attempt(lambda: services.prepare_referral(
            **_choices(case, form, available))):
        views.viewed("case.view", case, purpose="referral check")
        return render("referrals/check.html", case=case, form=form, d=form.result, checked=digest(form.result),
                      service=_chosen_service(form, available))
    if not form.is_submitted():
        views.viewed("case.view", case, purpose="referral")
    return _form_page(case, form, available, status=form_status(form))


@bp.post("/new/<case_id>/send")
@login_required
def send(case_id: str):
    """Confirm and send what the check page showed; a refusal shows the form again with what to change."""
    case, form, available = _referral_form(case_id)
    if not form.checked.data and form.is_submitted():
        form.form_errors.append("Check the referral details before sending it.")
    elif form.validate_on_submit() and form.attempt(lambda: services.send_referral(
            **_choices(case, form, available), checked=form.checked.data)):
        return redirect_to("cases.show", case_id=case.public_id)
    return _form_page(case, form, available, status=422)


# --- one referral -------------------------------------------------------------------------------------------------


def _referral_timeline(referral) -> list[TimelineEvent]:
    """The referral's events on the case's timeline, as far as the signed-in user may see them."""
    return db.session.scalars(access.visible_timeline(current_user, referral.case)
                              .where(TimelineEvent.referral_id == referral.id)).all()


@bp.get("/<referral_id>")
@login_required
def show(referral_id: str):
    referral = access.referral_or_404(referral_id, load=queries.REFERRAL_PAGE)
    views.viewed("referral.view", referral, purpose="referral")
    return render("referrals/show.html", referral=referral, timeline=_referral_timeline(referral),
                  work=access.can_work_on_referral(current_user, referral),
                  decide=access.can_decide_referral(current_user, referral) and referral.status is ReferralStatus.SENT,
                  police=access.is_police(current_user),
                  sent_messages=outbox.for_case(referral.case_id, provider_id=referral.provider_id))


@bp.route("/<referral_id>/decide", methods=["GET", "POST"])
@login_required
def decide(referral_id: str):
    referral = access.referral_or_404(referral_id, need="decide")
    if referral.status is not ReferralStatus.SENT:
        raise InvalidTransition(f"This referral is already {referral.status.label.lower()}.")
    workers = queries.caseworkers(referral)
    form = forms.DecideForm()
    form.caseworker.choices = {"": "Choose a caseworker"} | {str(u.public_id): u.display_name for u in workers}

    def decided():
        if form.decision.data == "accept":
            worker = next((u for u in workers if str(u.public_id) == form.caseworker.data), None)
            return services.accept_referral(referral, worker, by=current_user)
        return services.decline_referral(referral, form.reason.data, by=current_user)

    if form.validate_on_submit() and form.attempt(decided):
        return redirect_to(".show", referral_id=referral.public_id)
    _viewed(referral, "referral decision")
    return render("referrals/decide.html", referral=referral, form=form, status=form_status(form))


@bp.route("/<referral_id>/notes", methods=["GET", "POST"])
@login_required
def notes(referral_id: str):
    referral = access.referral_or_404(referral_id, need="work")
    form = forms.NoteForm()
    if form.validate_on_submit() and form.attempt(lambda: services.add_note(referral, form.text.data,
                                                                            by=current_user)):
        return redirect_to(".show", referral_id=referral.public_id)
    _viewed(referral, "progress note")
    return render("referrals/note.html", referral=referral, form=form, status=form_status(form))


@bp.route("/<referral_id>/end", methods=["GET", "POST"])
@login_required
def end(referral_id: str):
    referral = access.referral_or_404(referral_id, need="work")
    form = forms.EndForm()
    if form.validate_on_submit() and form.attempt(lambda: services.end_referral(
            referral, form.outcome.data, summary=form.summary.data, reason=form.reason.data, by=current_user)):
        return redirect_to(".show", referral_id=referral.public_id)
    _viewed(referral, "end of service")
    return render("referrals/end.html", referral=referral, form=form, status=form_status(form))


# --- appointments ---------------------------------------------------------------------------------------------------


@bp.route("/<referral_id>/appointments", methods=["GET", "POST"])
@login_required
def book(referral_id: str):
    referral = access.referral_or_404(referral_id, need="work")
    form = forms.AppointmentForm()
    if form.validate_on_submit() and form.attempt(lambda: services.book_appointment(
            referral, starts_at=form.starts_at(), minutes=form.minutes.data, mode=form.mode.data,
            place=form.place.data, what_to_bring=form.what_to_bring.data, by=current_user)):
        return redirect_to(".show", referral_id=referral.public_id)
    _viewed(referral, "booking")
    return render("referrals/book.html", referral=referral, form=form, status=form_status(form))


@bp.route("/appointments/<appointment_id>/reschedule", methods=["GET", "POST"])
@login_required
def reschedule(appointment_id: str):
    appointment = access.appointment_or_404(appointment_id)
    data = None
    if request.method == "GET":
        local = appointment.starts_at.astimezone(clock.LONDON)
        data = {"on": local.date(), "at": f"{local:%H:%M}", "minutes": appointment.minutes,
                "what_to_bring": appointment.what_to_bring or "", "version": appointment.version}
    form = forms.RescheduleForm(data=data)
    if form.validate_on_submit() and form.attempt(lambda: services.reschedule(
            appointment, starts_at=form.starts_at(), minutes=form.minutes.data, requested_by=form.requested_by.data,
            reason=form.reason.data, version=form.version.data, what_to_bring=form.what_to_bring.data,
            by=current_user)):
        return redirect_to(".show", referral_id=appointment.referral.public_id)
    _viewed(appointment.referral, "moving an appointment", appointment)
    return render("referrals/reschedule.html", appointment=appointment, referral=appointment.referral, form=form,
                  status=form_status(form))


@bp.route("/appointments/<appointment_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(appointment_id: str):
    appointment = access.appointment_or_404(appointment_id)
    form = forms.CancelForm(data={"version": appointment.version} if request.method == "GET" else None)
    if form.validate_on_submit() and form.attempt(lambda: services.cancel(
            appointment, party=form.party.data, reason=form.reason.data, version=form.version.data,
            by=current_user)):
        return redirect_to(".show", referral_id=appointment.referral.public_id)
    _viewed(appointment.referral, "cancelling an appointment", appointment)
    return render("referrals/cancel.html", appointment=appointment, referral=appointment.referral, form=form,
                  status=form_status(form))


# --- attendance -----------------------------------------------------------------------------------------------------


def _attendance_form(appointment, **kw):
    return forms.AttendanceForm(prefix=f"a{appointment.key}", **kw)


def _attendance_page(appointment, form, *, status=200, **extra):
    """The appointment's attendance form: the whole page, or (htmx) its row alone."""
    return render("referrals/attendance.html", "row", status=status, appointment=appointment,
                  referral=appointment.referral, form=form, **extra)


@bp.route("/appointments/<appointment_id>/attendance", methods=["GET", "POST"])
@login_required
def attendance(appointment_id: str):
    appointment = access.appointment_or_404(appointment_id)
    # The note is never filled in: the recorded one is shown beside the form, and a changed outcome needs its own.
    form = _attendance_form(appointment, data={"version": appointment.version, "outcome": appointment.outcome or ""}
                            if request.method == "GET" else None)
    try:
        saved = form.validate_on_submit() and form.attempt(lambda: services.record_attendance(
            appointment, code=form.outcome.data, note=form.note.data, version=form.version.data, by=current_user))
    except Conflict as exc:  # someone else wrote first: nothing of this request is saved; show what is there now
        db.session.rollback()
        current = exc.current
        return _attendance_page(current, attendance_form_for(current), status=409, conflict=True)
    if saved and is_partial():  # htmx: the row again, with the outcome and a fresh form at the new version
        # On the referral page the timeline changed too: it comes back with the row, swapped out of band.
        timeline = _referral_timeline(appointment.referral) if request.args.get("timeline") else None
        return _attendance_page(appointment, attendance_form_for(appointment), saved=True, timeline=timeline)
    if saved:
        return redirect_to("web.home") if request.args.get("next") == "home" else redirect_to(
            ".show", referral_id=appointment.referral.public_id)
    _viewed(appointment.referral, "attendance", appointment)
    return _attendance_page(appointment, form, status=form_status(form))


# --- group sessions -------------------------------------------------------------------------------------------------


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
def new_group():
    access.require(access.is_provider(current_user))
    candidates = db.session.scalars(access.visible_referrals(current_user)
                                    .where(Referral.status.in_(WORKING_STATUSES)).order_by(Referral.sent_at)).all()
    form = forms.GroupSessionForm()
    form.participants.choices = {str(r.public_id): f"{r.person_name}: {r.service.name}" for r in candidates}
    if form.validate_on_submit() and form.attempt(lambda: services.create_group_session(
            provider_id=current_user.membership.organisation_id, title=form.title.data,
            starts_at=form.starts_at(), minutes=form.minutes.data, mode=form.mode.data, place=form.place.data,
            referrals=[r for r in candidates if str(r.public_id) in set(form.participants.data)],
            what_to_bring=form.what_to_bring.data, by=current_user)):
        return redirect_to(".group", session_id=form.result.public_id)
    views.viewed_list("referrals.view", page="new group session", purpose="group session", referrals=candidates)
    return render("referrals/group_new.html", form=form, status=form_status(form))


@bp.route("/groups/<session_id>", methods=["GET", "POST"])
@login_required
def group(session_id: str):
    session = access.group_session_or_404(session_id, load=queries.GROUP_PAGE)
    booked = [a for a in session.appointments if a.status is AppointmentStatus.BOOKED]
    form = forms.group_attendance_form(booked)()
    try:
        if form.validate_on_submit() and form.attempt(lambda: services.record_group_attendance(
                session, form.entries(), by=current_user)):
            return redirect_to(".group", session_id=session.public_id)
    except Conflict:
        db.session.rollback()
        fresh = forms.group_attendance_form(booked)(formdata=None)
        return render("referrals/group.html", session=session, booked=booked, form=fresh, conflict=True,
                      status=409)
    views.viewed("group_session.view", session, purpose="group attendance",
                 detail={"referrals": sorted({str(a.referral.public_id) for a in session.appointments})})
    return render("referrals/group.html", session=session, booked=booked, form=form, status=form_status(form))


@bp.app_template_global()
def case_condition_rows(case: Case) -> list[queries.ConditionProgress]:
    """The issued case page's conditions: each with its status and the referrals the user may see."""
    return queries.conditions_of_case(current_user, case)


@bp.app_template_global()
def attendance_form_for(appointment):
    """A fresh inline attendance form for an appointment, at its current version."""
    return _attendance_form(appointment, formdata=None, data={"version": appointment.version,
                                                              "outcome": appointment.outcome or ""})
