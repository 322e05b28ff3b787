"""Asking to change an appointment: the person cautioned asks from their own page; the provider's caseworker (or
manager) reads the request and moves the appointment (the existing reschedule form) or declines with an answer.
Loaded and authorised through app.access; one service call per POST; the request commits once, after the route."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user, login_required

from app import access
from app.audit import views
from app.referrals import forms, rearrange
from app.web.forms import form_status
from app.web.htmx import redirect_to, render

bp = views.shows_personal_data(Blueprint("rearrange", __name__))


@bp.route("/my/appointments/<appointment_id>/rearrange", methods=["GET", "POST"])
@login_required
def ask(appointment_id: str):
    """The person cautioned asks: why, and (if they like) what suits them. Asking again while a request is open
    says so; an appointment that has passed, or was cancelled, can no longer be changed here."""
    appointment = access.own_appointment_or_404(appointment_id)
    case = appointment.referral.case
    form = forms.RearrangeForm()
    if form.validate_on_submit() and form.attempt(lambda: rearrange.ask(
            appointment, reason=form.reason.data, suits=form.suits.data, by=current_user)):
        return redirect_to("my.case", case_id=case.public_id, _anchor=f"appointment-{appointment.key}")
    if not form.is_submitted():
        views.viewed("appointment.view", appointment, purpose="own appointment, asking to change it (offender)")
    return render("my/rearrange.html", case=case, appointment=appointment, form=form,
                  open_request=rearrange.open_request(appointment),
                  can_ask=access.can_ask_to_rearrange(current_user, appointment), status=form_status(form))


@bp.route("/referrals/rearrange/<request_id>", methods=["GET", "POST"])
@login_required
def decide(request_id: str):
    """The request as the person wrote it; move the appointment (the reschedule form) or decline with an answer."""
    found = access.rearrange_request_or_404(request_id)
    form = forms.DeclineRearrangeForm()
    if form.validate_on_submit() and form.attempt(lambda: rearrange.decline(found, form.answer.data,
                                                                            by=current_user)):
        return redirect_to("referrals.show", referral_id=found.referral.public_id)
    if request.method == "GET":
        views.viewed("referral.view", found.referral, purpose="request to change an appointment",
                     detail={"request": str(found.public_id)})
    return render("referrals/rearrange.html", found=found, referral=found.referral, appointment=found.appointment,
                  form=form, decide=access.can_decide_rearrange(current_user, found),
                  move=access.can_change_appointment(current_user, found.appointment), status=form_status(form))


@bp.app_template_global()
def rearrange_requests_of(referral) -> list:
    """The referral page: its requests to change an appointment, open ones first (loaded with its appointments)."""
    return rearrange.of_referral(referral)
