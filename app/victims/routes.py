"""The victim's own page of a case (their updates, their update choices, support, restorative justice, how to
ask or complain), and the officer's record of telling a victim themselves. Authorised by app/access_public.py;
every view is audited."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required

from app import access
from app.audit import views
from app.auth.public_invitations import masked_contact
from app.extensions import db
from app.victims import forms, queries, services, support
from app.web.forms import form_status
from app.web.htmx import redirect_to, render

bp = Blueprint("victims", __name__)


@bp.app_context_processor
def _case_page():
    # The police case page (a cases template) lists a case's victim updates; its route stays the cases' own.
    return {"victim_updates_of": queries.for_case_page}


def _page(case, link, form: forms.UpdatesForm, status: int = 200):
    events = db.session.scalars(access.visible_timeline(current_user, case)).all()
    form.describe({medium: masked_contact(link.person, medium) for medium in services.BY_OUTBOX})
    views.viewed("case.view", case, purpose="own record (victim)")
    return render("victims/case.html", case=case, link=link, events=events, form=form,
                  updates=queries.for_victim(link), interest=queries.restorative_interest(link),
                  rj_form=forms.RestorativeForm(), support=support.for_force(case.force.code),
                  days=services.working_days(case, link)), status


@bp.get("/my/victim-cases/<case_id>")
@login_required
@views.shows_personal_data
def case(case_id: str):
    found, link = access.victim_case_or_404(case_id)
    form = forms.UpdatesForm(data={"updates": "yes" if link.updates_opted_in else "no",
                                   "channel": link.update_channel})
    return _page(found, link, form)


@bp.post("/my/victim-cases/<case_id>/updates")
@login_required
@views.shows_personal_data
def updates(case_id: str):
    found, link = access.victim_case_or_404(case_id)
    form = forms.UpdatesForm()
    if form.handle(lambda: services.set_updates(link, opted_in=form.updates.data == "yes",
                                                channel=form.channel.data or None, by=current_user)):
        return redirect_to(".case", case_id=found.public_id, _anchor="updates")
    return _page(found, link, form, form_status(form))


@bp.post("/my/victim-cases/<case_id>/restorative-justice")
@login_required
@views.shows_no_personal_data
def restorative_justice(case_id: str):
    found, link = access.victim_case_or_404(case_id)
    # Pressing again (or twice at once) tells the officer once: the service keeps one interest per victim.
    if forms.RestorativeForm().validate_on_submit():
        services.restorative_interest(link, by=current_user)
    return redirect_to(".case", case_id=found.public_id, _anchor="restorative-justice")


@bp.post("/cases/<case_id>/victim-updates/<update_id>/given")
@login_required
@views.shows_personal_data
def given(case_id: str, update_id: str):
    found = access.case_or_404(case_id)
    owed = queries.for_case(found)
    update = access.victim_update_or_404(found, update_id, [o.update for o in owed])
    form = forms.GivenForm()
    if form.handle(lambda: services.record_given(update, how=form.how.data, by=current_user)):
        return redirect_to("cases.show", case_id=found.public_id, _anchor="victim-updates")
    views.viewed("case.view", found, purpose="victim update")
    return render("victims/given.html", case=found, update=update, form=form), form_status(form)
