"""Reading victim updates: a victim's own, a case's for its officer, and a force's late ones for the coordinator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.cases.models import Case, CaseVictim
from app.extensions import db
from app.notifications.models import Notification, NotificationStatus
from app.victims.models import RestorativeInterest, VictimUpdate


@dataclass(frozen=True)
class Owed:
    """An update with what became of its message (None: none was written)."""

    update: VictimUpdate
    message: NotificationStatus | None

    @property
    def needs_officer(self) -> bool:
        """Not given, and no message will carry it (none could be written, or it could not be sent)."""
        if self.update.given_at is not None:
            return False
        return self.update.message_key is None or self.message in (NotificationStatus.FAILED,
                                                                   NotificationStatus.CANCELLED)


def _with_messages(query) -> list[Owed]:
    rows = db.session.execute(query.add_columns(Notification.status).outerjoin(
        Notification, Notification.key == VictimUpdate.message_key)).all()
    return [Owed(update, status) for update, status in rows]


def for_case(case: Case) -> list[Owed]:
    """The case's updates, newest decision first, each with its victim (for the police case page)."""
    return _with_messages(select(VictimUpdate).where(VictimUpdate.case_id == case.id)
                          .options(joinedload(VictimUpdate.case_victim).joinedload(CaseVictim.person),
                                   joinedload(VictimUpdate.given_by))
                          .order_by(VictimUpdate.decided_on.desc(), VictimUpdate.id))


def for_case_page(case: Case) -> dict:
    """What the police case page's victim updates section needs (nothing for a case with no victims)."""
    from app import clock
    from app.victims.models import GIVEN_BY_OFFICER

    return {"victim_updates": for_case(case), "today": clock.today(),
            "given_items": [{"value": k, "text": v} for k, v in GIVEN_BY_OFFICER.items()]}


def for_victim(link: CaseVictim) -> list[Owed]:
    return _with_messages(select(VictimUpdate).where(VictimUpdate.case_victim_id == link.id)
                          .order_by(VictimUpdate.decided_on.desc(), VictimUpdate.id.desc()))


def restorative_interest(link: CaseVictim) -> RestorativeInterest | None:
    return db.session.scalar(select(RestorativeInterest).where(RestorativeInterest.case_victim_id == link.id))


def late(scope_clause, today: date, limit: int = 50) -> list[VictimUpdate]:
    """Updates not given by their date, in the cases `scope_clause` selects (a coordinator's force), oldest
    due first."""
    return list(db.session.scalars(
        select(VictimUpdate).join(Case, Case.id == VictimUpdate.case_id)
        .where(scope_clause, VictimUpdate.given_at.is_(None), VictimUpdate.due_on < today)
        .options(joinedload(VictimUpdate.case).joinedload(Case.officer))
        .order_by(VictimUpdate.due_on, VictimUpdate.id).limit(limit)))
