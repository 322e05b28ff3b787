"""Use cases for the provider directory. They flush and write audit entries; they never commit."""

from __future__ import annotations

from app.audit import services as audit
from app.errors import Problem, RuleViolation
from app.extensions import db
from app.organisations.categories import config as directory_config
from app.organisations.models import Organisation, OrgKind, Service


def _check(values: dict, provider: Organisation) -> None:
    cfg = directory_config()
    problems = []
    if provider.kind is not OrgKind.PROVIDER:
        problems.append(Problem("provider", "Choose a provider organisation."))
    if values["category"] not in cfg.categories:
        problems.append(Problem("category", "Choose a category from the list."))
    if not values["delivery_modes"] or any(m not in cfg.delivery_modes for m in values["delivery_modes"]):
        problems.append(Problem("delivery_modes", "Choose how sessions are delivered from the list."))
    if values["weekly_capacity"] is None or values["weekly_capacity"] < 0:
        problems.append(Problem("weekly_capacity", "Weekly capacity must be 0 or more."))
    if problems:
        raise RuleViolation(problems)


def add_service(*, force: Organisation, provider: Organisation, values: dict, by) -> Service:
    _check(values, provider)
    service = Service(force_id=force.id, provider_id=provider.id, active=True, **values)
    db.session.add(service)
    db.session.flush()
    audit.record("service.create", actor=by, obj=service, detail={"category": service.category})
    return service


def update_service(service: Service, *, provider: Organisation, values: dict, by) -> Service:
    _check(values, provider)
    changed = sorted(k for k, v in values.items() if getattr(service, k) != v)
    if service.provider_id != provider.id:
        changed.append("provider")
    service.provider_id = provider.id
    for k, v in values.items():
        setattr(service, k, v)
    db.session.flush()
    audit.record("service.update", actor=by, obj=service, detail={"fields": changed})
    return service


def set_active(service: Service, active: bool, *, by) -> None:
    """Deactivating stops new referrals; the service, its referrals and their history stay."""
    if service.active == active:
        return
    service.active = active
    db.session.flush()
    audit.record("service.activate" if active else "service.deactivate", actor=by, obj=service)
