"""The victim updates sweep: an update whose message was sent is given (at the time it was sent); one not given
by its Victims' Code date raises a flag for the officer; a flag whose update was given clears. Safe to run twice
and in two processes at once: a flag's key is unique and the marking is one conditional UPDATE."""

from __future__ import annotations

from sqlalchemy import and_, exists, select, update

from app import clock
from app.auth.models import User
from app.cases.models import Case
from app.compliance import services as compliance
from app.compliance.models import Flag, FlagKind, FlagStatus
from app.extensions import db
from app.formats import long_date
from app.jobs.registry import job
from app.notifications.models import Notification, NotificationStatus
from app.victims.models import VictimUpdate
from app.victims.services import late_key

KIND = FlagKind.VICTIM_UPDATE_LATE
DECISION_WORDS = {"caution_given": "the caution given", "case_closed": "the case closed",
                  "non_compliance": "the non-compliance decision", "completed": "the case completed"}
SENT = (NotificationStatus.SENT, NotificationStatus.DELIVERED)


def mark_sent() -> int:
    """Updates whose message went: given when it was sent, by its medium."""
    message = and_(Notification.key == VictimUpdate.message_key, Notification.status.in_(SENT))
    result = db.session.execute(
        update(VictimUpdate).where(VictimUpdate.given_at.is_(None), VictimUpdate.message_key.is_not(None),
                                   exists().where(message))
        .values(given_at=select(Notification.sent_at).where(message).scalar_subquery(),
                given_how=select(Notification.medium).where(message).scalar_subquery())
        .execution_options(synchronize_session=False))
    return result.rowcount


def _clear() -> int:
    open_keys = set(db.session.scalars(select(Flag.key).where(Flag.status == FlagStatus.OPEN, Flag.kind == KIND)))
    if not open_keys:
        return 0
    given = db.session.scalars(select(VictimUpdate).where(VictimUpdate.given_at.is_not(None))
                               .where(VictimUpdate.case_id.in_(select(Flag.case_id).where(
                                   Flag.status == FlagStatus.OPEN, Flag.kind == KIND)))).all()
    keys = [late_key(u) for u in given if late_key(u) in open_keys]
    return compliance.clear_where(Flag.key.in_(keys), because="the victim was told") if keys else 0


def _raise(today) -> list[compliance.Cause]:
    rows = db.session.execute(
        select(Case.id, Case.public_id, Case.reference, Case.officer_id, User.email, VictimUpdate)
        .select_from(VictimUpdate).join(Case, Case.id == VictimUpdate.case_id)
        .join(User, User.id == Case.officer_id)
        .where(VictimUpdate.given_at.is_(None), VictimUpdate.due_on < today)).all()
    return [compliance.Cause(r.id, r.public_id, r.reference, r.officer_id, r.email, KIND, late_key(r.VictimUpdate),
                             f"A victim's update about {DECISION_WORDS.get(r.VictimUpdate.decision, 'a decision')} "
                             f"was due by {long_date(r.VictimUpdate.due_on)}: tell them and record it")
            for r in rows]


def sweep() -> int:
    """Mark, clear, then raise; returns the updates marked and the flags cleared and raised."""
    today = clock.today()
    done = mark_sent() + _clear()
    return done + compliance.raise_many(_raise(today))


@job("victim-updates", minutes=15)
def victim_updates(app) -> int:
    return sweep()
