"""Referrals: the officer refers from a condition; the provider accepts or declines, books appointments (1:1 or
group), records attendance, writes progress notes and reports the end of the service.

Routes load and authorise through app.access, validate a form, call one service, commit once and redirect (303);
a form with errors is shown again with status 422. Attendance is recorded inline (htmx swaps the row; without
JavaScript the same form posts and redirects) and a write from an out-of-date version gets a 409 showing what is
recorded now.
"""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from app import access
from app.audit import services as audit
from app.cases.forms import CONDITION_LABELS
from app.cases.models import Case, InvalidTransition, TimelineEvent
from app.cases.services import RuleViolation
from app.extensions import db
from app.organisations.categories import config as directory_config
from app.organisations.models import Service
from app.referrals import forms, queries, services
from app.referrals.models import WORKING_STATUSES, Referral, ReferralStatus
from app.referrals.outcomes import outcomes
from app.web.htmx import form_status, is_partial, redirect_to, render

bp = Blueprint("referrals", __name__, url_prefix="/referrals")


def _saved(form, action) -> bool:
    """Run one service call and commit. A rule it refuses becomes an error on the form (shown again with a 422
    and the input kept), not a separate error page."""
    try:
        action()
    except RuleViolation as exc:
        db.session.rollback()
        form.form_errors.extend(exc.problems)
        return False
    db.session.commit()
    return True


def common_context() -> dict:
    return {"outcomes": outcomes(), "modes": directory_config().delivery_modes, "labels": CONDITION_LABELS,
            "parties": services.PARTIES, "end_outcomes": services.END_OUTCOMES, "key": forms.key}


# --- the officer refers ---------------------------------------------------------------------------------------


@bp.route("/new/<case_id>", methods=["GET", "POST"])
@login_required
def new(case_id: str):
    case = access.case_or_404(case_id)
    if not access.may_work_on_case(current_user, case):
        abort(403)
    if not access.can_refer(current_user, case):
        raise InvalidTransition(f"This case is {case.status.label.lower()}: only an issued caution's conditions "
                                "can be referred to a provider.")
    available = db.session.scalars(access.visible_services(current_user).where(Service.active)
                                   .order_by(Service.name)).all()
    rows = services.service_choices(case, list(available))
    form = forms.ReferralForm(data={"condition": str(case.conditions[0].public_id)} if len(case.conditions) == 1
                              and request.method == "GET" else None)
    form.set_choices(case.conditions, rows)
    if request.method == "GET" and (chosen := request.args.get("condition")):
        form.condition.data = chosen if chosen in form.condition.choices else None
    if form.validate_on_submit():
        condition = access.condition_or_404(case, form.condition.data)
        service = access.service_or_404(form.service.data)
        if _saved(form, lambda: services.send_referral(case, condition, service, risks=form.risks.data,
                                                       safeguarding=form.safeguarding.data, by=current_user)):
            return redirect_to("cases.show", case_id=case.public_id)
    declined = db.session.scalars(access.visible_referrals(current_user).where(
        Referral.case_id == case.id, Referral.status == "declined")).all()
    if not form.is_submitted():
        audit.record("case.view", actor=current_user, obj=case, purpose="referral")
        db.session.commit()
    return render("referrals/new.html", case=case, form=form, rows=rows, declined=declined, status=form_status(form),
                  **common_context())


# --- one referral -------------------------------------------------------------------------------------------------


def _page(referral, **extra):
    case = referral.case
    timeline = db.session.scalars(access.visible_timeline(current_user, case)
                                  .where(TimelineEvent.referral_id == referral.id)).all()
    ctx = dict(referral=referral, timeline=timeline, work=access.can_work_on_referral(current_user, referral),
               decide=access.can_decide_referral(current_user, referral) and referral.status.value == "sent",
               police=access.is_police(current_user), **common_context())
    ctx.setdefault("decide_form", None)
    ctx.update(extra)
    return ctx


@bp.get("/<referral_id>")
@login_required
def show(referral_id: str):
    referral = access.referral_or_404(referral_id)
    audit.record("referral.view", actor=current_user, obj=referral, purpose="referral")
    db.session.commit()
    return render("referrals/show.html", **_page(referral))


