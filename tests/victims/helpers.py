"""Cases with victims for the victims' tests: Kim Taylor (the demo's "victim" persona, already signed in once) as
a victim of a new case, alone or with Val Ng, each with their views recorded, then the caution given."""

from __future__ import annotations

import re
from datetime import timedelta

from app import clock, demo
from app.cases import conditions as condition_services
from app.cases import services as cases
from app.cases.models import Case
from tests import factories

VIEWS = {"attempts": [], "could_not_contact": False, "views": "I was scared", "remedy_requested": None,
         "remedy_declined_reason": None, "taken_into_account": "Noted"}


def text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).replace("&#39;", "'").replace("&amp;", "&").split())


def ready_with_kim(*, regime: str = "current_practice", disposal: str = "adult_conditional_caution",
                   conditions=(factories.REHABILITATIVE,), channel: str | None = "portal", enhanced: bool = False,
                   val_channel: str | None = None, remedy: str | None = None) -> Case:
    """A case ready to issue with Kim as a victim (updates by `channel`; None: no updates), and Val Ng too when
    `val_channel` is given. `remedy`: Kim asked for it, and the last condition is it."""
    officer = factories.user("officer-north")
    case = factories.with_details(factories.draft(officer, regime=regime, disposal=disposal, given="Oli",
                                                  family="Fender"), officer)
    kim = cases.add_victim(case, factories.person_of("victim"), enhanced_rights=enhanced,
                           updates_opted_in=channel is not None, update_channel=channel, by=officer)
    if val_channel:
        cases.add_new_victim(case, factories.VICTIM | {"phone": "07700 900123"}, enhanced_rights=False,
                             updates_opted_in=True, update_channel=val_channel, by=officer)
    demo.screen(case, officer=officer)
    demo.assess_needs(case, officer=officer)
    for link in case.victims:
        cases.record_victim_view(case, link, VIEWS | {"remedy_requested": remedy if link is kim else None},
                                 by=officer)
    due = clock.today() + timedelta(weeks=8)
    for i, values in enumerate(conditions):
        extra = {"remedy_for": str(kim.person.public_id)} if remedy and i == len(conditions) - 1 else {}
        condition_services.add_condition(case, {"due_on": due} | values | extra, by=officer)
    return case


def issued_with_kim(**args) -> Case:
    case = ready_with_kim(**args)
    demo.issue_case(case, officer=case.officer, signed_by="Oli Fender")
    return case
