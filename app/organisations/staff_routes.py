"""Staff administration (the OOCD coordinator for their force and its providers' managers; each provider manager
for their own organisation), and the page where an invited person accepts their invitation."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from app import access, clock
from app.audit import services as audit
from app.audit import views
from app.auth import invitations
from app.auth.models import User
from app.extensions import db
from app.organisations import staff, work_contact
from app.organisations import staff_forms as forms
from app.organisations.models import Organisation, OrgKind, Role, StaffInvitation
from app.web.commit import keep_on_error
from app.web.forms import form_status
from app.web.htmx import redirect_to, render

# Staff at work, nobody a case is about.
bp = views.shows_no_personal_data(Blueprint("staff", __name__))


def _org() -> Organisation:
    access.require(access.can_manage_staff(current_user))
    return access.managed_organisation(current_user)


def _teams() -> list:
    return list(db.session.scalars(access.visible_teams(current_user)))


@bp.get("/staff")
@login_required
def staff_list():
    org = _org()
    members = db.session.execute(access.visible_staff(current_user)).all()
    now = clock.now()
    pending = db.session.scalars(access.visible_invitations(current_user).where(
        StaffInvitation.used_at.is_(None), StaffInvitation.revoked_at.is_(None))).all()
    providers = (db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.PROVIDER)
                                    .order_by(Organisation.name)).all()
                 if access.can_manage_providers(current_user) else [])
    return render("staff/list.html", org=org, members=members, pending=pending, now=now, teams=_teams(),
                  providers=providers)


@bp.route("/staff/invite", methods=["GET", "POST"])
@login_required
def invite():
    org = _org()
    form = forms.InviteForm()
    form.set_places(access.may_give(current_user, org), _teams())
    if form.validate_on_submit() and form.attempt(lambda: staff.invite(
            organisation=org, role=form.chosen_role(), team=form.chosen_team(), email=form.email.data,
            name=form.name.data, by=current_user)):
        return redirect_to(".staff_list")
    return render("staff/invite.html", form=form, org=org, status=form_status(form))


@bp.route("/staff/teams/new", methods=["GET", "POST"])
@login_required
def new_team():
    org = _org()
    access.require(org.kind is OrgKind.POLICE_FORCE)
    form = forms.TeamForm()
    if form.validate_on_submit() and form.attempt(lambda: staff.add_team(org, form.name.data, by=current_user)):
        return redirect_to(".staff_list")
    return render("staff/team.html", form=form, org=org, status=form_status(form))


def _member_page(user, membership, form, enabled_form, status=200):
    return render("staff/member.html", member=user, membership=membership, form=form, enabled_form=enabled_form,
                  status=status)


@bp.route("/staff/<user_id>", methods=["GET", "POST"])
@login_required
def member(user_id: str):
    org = _org()
    user, membership = access.staff_member_or_404(user_id)
    form = forms.MemberForm(data={"role": membership.role.value,
                                  "team": str(membership.team.public_id) if membership.team else ""})
    form.set_places(access.may_give(current_user, org), _teams())
    if form.validate_on_submit() and form.attempt(lambda: staff.change(
            user, membership, role=form.chosen_role(), team=form.chosen_team(), by=current_user)):
        return redirect_to(".staff_list")
    return _member_page(user, membership, form, forms.EnabledForm(formdata=None), form_status(form))


@bp.post("/staff/<user_id>/enabled")
@login_required
def enabled(user_id: str):
    org = _org()
    user, membership = access.staff_member_or_404(user_id)
    form = forms.EnabledForm()
    if form.validate_on_submit() and form.attempt(lambda: staff.set_enabled(
            user, membership, form.enabled.data == "yes", by=current_user)):
        return redirect_to(".staff_list")
    page = forms.MemberForm(formdata=None, data={"role": membership.role.value})
    page.set_places(access.may_give(current_user, org), _teams())
    return _member_page(user, membership, page, form, 422)


# --- work contact details (a work phone and hours, shown to the people whose cases they work on) -----------------


def _contact_page(user, *, own: bool):
    form = forms.WorkContactForm(data={"work_phone": user.work_phone or "", "work_hours": user.work_hours or ""}
                                 if request.method == "GET" else None)
    if form.validate_on_submit() and form.attempt(lambda: work_contact.set_work_contact(
            user, phone=form.work_phone.data, hours=form.work_hours.data, by=current_user)):
        return (redirect_to(".own_contact", saved=1) if own
                else redirect_to(".member_contact", user_id=user.public_id, saved=1))
    return render("staff/contact.html", member=user, own=own, form=form, saved=bool(request.args.get("saved")),
                  status=form_status(form))


@bp.route("/account/work-contact", methods=["GET", "POST"])
@login_required
def own_contact():
    access.require(access.can_edit_work_contact(current_user, current_user))
    return _contact_page(current_user, own=True)


@bp.route("/staff/<user_id>/work-contact", methods=["GET", "POST"])
@login_required
def member_contact(user_id: str):
    _org()
    user, _ = access.staff_member_or_404(user_id)
    access.require(access.can_edit_work_contact(current_user, user))
    return _contact_page(user, own=user.id == current_user.id)


@bp.post("/staff/invitations/<invitation_id>/revoke")
@login_required
def revoke(invitation_id: str):
    _org()
    invitation = access.staff_invitation_or_404(invitation_id)
    staff.revoke(invitation, by=current_user)
    return redirect_to(".staff_list")


@bp.post("/staff/invitations/<invitation_id>/reissue")
@login_required
def reissue(invitation_id: str):
    _org()
    invitation = access.staff_invitation_or_404(invitation_id)
    staff.reissue(invitation, by=current_user)
    return redirect_to(".staff_list")


@bp.get("/staff/history")
@login_required
def history():
    org = _org()
    return render("staff/history.html", org=org, rows=staff.history(org))


@bp.route("/staff/providers/new", methods=["GET", "POST"])
@login_required
def new_provider():
    _org()
    access.require(access.can_manage_providers(current_user))
    form = forms.ProviderForm()

    def add():
        provider = staff.add_organisation(OrgKind.PROVIDER, form.name.data, by=current_user)
        staff.invite(organisation=provider, role=Role.PROVIDER_MANAGER, email=form.email.data,
                     name=form.manager.data, by=current_user)

    if form.validate_on_submit() and form.attempt(add):
        return redirect_to(".staff_list")
    return render("staff/provider.html", form=form, provider=None, status=form_status(form))


@bp.route("/staff/providers/<org_id>/invite", methods=["GET", "POST"])
@login_required
def invite_manager(org_id: str):
    _org()
    provider = access.provider_to_staff_or_404(org_id)
    form = forms.ManagerForm()
    if form.validate_on_submit() and form.attempt(lambda: staff.invite(
            organisation=provider, role=Role.PROVIDER_MANAGER, email=form.email.data, name=form.name.data,
            by=current_user)):
        return redirect_to(".staff_list")
    return render("staff/provider.html", form=form, provider=provider, status=form_status(form))


# --- accepting an invitation (no sign-in yet) --------------------------------------------------------------------


@bp.route("/staff-invitations/<token>", methods=["GET", "POST"])
def accept(token: str):
    invitation = staff.by_token(token)
    status = invitation.status(clock.now()) if invitation else "unknown"
    if status != "pending":
        audit.record("staff.invitation_unusable", purpose="security", object_type="staff_invitations",
                     object_id=str(invitation.public_id) if invitation else None, detail={"reason": status})
        keep_on_error()
        page = render_template("invitations/cannot_use.html", reason=status, who="staff")
        return page, 404 if not invitation else 410
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        return invitations.hold("staff", token, "staff")
    inviter = db.session.get(User, invitation.created_by_id) if invitation.created_by_id else None
    return render("staff/invitation.html", invitation=invitation, inviter=inviter, form=form,
                  status=form_status(form))