@bp.route("/<referral_id>/decide", methods=["GET", "POST"])
@login_required
def decide(referral_id: str):
    referral = access.referral_or_404(referral_id, need="decide")
    if referral.status is not ReferralStatus.SENT:
        raise InvalidTransition(f"This referral is already {referral.status.label.lower()}.")
    form = forms.DecideForm()
    form.caseworker.choices = {"": "Choose a caseworker"} | {str(u.public_id): u.display_name
                                                             for u in services.caseworkers(referral)}
    if form.validate_on_submit():
        if form.decision.data == "accept":
            worker = next((u for u in services.caseworkers(referral)
                           if str(u.public_id) == form.caseworker.data), None)
            ok = _saved(form, lambda: services.accept_referral(referral, worker, by=current_user))
        else:
            ok = _saved(form, lambda: services.decline_referral(referral, form.reason.data, by=current_user))
        if ok:
            return redirect_to(".show", referral_id=referral.public_id)
    return render("referrals/decide.html", referral=referral, form=form, status=form_status(form), **common_context())


@bp.route("/<referral_id>/notes", methods=["GET", "POST"])
@login_required
def notes(referral_id: str):
    referral = access.referral_or_404(referral_id, need="work")
    form = forms.NoteForm()
    if form.validate_on_submit() and _saved(form, lambda: services.add_note(referral, form.text.data,
                                                                            by=current_user)):
        return redirect_to(".show", referral_id=referral.public_id)
    return render("referrals/note.html", referral=referral, form=form, status=form_status(form))


@bp.route("/<referral_id>/end", methods=["GET", "POST"])
@login_required
def end(referral_id: str):
    referral = access.referral_or_404(referral_id, need="work")
    form = forms.EndForm()
    if form.validate_on_submit() and _saved(form, lambda: services.end_referral(
            referral, form.outcome.data, summary=form.summary.data, reason=form.reason.data, by=current_user)):
        return redirect_to(".show", referral_id=referral.public_id)
    return render("referrals/end.html", referral=referral, form=form, status=form_status(form))


# --- appointments ---------------------------------------------------------------------------------------------------


@bp.route("/<referral_id>/appointments", methods=["GET", "POST"])
@login_required
def book(referral_id: str):
    referral = access.referral_or_404(referral_id, need="work")
    form = forms.AppointmentForm()
    if form.validate_on_submit() and _saved(form, lambda: services.book_appointment(
            referral, starts_at=form.starts_at(), minutes=form.minutes.data, mode=form.mode.data,
            place=form.place.data, by=current_user)):
        return redirect_to(".show", referral_id=referral.public_id)
    return render("referrals/book.html", referral=referral, form=form, status=form_status(form))


@bp.route("/appointments/<appointment_id>/reschedule", methods=["GET", "POST"])
@login_required
def reschedule(appointment_id: str):
    appointment = access.appointment_or_404(appointment_id, need="work")
    data = None
    if request.method == "GET":
        local = appointment.starts_at.astimezone(services.clock.LONDON)
        data = {"on": local.date(), "at": f"{local:%H:%M}", "minutes": appointment.minutes,
                "version": appointment.version}
    form = forms.RescheduleForm(data=data)
    if form.validate_on_submit():
        try:
            ok = _saved(form, lambda: services.reschedule(
                appointment, starts_at=form.starts_at(), minutes=form.minutes.data,
                requested_by=form.requested_by.data, reason=form.reason.data, version=form.version.data,
                by=current_user))
        except StaleDataError:
            return _conflict(appointment_id)
        if ok:
            return redirect_to(".show", referral_id=appointment.referral.public_id)
    return render("referrals/reschedule.html", appointment=appointment, referral=appointment.referral, form=form,
                  status=form_status(form), **common_context())


