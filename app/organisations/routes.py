"""The provider directory, managed by the OOCD coordinator: services, and each provider's staff and roles."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user, login_required
from sqlalchemy import select

from app import access, clock
from app.audit import views
from app.cases import packs
from app.extensions import db
from app.organisations import forms, services
from app.organisations.categories import config as directory_config
from app.organisations.models import Organisation, Service
from app.web.forms import form_status
from app.web.htmx import redirect_to, render

# The directory names providers' staff at work, nobody a case is about.
bp = views.shows_no_personal_data(Blueprint("organisations", __name__, url_prefix="/organisations"))


def _coordinator() -> None:
    access.require(access.can_manage_directory(current_user))


def _providers() -> list[Organisation]:
    return list(db.session.scalars(access.visible_providers(current_user)))


@bp.get("/services")
@login_required
def service_list():
    _coordinator()
    rows = db.session.scalars(access.visible_services(current_user)
                              .order_by(Service.active.desc(), Service.name)).all()
    return render("organisations/services.html", services=rows, cfg=directory_config())


def _form(**kw) -> forms.ServiceForm:
    form = forms.ServiceForm(**kw)
    form.set_choices(_providers(), packs.lowest_minimum_age(clock.today()))
    return form


@bp.route("/services/new", methods=["GET", "POST"])
@login_required
def new_service():
    _coordinator()
    form = _form()
    if form.validate_on_submit() and form.attempt(lambda: services.add_service(
            force=current_user.organisation, provider=access.provider_or_404(form.provider.data),
            values=form.values(), by=current_user)):
        return redirect_to(".service_list")
    return render("organisations/service_form.html", form=form, service=None,
                  status=form_status(form))


@bp.route("/services/<service_id>", methods=["GET", "POST"])
@login_required
def edit_service(service_id: str):
    _coordinator()
    service = access.service_or_404(service_id)
    data = None
    if request.method == "GET":
        data = {"provider": str(service.provider.public_id), "areas": ", ".join(service.areas or [])}
    form = _form(obj=service, data=data)
    if request.method == "GET":
        form.areas.data = data["areas"]
        form.provider.data = data["provider"]
    if form.validate_on_submit() and form.attempt(lambda: services.update_service(
            service, provider=access.provider_or_404(form.provider.data), values=form.values(), by=current_user)):
        return redirect_to(".service_list")
    return render("organisations/service_form.html", form=form, service=service,
                  active_form=forms.ActiveForm(formdata=None, data={"active": "no" if service.active else "yes"}),
                  status=form_status(form))


@bp.post("/services/<service_id>/active")
@login_required
def service_active(service_id: str):
    _coordinator()
    service = access.service_or_404(service_id)
    form = forms.ActiveForm()
    if not form.validate_on_submit():
        return render("organisations/service_form.html", form=_form(obj=service, formdata=None), service=service,
                      active_form=form, status=422)
    services.set_active(service, form.active.data == "yes", by=current_user)
    return redirect_to(".service_list")


@bp.get("/providers")
@login_required
def providers():
    _coordinator()
    orgs = _providers()
    staff: dict[int, list] = {org.id: [] for org in orgs}
    for user, membership in db.session.execute(access.provider_staff(current_user, orgs)):
        staff[membership.organisation_id].append((user, membership))
    counts = dict.fromkeys(staff, 0) | dict(db.session.execute(
        select(Service.provider_id, db.func.count(Service.id))
        .where(Service.provider_id.in_(staff), Service.force_id == current_user.organisation.id, Service.active)
        .group_by(Service.provider_id)).all())
    return render("organisations/providers.html", providers=orgs, staff=staff, counts=counts)
