"""Shared objects for referral tests: the demo's issued case (Jordan Smith), its users and the directory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.auth.models import User
from app.cases.models import Case
from app.extensions import db
from app.organisations.models import Service
from app.people.models import Person
from app.referrals.models import Referral


@dataclass
class World:
    users: dict
    case: Case
    services: dict
    sent: Referral  # the demo's referral: alcohol course, waiting for Fresh Start's manager

    def at(self, days: int = 0, hour: int = 10, minute: int = 0) -> datetime:
        return datetime.combine(clock.today() + timedelta(days=days), time(hour, minute), tzinfo=clock.LONDON)


def load_world() -> World:
    users = {u.subject: u for u in db.session.scalars(select(User))}
    case = db.session.scalar(select(Case).join(Person, Case.offender_id == Person.id)
                             .where(Person.given_name == "Jordan"))
    services = {s.name: s for s in db.session.scalars(select(Service))}
    sent = db.session.scalar(select(Referral).where(Referral.case_id == case.id))
    return World(users, case, services, sent)


@pytest.fixture
def world(app, demo_data):
    with app.app_context():
        yield load_world()
        db.session.rollback()
        db.session.remove()
