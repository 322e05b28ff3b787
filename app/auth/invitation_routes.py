"""Invitations for the person cautioned and victims: the officer's page on the case, and the pages the person
uses to redeem one (the code, then the second fact, then sign-in)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, make_response, render_template, url_for
from flask_login import current_user, login_required

from app import access, clock
from app.audit import services as audit
from app.audit import views
from app.auth import forms, invitations, throttle
from app.auth import public_invitations as service
from app.organisations.models import Role
from app.web.commit import keep_on_error
from app.web.forms import form_status
from app.web.htmx import redirect_to, render

bp = Blueprint("invitations", __name__)


def _invitees(case) -> list[tuple]:
    """(person, party) of everyone on the case who may be invited: the person cautioned, and each victim who
    opted in to updates."""
    return [(case.offender, Role.OFFENDER)] + [(v.person, Role.VICTIM) for v in case.victims if v.updates_opted_in]


@bp.get("/cases/<case_id>/invitations")
@login_required
@views.shows_personal_data
def for_case(case_id: str):
    case = access.case_or_404(case_id, need="work", load=access.CASE_WORK)
    access.require(access.can_invite(current_user, case))
    views.viewed("case.view", case, purpose="invitations")
    return _page(case)


def _page(case, failed: dict | None = None, status: int = 200):
    invitees = [(person, party, service.ways_to_send(person)) for person, party in _invitees(case)]
    made = {person.id: forms.InviteForm(ways, formdata=None) for person, _, ways in invitees} | (failed or {})
    return render("invitations/for_case.html", case=case, invitees=invitees, forms=made,
                  latest=service.of_case(case.id), now=clock.now(), status=status)


@bp.post("/cases/<case_id>/invitations/<person_id>")
@login_required
@views.shows_personal_data
def invite(case_id: str, person_id: str):
    case = access.case_or_404(case_id, need="work", load=access.CASE_WORK)
    access.require(access.can_invite(current_user, case))
    person, party = next(((p, r) for p, r in _invitees(case) if str(p.public_id) == person_id), (None, None))
    if person is None:
        abort(404)
    form = forms.InviteForm(service.ways_to_send(person))
    if not form.validate_on_submit():
        return _page(case, {person.id: form}, status=form_status(form))
    invitation, code = service.issue(case, person, party, sent_by=form.sent_by.data, by=current_user)
    if invitation.sent_by == "print":
        # The code exists only in this response: print it now, or invite again for a new one.
        return render("invitations/letter.html", case=case, person=person, invitation=invitation,
                      code=service.shown(code), link=service.link(code))
    flash(f"Invitation sent to {person.full_name} by {'email' if invitation.sent_by == 'email' else 'text'}.")
    return redirect_to(".for_case", case_id=case.public_id)


@bp.post("/cases/<case_id>/invitations/<invitation_id>/revoke")
@login_required
@views.shows_personal_data
def revoke(case_id: str, invitation_id: str):
    case = access.case_or_404(case_id, need="work", load=access.CASE_WORK)
    service.revoke(access.public_invitation_or_404(case, invitation_id), by=current_user)
    flash("Invitation withdrawn. It can no longer be used.")
    return redirect_to(".for_case", case_id=case.public_id)


# --- the person's side ----------------------------------------------------------------------------------------


@bp.route("/invitation", methods=["GET", "POST"])
@views.shows_no_personal_data
def enter_code():
    form = forms.CodeForm()
    if form.validate_on_submit():
        if service.find(form.code.data) is not None:
            return redirect_to(".check", code=service.normalise(form.code.data))
        _unknown()
        form.code.errors.append("We cannot find an invitation with that code. Check it against your letter or "
                                "message")
    return render("invitations/enter_code.html", form=form, status=form_status(form))


def _usable(code: str):
    """The invitation with this code, or (aborting) the page that says why it cannot be used and what to do."""
    invitation = service.find(code)
    if invitation is None:
        _unknown()
        abort(make_response(render_template("invitations/cannot_use.html", reason="unknown", who="public"), 404))
    if (state := invitation.state(clock.now())) != "usable":
        audit.record("invitation.refused", obj=invitation, purpose="security", detail={"reason": state})
        keep_on_error()
        abort(make_response(render_template("invitations/cannot_use.html", reason=state, who="public"), 410))
    return invitation


def _unknown() -> None:
    """A code that matches nothing: audited, and counted against the address like a sign-in start, so codes
    cannot be guessed at speed."""
    audit.record("invitation.refused", purpose="security", detail={"reason": "unknown"})
    keep_on_error()
    if not throttle.allow_sign_in_start():
        abort(make_response(render_template("auth/too_many.html"), 429, {
            "Retry-After": str(current_app.config["SIGN_IN_RATE_WINDOW_SECONDS"])}))


@bp.get("/i/<code>")
@views.shows_no_personal_data
def check(code: str):
    invitation = _usable(code)
    return _check_page(invitation, code)


def _check_page(invitation, code: str, birth=None, typed=None, status: int = 200, sent: str | None = None):
    medium = service.contact_point(invitation)
    return render("invitations/check.html", code=code, status=status,
                  birth=birth or (forms.BirthDateForm(formdata=None)
                                  if invitation.person.date_of_birth else None),
                  typed=typed or forms.ContactCodeForm(formdata=None), send=forms.SendCodeForm(formdata=None),
                  contact=service.masked(invitation, medium) if medium else None,
                  code_sent=sent or invitation.contact_code_hash is not None, tries=service.tries_left(invitation))


@bp.post("/i/<code>/birth-date")
@views.shows_no_personal_data
def birth_date(code: str):
    return _answer(code, "birth")


@bp.post("/i/<code>/code")
@views.shows_no_personal_data
def contact_code(code: str):
    return _answer(code, "typed")


def _answer(code: str, which: str):
    invitation = _usable(code)
    form = forms.BirthDateForm() if which == "birth" else forms.ContactCodeForm()
    if which == "birth" and invitation.person.date_of_birth is None:
        abort(404)
    if form.validate_on_submit():
        answer = ({"birth_date": form.date_of_birth.data} if which == "birth"
                  else {"contact_code": form.code.data})
        if service.check(invitation, **answer):
            return invitations.hold("public", service.normalise(code), "public")
        keep_on_error()  # the wrong answer counts
        if invitation.locked_at:
            return render_template("invitations/cannot_use.html", reason="locked", who="public"), 410
        field = form.date_of_birth if which == "birth" else form.code
        left = service.tries_left(invitation)
        field.errors.append(f"That does not match what we hold. You can try {left} more "
                            f"time{'s' if left != 1 else ''}")
    return _check_page(invitation, code, status=422, **{which: form})


@bp.post("/i/<code>/send-code")
@views.shows_no_personal_data
def send_code(code: str):
    invitation = _usable(code)
    form = forms.SendCodeForm()
    if not form.validate_on_submit() or service.contact_point(invitation) is None:
        abort(400)
    if service.sent_just_now(invitation):
        flash("We sent you a code less than a minute ago. Wait a minute before asking for another.")
    else:
        medium = service.send_contact_code(invitation)
        flash(f"We have sent a code to {service.masked(invitation, medium)}. It works for "
              f"{service.CONTACT_CODE_MINUTES} minutes.")
    return redirect_to(".check", code=code)


@bp.app_template_global()
def invitation_state(invitation, now) -> str:
    return invitation.state(now) if invitation else "none"


@bp.app_template_global()
def invite_url(case, person) -> str:
    return url_for("invitations.invite", case_id=case.public_id, person_id=person.public_id)

