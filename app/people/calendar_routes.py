"""The person cautioned's calendar: a file per appointment, and the page where they make, replace or revoke
their private feed; the feed itself needs no session (a phone calendar cannot sign in)."""

from __future__ import annotations

from flask import Blueprint, abort, g, make_response
from flask_login import current_user, login_required

from app import access
from app.audit import services as audit
from app.audit import views
from app.people import calendar
from app.web.htmx import redirect_to, render

bp = Blueprint("calendar", __name__)

ICS = "text/calendar; charset=utf-8"


def _ics(body: bytes, filename: str):
    response = make_response(body)
    response.headers["Content-Type"] = ICS
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/my/appointments/<appointment_id>.ics")
@login_required
@views.shows_personal_data
def appointment_file(appointment_id: str):
    appointment = access.own_appointment_or_404(appointment_id)
    views.viewed("calendar_file.view", appointment, purpose="own appointment (offender)")
    return _ics(calendar.calendar([appointment]), "appointment.ics")


def _public():
    access.require(access.can_subscribe_calendar(current_user))


@bp.get("/my/calendar-feed")
@login_required
@views.shows_no_personal_data
def feed_page():
    _public()
    return render("calendar/feed.html", feed=calendar.active_feed(current_user))


@bp.post("/my/calendar-feed")
@login_required
def create_feed():
    _public()
    token = calendar.create(current_user)
    return render("calendar/feed_created.html", url=calendar.feed_url(token))


@bp.post("/my/calendar-feed/revoke")
@login_required
def revoke_feed():
    _public()
    calendar.revoke(current_user)
    return redirect_to(".feed_page")


@bp.get("/calendar/<token>.ics")
@views.shows_personal_data
def feed(token: str):
    owner = calendar.by_token(token)
    if owner is None:
        abort(404)
    body = calendar.calendar(calendar.appointments_of(owner), name="Your appointments")
    # No one is signed in: the row names the feed's owner, never the token or what the feed held.
    audit.record("calendar_feed.view", actor=None, obj=owner, purpose="own calendar feed (offender)")
    g.view_recorded = True
    return _ics(body, "appointments.ics")