@bp.route("/appointments/<appointment_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(appointment_id: str):
    appointment = access.appointment_or_404(appointment_id, need="work")
    form = forms.CancelForm(data={"version": appointment.version} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            ok = _saved(form, lambda: services.cancel(appointment, party=form.party.data, reason=form.reason.data,
                                                      version=form.version.data, by=current_user))
        except StaleDataError:
            return _conflict(appointment_id)
        if ok:
            return redirect_to(".show", referral_id=appointment.referral.public_id)
    return render("referrals/cancel.html", appointment=appointment, referral=appointment.referral, form=form,
                  status=form_status(form), **common_context())


# --- attendance -----------------------------------------------------------------------------------------------------


def _attendance_form(appointment, **kw):
    return forms.AttendanceForm(prefix=f"a{forms.key(appointment)}", **kw)


def _conflict(appointment_id: str):
    """Someone else wrote first: nothing of this request is saved; show what is recorded now (409)."""
    db.session.rollback()
    appointment = access.appointment_or_404(appointment_id)
    fresh = _attendance_form(appointment, formdata=None, data={"version": appointment.version,
                                                               "outcome": appointment.outcome or ""})
    ctx = dict(appointment=appointment, referral=appointment.referral, form=fresh, conflict=True, **common_context())
    if is_partial():
        return render("referrals/attendance.html", "row", status=409, **ctx)
    return render("referrals/attendance.html", status=409, **ctx)


@bp.route("/appointments/<appointment_id>/attendance", methods=["GET", "POST"])
@login_required
def attendance(appointment_id: str):
    appointment = access.appointment_or_404(appointment_id, need="work")
    form = _attendance_form(appointment, data={"version": appointment.version, "outcome": appointment.outcome or "",
                                               "note": appointment.outcome_note} if request.method == "GET" else None)
    if form.validate_on_submit():
        problems = services.attendance_problems(appointment, form.outcome.data, form.note.data)
        for field, message in problems:
            form.add_error(field, message)
        if not problems:
            try:
                services.record_attendance(appointment, code=form.outcome.data, note=form.note.data,
                                           version=form.version.data, by=current_user)
                db.session.commit()
            except StaleDataError:
                return _conflict(appointment_id)
            if is_partial():  # htmx: the row again, with the outcome and a fresh form at the new version
                fresh = _attendance_form(appointment, formdata=None, data={"version": appointment.version,
                                                                           "outcome": appointment.outcome})
                return render("referrals/attendance.html", "row", appointment=appointment, form=fresh,
                              saved=True, referral=appointment.referral, **common_context())
            if request.args.get("next") == "home":
                return redirect_to("web.home")
            return redirect_to(".show", referral_id=appointment.referral.public_id)
    ctx = dict(appointment=appointment, referral=appointment.referral, form=form, **common_context())
    if form.is_submitted() and is_partial():
        return render("referrals/attendance.html", "row", status=422, **ctx)
    return render("referrals/attendance.html", status=form_status(form), **ctx)


# --- group sessions -------------------------------------------------------------------------------------------------


def _workable_referrals() -> list[Referral]:
    return list(db.session.scalars(access.visible_referrals(current_user)
                                   .where(Referral.status.in_(WORKING_STATUSES)).order_by(Referral.sent_at)))


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
def new_group():
    if not access.is_provider(current_user):
        abort(404)
    candidates = _workable_referrals()
    form = forms.GroupSessionForm()
    form.participants.choices = {str(r.public_id): f"{r.person_name}: {r.service.name}" for r in candidates}
    if form.validate_on_submit():
        chosen = [r for r in candidates if str(r.public_id) in set(form.participants.data)]
        created = []
        if _saved(form, lambda: created.append(services.create_group_session(
                provider_id=current_user.membership.organisation_id, title=form.title.data,
                starts_at=form.starts_at(), minutes=form.minutes.data, mode=form.mode.data, place=form.place.data,
                referrals=chosen, by=current_user))):
            return redirect_to(".group", session_id=created[0].public_id)
    return render("referrals/group_new.html", form=form, status=form_status(form))


@bp.route("/groups/<session_id>", methods=["GET", "POST"])
@login_required
def group(session_id: str):
    session = access.group_session_or_404(session_id)
    booked = [a for a in session.appointments if a.status.value == "booked"]
    form = forms.group_attendance_form(booked)()
    if form.validate_on_submit():
        try:
            ok = _saved(form, lambda: services.record_group_attendance(session, form.entries(), by=current_user))
        except StaleDataError:
            db.session.rollback()
            session = access.group_session_or_404(session_id)
            booked = [a for a in session.appointments if a.status.value == "booked"]
            fresh = forms.group_attendance_form(booked)(formdata=None)
            return render("referrals/group.html", session=session, booked=booked, form=fresh, conflict=True,
                          status=409, **common_context())
        if ok:
            return redirect_to(".group", session_id=session.public_id)
    return render("referrals/group.html", session=session, booked=booked, form=form, status=form_status(form),
                  **common_context())


@bp.app_template_global()
def referral_case_rows(case: Case) -> list[Referral]:
    """The case page's referrals section: every referral the signed-in user may see, with appointments."""
    return queries.referrals_of_case(current_user, case)


@bp.app_template_global()
def attendance_outcomes() -> dict:
    return outcomes()


@bp.app_template_global()
def attendance_form_for(appointment):
    """A fresh inline attendance form for an appointment, at its current version."""
    return _attendance_form(appointment, formdata=None, data={"version": appointment.version,
                                                              "outcome": appointment.outcome or "",
                                                              "note": appointment.outcome_note})
