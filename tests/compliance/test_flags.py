"""Flags: raised by the change that causes them or by the sweep as time passes, each cause one flag and one
message to the officer, cleared when the cause goes. A flag never changes the case. Every moment here is set on
the clock, so nothing depends on the day the tests run."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.audit.models import AuditEvent
from app.cases.models import CaseStatus
from app.compliance import services as flags
from app.compliance.models import Flag, FlagKind, FlagStatus
from app.extensions import db
from app.jobs import scheduler
from app.notifications.messages import render
from app.notifications.models import Notification
from app.notifications.timings import get as timings
from app.referrals import services as referrals
from app.timeline.models import Audience, TimelineEvent
from app.timeline.wording import words
from tests import factories

pytestmark = pytest.mark.calendar  # the sweep reads the clock: CI runs these again on hostile dates

MINUTE = timedelta(minutes=1)
ISSUED_ON = date(2026, 11, 2)  # a Monday


def london(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=clock.LONDON).astimezone(UTC)


def sweep(app, at: datetime) -> int:
    db.session.commit()  # the job runs in a transaction of its own
    with clock.frozen(at):
        done = scheduler.run_once(app, "raise-flags")
    db.session.expire_all()
    return done


def flags_of(case, kind: FlagKind | None = None) -> list[Flag]:
    query = select(Flag).where(Flag.case_id == case.id).order_by(Flag.id)
    return list(db.session.scalars(query.where(Flag.kind == kind) if kind else query))


def messages(flag: Flag) -> list[str]:
    return sorted(db.session.scalars(select(Notification.medium).where(
        Notification.key.startswith(f"flag:{flag.public_id}:"))))


@pytest.fixture
def working(app, ctx, demo_data):
    """A caution given on ISSUED_ON with one condition, its referral accepted that day, and an appointment the
    next day from 10 to 11."""
    with factories.on_day(ISSUED_ON):
        case = factories.issued(victim=False, conditions=(factories.REHABILITATIVE,), given="Robin", family="Quill")
        referral = factories.accepted(case, service_name="Alcohol awareness course")
        appointment = factories.appointment(referral, london(ISSUED_ON + timedelta(days=1)))
    return case, referral, appointment


def record(appointment, code: str, at: datetime, note: str | None = "Noted"):
    with clock.frozen(at):
        referrals.record_attendance(appointment, code=code, note=note, version=appointment.version,
                                    by=factories.user("freshstart-caseworker"))


# --- missed appointments --------------------------------------------------------------------------------------------

def test_a_missed_appointment_is_flagged_when_recorded_once_with_one_message_per_medium(app, working):
    case, _, appointment = working
    record(appointment, "did_not_attend", appointment.ends_at + MINUTE)
    (flag,) = flags_of(case)
    assert flag.kind is FlagKind.MISSED_APPOINTMENT and flag.status is FlagStatus.OPEN
    assert flag.key == f"missed_appointment:{appointment.public_id}"
    assert flag.reason == "Missed appointment on 3 November 2026 (Did not attend)"
    assert flag.appointment_id == appointment.id and flag.referral_id == appointment.referral_id
    assert messages(flag) == ["email", "in_app"]
    event = db.session.scalar(select(TimelineEvent).where(TimelineEvent.case_id == case.id,
                                                          TimelineEvent.kind == "flag_raised"))
    assert Audience(event.audiences) == Audience.POLICE
    assert words(event, Audience.POLICE) == "Flag raised: Missed appointment on 3 November 2026 (Did not attend)"
    db.session.commit()
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "flag.raise",
                                                        AuditEvent.object_id == str(flag.public_id))) == 1
    # Saved again, then swept twice: the same one flag and the same two messages.
    record(appointment, "did_not_attend", appointment.ends_at + 2 * MINUTE, note="Still no word")
    sweep(app, appointment.ends_at + timedelta(days=3))
    sweep(app, appointment.ends_at + timedelta(days=3, minutes=15))
    assert [f.id for f in flags_of(case)] == [flag.id] and messages(flag) == ["email", "in_app"]
    assert db.session.get(type(case), case.id).status is CaseStatus.ISSUED  # a flag decides nothing


def test_a_correction_to_an_outcome_that_cannot_count_clears_it_and_back_opens_it_again(app, working):
    case, _, appointment = working
    record(appointment, "did_not_attend", appointment.ends_at + MINUTE)
    record(appointment, "excused", appointment.ends_at + 2 * MINUTE, note="Hospital letter seen")
    (flag,) = flags_of(case)
    assert flag.status is FlagStatus.CLEARED and flag.cleared_because and flag.cleared_at
    record(appointment, "late_refused", appointment.ends_at + 3 * MINUTE, note="Arrived 40 minutes late")
    (again,) = flags_of(case)
    assert again.id == flag.id and again.status is FlagStatus.OPEN and again.cleared_at is None
    assert messages(again) == ["email", "in_app"]  # the officer is not told twice about one appointment


def test_an_outcome_that_cannot_count_raises_nothing(app, working):
    case, _, appointment = working
    record(appointment, "attended", appointment.ends_at + MINUTE, note=None)
    sweep(app, appointment.ends_at + timedelta(days=5))
    assert flags_of(case) == []


# --- outcomes not recorded ------------------------------------------------------------------------------------------

def test_an_outcome_not_recorded_is_flagged_once_the_hours_allowed_have_passed(app, working):
    case, _, appointment = working
    limit = appointment.ends_at + timedelta(hours=timings().outcome_not_recorded_hours)
    sweep(app, limit - MINUTE)
    sweep(app, limit)
    assert flags_of(case, FlagKind.OUTCOME_NOT_RECORDED) == []
    sweep(app, limit + MINUTE)
    (flag,) = flags_of(case, FlagKind.OUTCOME_NOT_RECORDED)
    assert flag.reason == "No outcome recorded for the appointment on 3 November 2026"
    assert flag.key == f"outcome_not_recorded:{appointment.public_id}" and messages(flag) == ["email", "in_app"]
    # Still no outcome: the next sweep keeps it open and raises nothing more.
    sweep(app, limit + timedelta(hours=1))
    assert [f.status for f in flags_of(case)] == [FlagStatus.OPEN] and messages(flag) == ["email", "in_app"]
    # The outcome recorded clears it at once, in the same transaction.
    record(db.session.get(type(appointment), appointment.id), "attended", limit + timedelta(hours=2), note=None)
    assert flags_of(case)[0].status is FlagStatus.CLEARED
    sweep(app, limit + timedelta(hours=3))
    assert [f.status for f in flags_of(case)] == [FlagStatus.CLEARED]


def test_the_service_the_sweep_and_the_sweep_again_make_one_flag_and_one_message_per_medium(app, working):
    case, _, appointment = working
    key = f"outcome_not_recorded:{appointment.public_id}"
    late = appointment.ends_at + timedelta(days=3)
    with clock.frozen(late):
        first = flags.raise_flag(case, FlagKind.OUTCOME_NOT_RECORDED, key, "No outcome recorded",
                                 appointment=appointment)
        assert first is not None
        assert flags.raise_flag(case, FlagKind.OUTCOME_NOT_RECORDED, key, "No outcome recorded",
                                appointment=appointment) is None
    sweep(app, late)
    sweep(app, late + MINUTE)
    (flag,) = flags_of(case)
    assert flag.id == first.id and messages(flag) == ["email", "in_app"]
    assert db.session.scalar(select(func.count()).where(TimelineEvent.case_id == case.id,
                                                        TimelineEvent.kind == "flag_raised")) == 1


def test_a_cancelled_or_moved_appointment_clears_its_flag(app, working):
    case, _, appointment = working
    late = appointment.ends_at + timedelta(days=3)
    sweep(app, late)
    assert flags_of(case, FlagKind.OUTCOME_NOT_RECORDED)[0].status is FlagStatus.OPEN
    with clock.frozen(late):
        referrals.cancel(db.session.get(type(appointment), appointment.id), party="provider", reason="Entered twice",
                         version=appointment.version, by=factories.user("freshstart-caseworker"))
    sweep(app, late + MINUTE)
    assert flags_of(case)[0].status is FlagStatus.CLEARED


# --- referrals not accepted -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sent_on", "last_allowed"), [
    (date(2026, 11, 13), date(2026, 11, 20)),  # a Friday: the weekend does not count
    (date(2026, 12, 24), date(2027, 1, 5)),  # Christmas, Boxing Day (Monday 28th) and New Year's Day do not count
], ids=["weekend", "bank holidays"])
@pytest.mark.parametrize("decision", ["accept", "decline"])
def test_a_referral_not_accepted_in_the_working_days_allowed_is_flagged_until_decided(app, ctx, demo_data, sent_on,
                                                                                     last_allowed, decision):
    assert timings().referral_not_accepted_working_days == 5
    with factories.on_day(sent_on):
        case = factories.issued(victim=False, conditions=(factories.REHABILITATIVE,), given="Robin", family="Quill")
        sent = factories.referral(case, service_name="Alcohol awareness course")
    sweep(app, london(last_allowed, 23, 59))
    assert flags_of(case, FlagKind.REFERRAL_NOT_ACCEPTED) == []
    next_day = last_allowed + timedelta(days=1)
    sweep(app, london(next_day, 0, 1))
    (flag,) = flags_of(case, FlagKind.REFERRAL_NOT_ACCEPTED)
    assert flag.key == f"referral_not_accepted:{sent.public_id}" and flag.referral_id == sent.id
    with clock.frozen(london(next_day, 9)):
        sent = db.session.get(type(sent), sent.id)
        if decision == "accept":
            referrals.accept_referral(sent, factories.user("freshstart-caseworker"),
                                      by=factories.user("freshstart-manager"))
        else:
            referrals.decline_referral(sent, "No places", by=factories.user("freshstart-manager"))
    assert flags_of(case, FlagKind.REFERRAL_NOT_ACCEPTED)[0].status is FlagStatus.CLEARED
    sweep(app, london(next_day, 10))
    assert flags_of(case, FlagKind.REFERRAL_NOT_ACCEPTED)[0].status is FlagStatus.CLEARED


# --- conditions overdue and the deadline passed ---------------------------------------------------------------------

def test_a_condition_overdue_and_the_deadline_passed_are_flagged_and_cleared_when_it_is_done(app, working):
    case, referral, appointment = working
    record(appointment, "attended", appointment.ends_at + MINUTE, note=None)
    condition = case.conditions[0]
    due, deadline = condition.due_on, case.deadline
    assert due < deadline
    sweep(app, london(due, 23, 59))
    assert flags_of(case) == []
    sweep(app, london(due + timedelta(days=1), 0, 1))
    (overdue,) = flags_of(case)
    assert overdue.kind is FlagKind.CONDITION_OVERDUE and overdue.condition_id == condition.id
    assert overdue.key == f"condition_overdue:{condition.public_id}"
    sweep(app, london(deadline, 23, 59))
    assert [f.kind for f in flags_of(case)] == [FlagKind.CONDITION_OVERDUE]
    sweep(app, london(deadline + timedelta(days=1), 0, 1))
    assert [f.kind for f in flags_of(case)] == [FlagKind.CONDITION_OVERDUE, FlagKind.DEADLINE_PASSED]
    assert flags_of(case)[1].key == f"deadline_passed:{case.public_id}:{deadline.isoformat()}"
    assert [f.status for f in flags_of(case)] == [FlagStatus.OPEN, FlagStatus.OPEN]  # their causes remain
    assert db.session.get(type(case), case.id).status is CaseStatus.ISSUED
    # The provider reports the service completed: the condition is done, and no condition is open.
    with clock.frozen(london(deadline + timedelta(days=1), 9)):
        referrals.end_referral(db.session.get(type(referral), referral.id), "completed", summary="Came to all",
                               reason=None, by=factories.user("freshstart-caseworker"))
    assert [f.status for f in flags_of(case)] == [FlagStatus.CLEARED, FlagStatus.CLEARED]
    sweep(app, london(deadline + timedelta(days=1), 10))
    assert [f.status for f in flags_of(case)] == [FlagStatus.CLEARED, FlagStatus.CLEARED]
    assert db.session.get(type(case), case.id).status is CaseStatus.ISSUED


def test_reminders_not_reaching_the_person_is_one_flag_per_address(app, working):
    case, _, _ = working
    first = flags.not_reaching(case, case.offender, "sms", "a1b2")
    assert first.reason == "Reminders are not reaching the person by text message: check their contact details"
    assert flags.not_reaching(case, case.offender, "sms", "a1b2") is None
    assert flags.not_reaching(case, case.offender, "email", "c3d4") is not None
    assert len(flags_of(case, FlagKind.NOT_REACHING)) == 2


# --- what the officer is told, and who sees it ------------------------------------------------------------------------

def test_the_officers_message_names_the_case_by_its_reference_only(app, working):
    case, _, appointment = working
    record(appointment, "did_not_attend", appointment.ends_at + MINUTE)
    rows = list(db.session.scalars(select(Notification).where(Notification.case_id == case.id,
                                                              Notification.key.startswith("flag:"))))
    assert {r.user_id for r in rows} == {case.officer_id} and len(rows) == 2
    offence = case.offences[0].offence.title
    person = case.offender
    for row in rows:
        subject, body = render(row.template, row.medium, row.personalisation)
        assert case.reference in subject and subject == f"A case needs your attention: {case.reference}"
        assert "Missed appointment on 3 November 2026" in body and f"/cases/{case.public_id}" in body
        text = f"{subject}\n{body}"
        for personal in (person.given_name, person.family_name, offence, case.offences[0].location):
            assert personal not in text


def test_the_supervisor_sees_the_teams_flag_on_their_home_and_another_teams_officer_does_not(app, working,
                                                                                           login_as):
    case, _, appointment = working
    record(appointment, "did_not_attend", appointment.ends_at + MINUTE)
    db.session.commit()
    reason = "Missed appointment on 3 November 2026 (Did not attend)"
    with clock.frozen(appointment.ends_at + timedelta(hours=1)):
        for persona, sees in (("officer-north", True), ("supervisor", True), ("officer-south", False),
                              ("supervisor-south", False)):
            html = login_as(persona).get("/").get_data(as_text=True)
            section = html[html.index('id="attention-heading"'):html.index("All cases")]
            assert (reason in section) is sees, persona
            assert (case.reference in section) is sees, persona


def test_the_sweep_is_a_few_statements_whatever_the_number_of_flags_it_raises(app, ctx, demo_data):
    from app.compliance.jobs import sweep as run_sweep
    from tests.counting import statements

    sent_on = date(2026, 11, 13)
    cases = []
    for i in range(6):
        with factories.on_day(sent_on):
            case = factories.issued(victim=False, conditions=(factories.REHABILITATIVE,), given=f"Robin{i}",
                                    family="Quill")
            factories.referral(case, service_name="Alcohol awareness course" if i % 2 else "Drug awareness course")
        cases.append(case)
    with clock.frozen(london(date(2026, 11, 23))), statements() as seen:
        raised = run_sweep()
    assert raised >= 6 and all(len(flags_of(c, FlagKind.REFERRAL_NOT_ACCEPTED)) == 1 for c in cases)
    # One read per kind for what to raise (five: unrecorded, unaccepted, overdue, deadline, unpaid penalty) and one of
    # the open deadline flags, one of the message keys already written and one of the cases' people for the decision
    # facts; six clears (seven when a deadline flag went), then one insert each of the flags, their timeline events,
    # their messages and their facts (two tables) per 500 flags. No statement per case or per flag.
    assert seen.reads <= 8 and seen.writes <= 7 + 5, str(seen)


def test_two_sweeps_at_once_raise_one_flag_and_one_message_per_medium(app, working):
    """Two scheduler processes sweeping at the same moment (on PostgreSQL, where they truly run at once)."""
    import threading

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    case, _, appointment = working
    db.session.commit()
    start, errors = threading.Barrier(2), []

    def one_sweep():
        try:
            start.wait(timeout=10)
            scheduler.run_once(app, "raise-flags")
        except Exception as exc:  # reported below
            errors.append(exc)

    with clock.frozen(appointment.ends_at + timedelta(days=3)):
        threads = [threading.Thread(target=one_sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    (flag,) = flags_of(case)
    assert flag.kind is FlagKind.OUTCOME_NOT_RECORDED and messages(flag) == ["email", "in_app"]
    assert db.session.scalar(select(func.count()).where(TimelineEvent.case_id == case.id,
                                                        TimelineEvent.kind == "flag_raised")) == 1
