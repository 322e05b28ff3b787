"""Pages that belong to no one domain: home, health check, accessibility statement, privacy notice."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload, selectinload

from app import access, clock, i18n
from app.audit import views
from app.cases import queries as case_queries
from app.cases.attention import attention_list
from app.cases.models import Case, CaseVictim
from app.extensions import csrf, db
from app.notifications import services as outbox
from app.organisations.models import Role
from app.people import calendar
from app.referrals import queries as referral_queries
from app.victims import queries as victim_queries
from app.web.htmx import is_partial, render

bp = Blueprint("web", __name__)


@bp.get("/")
@views.shows_personal_data
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    if access.is_police(current_user):
        filters = case_queries.CaseloadFilters.from_args(request.args)
        today, soon = clock.today(), current_app.config["CASELOAD_SOON_DAYS"]
        found = case_queries.caseload_page(access.caseload(current_user), filters, today, soon)
        # What needs attention comes first on the full page; a partial (the filtered results) has no room for it.
        attention, more = ([], False) if is_partial() else attention_list(access.caseload(current_user), today, soon)
        views.viewed_list("caseload.view", page="caseload", purpose="caseload",
                          cases=found.cases + [item.case for item in attention])
        late = (victim_queries.late(access.late_victim_updates_scope(current_user), today)
                if access.can_see_late_victim_updates(current_user) and not is_partial() else [])
        return render("home/police.html", "results", cases=found.cases, total=found.total, filters=filters,
                      marked=found.attention, attention=attention, more_attention=more,
                      page_size=case_queries.PAGE_SIZE, queries=case_queries, today=today, late_updates=late,
                      unread=[] if is_partial() else outbox.unread(current_user))
    if access.is_public(current_user):
        return _own_cases()
    if access.is_provider(current_user):
        box = referral_queries.inbox(current_user)
        views.viewed_list("inbox.view", page="inbox", purpose="provider inbox", referrals=box.referrals_shown())
        return render("home/provider.html", box=box, unread=outbox.unread(current_user))
    views.nothing_shown()
    return render("home/scrutiny.html")


def _own_cases():
    """A member of the public's cases, each shown as the party they are in it: the person cautioned in one case
    may be a victim in another."""
    cases = db.session.scalars(access.own_cases(current_user).options(
        joinedload(Case.officer), joinedload(Case.offender),
        selectinload(Case.victims).joinedload(CaseVictim.person))).all()
    events = db.session.scalars(access.visible_timelines(current_user, cases)).all() if cases else []
    timelines = {c.id: [e for e in events if e.case_id == c.id] for c in cases}
    parties = {c.id: access.party_in(current_user, c) for c in cases}
    for party in (Role.OFFENDER, Role.VICTIM):
        views.viewed_each("case.view", [c for c in cases if parties[c.id] is party],
                          purpose=f"own record ({party.value})")
    return render("home/public.html", offender_cases=[c for c in cases if parties[c.id] is Role.OFFENDER],
                  victim_cases=[c for c in cases if parties[c.id] is Role.VICTIM], timelines=timelines,
                  upcoming_appointments=calendar.upcoming(current_user) if Role.OFFENDER in parties.values() else {})


@bp.get("/healthz")
@views.shows_no_personal_data
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}


@bp.get("/accessibility")
@views.shows_no_personal_data
def accessibility():
    return render("pages/accessibility.html")


@bp.get("/privacy")
@views.shows_no_personal_data
def privacy():
    return render("pages/privacy.html")


@bp.post("/language")
@csrf.exempt  # checked below when signed in; signed out, pages carry no token (they create no session)
def language():
    """The language switch: English or Welsh, then back to the page it was on (a path on this site only)."""
    locale, back = request.form.get("locale"), i18n.same_site_path(request.form.get("next"))
    if current_user.is_authenticated:
        csrf.protect()
    elif request.headers.get("Sec-Fetch-Site") == "cross-site":
        abort(403)  # another site may not set a visitor's language
    if locale not in i18n.LOCALES or back is None:
        abort(400)
    if not i18n.offers_choice(current_user):
        abort(403)  # staff pages are in English only
    if current_user.is_authenticated:
        i18n.choose(current_user, locale)
    response = redirect(back, 303)
    i18n.set_cookie(response, locale)  # signed in too: it stays after they sign out
    return response
