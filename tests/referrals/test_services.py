"""Referral, appointment and attendance services: the state machine, capacity, the referral dataset, double
booking, the attendance rules of every configured code, optimistic locking, and the end-of-service report."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.audit.models import AuditEvent
from app.cases import attention as case_attention
from app.cases import catalogue, conditions
from app.cases.models import Case, CaseStatus
from app.errors import Conflict, InvalidTransition, RuleViolation
from app.extensions import db
from app.people.models import SpecialCategory
from app.referrals import queries, services
from app.referrals.models import Appointment, AppointmentChange, AppointmentStatus, Referral, ReferralStatus
from app.referrals.outcomes import counting_codes, outcomes
from app.timeline.models import Audience, TimelineEvent
from app.timeline.wording import words
from tests import factories

pytestmark = pytest.mark.calendar  # CI runs these again on hostile dates


def _accepted(world, service="Drug awareness course", condition=1):
    referral = services.send_referral(world.case, world.case.conditions[condition], world.services[service],
                                      by=world.users["officer-north"])
    services.accept_referral(referral, world.users["freshstart-caseworker"], by=world.users["freshstart-manager"])
    return referral


# --- the state machine ------------------------------------------------------------------------------------------


def test_sent_accepted_in_progress_completed(world):
    referral = world.sent
    assert referral.status is ReferralStatus.SENT
    services.accept_referral(referral, world.users["freshstart-caseworker"], by=world.users["freshstart-manager"])
    assert referral.status is ReferralStatus.ACCEPTED and referral.caseworker_id == world.users[
        "freshstart-caseworker"].id
    services.book_appointment(referral, starts_at=world.at(hour=0, minute=5), minutes=60, mode="in_person",
                              place="Fresh Start", by=world.users["freshstart-caseworker"])
    assert referral.status is ReferralStatus.IN_PROGRESS  # work has started
    services.end_referral(referral, "completed", summary="Attended every session", reason=None,
                          by=world.users["freshstart-caseworker"])
    assert referral.status is ReferralStatus.COMPLETED
    with pytest.raises(InvalidTransition):
        services.decline_referral(referral, "too late", by=world.users["freshstart-manager"])


def test_decline_needs_a_reason_and_the_officer_may_refer_again(world):
    with pytest.raises(RuleViolation, match="Say why"):
        services.decline_referral(world.sent, "  ", by=world.users["freshstart-manager"])
    services.decline_referral(world.sent, "No places for six weeks", by=world.users["freshstart-manager"])
    assert world.sent.status is ReferralStatus.DECLINED
    event = db.session.scalar(select(TimelineEvent).where(TimelineEvent.kind == "referral_declined"))
    assert event.referral_id == world.sent.id and event.detail["reason"] == "No places for six weeks"
    police = "Alcohol awareness course declined the referral: refer the person elsewhere"
    assert words(event, Audience.POLICE) == police
    assert words(event, Audience.PROVIDER) == "Alcohol awareness course declined the referral"
    with pytest.raises(InvalidTransition):
        services.accept_referral(world.sent, world.users["freshstart-caseworker"],
                                 by=world.users["freshstart-manager"])
    # The same condition can go to the same service again once the first referral was declined.
    again = services.send_referral(world.case, world.sent.condition, world.sent.service,
                                   by=world.users["officer-north"])
    assert again.status is ReferralStatus.SENT


def test_accept_needs_a_caseworker_of_that_provider(world):
    with pytest.raises(RuleViolation, match="caseworker"):
        services.accept_referral(world.sent, world.users["pathways-caseworker"], by=world.users["freshstart-manager"])
    with pytest.raises(RuleViolation):
        services.accept_referral(world.sent, None, by=world.users["freshstart-manager"])
    assert world.sent.status is ReferralStatus.SENT


def test_only_an_issued_case_can_be_referred(world):
    officer = world.users["officer-north"]
    draft = factories.draft(officer, given="Dee")
    due = clock.today() + timedelta(weeks=8)
    conditions.add_condition(draft, factories.REHABILITATIVE | {"due_on": due}, by=officer)
    ready = factories.ready(officer, given="Rae")  # everything in place, only the caution not yet given
    assert (draft.status, ready.status) == (CaseStatus.DRAFT, CaseStatus.READY)
    for case in (draft, ready):
        with pytest.raises(InvalidTransition, match=f"This case is {case.status.value}: only an issued caution"):
            services.send_referral(case, case.conditions[0], world.services["Drug awareness course"], by=officer)
    assert db.session.scalar(select(db.func.count()).select_from(Referral).where(
        Referral.case_id.in_([draft.id, ready.id]))) == 0


def test_no_second_open_referral_of_a_condition_to_one_service(world):
    with pytest.raises(RuleViolation, match="already referred"):
        services.send_referral(world.case, world.sent.condition, world.sent.service, by=world.users["officer-north"])


def test_a_deactivated_service_takes_no_referrals(world):
    service = factories.set_active(world.services["Drug awareness course"], False)
    with pytest.raises(RuleViolation, match="active service"):
        services.send_referral(world.case, world.case.conditions[1], service, by=world.users["officer-north"])
    # Reactivated by the coordinator, it takes them again.
    factories.set_active(service, True)
    services.send_referral(world.case, world.case.conditions[1], service, by=world.users["officer-north"])


# --- capacity -----------------------------------------------------------------------------------------------------


def test_weekly_capacity_and_a_declined_referral_gives_its_place_back(world):
    service = factories.change_service(world.services["Drug awareness course"], weekly_capacity=1)
    first = services.send_referral(world.case, world.case.conditions[1], service, by=world.users["officer-north"])
    assert queries.places_left(service) == 0
    with pytest.raises(RuleViolation, match="no places left this week"):
        services.send_referral(world.case, world.case.conditions[0], service, by=world.users["officer-north"])
    services.decline_referral(first, "Not suitable", by=world.users["freshstart-manager"])
    assert queries.places_left(service) == 1
    services.send_referral(world.case, world.case.conditions[0], service, by=world.users["officer-north"])


def test_suggestions_follow_needs_area_and_who_the_service_is_for(world):
    sex = db.session.get(SpecialCategory, world.case.offender_id).sex  # as the officer's page reads it
    choices = queries.service_choices(world.case, list(world.services.values()), sex=sex)
    rows = {r["service"].name: r for r in choices}
    alcohol = rows["Alcohol awareness course"]
    assert alcohol["suggested"] and alcohol["needs"] == ["Alcohol"] and alcohol["in_area"]  # NT1 4AB in NT
    assert not rows["Drug awareness course"]["suggested"]  # no drugs need assessed
    assert not rows["Women's wrap-around support"]["suits"]  # the demo person is recorded as male
    ordered = [r["service"].name for r in choices]
    assert ordered[0] == "Alcohol awareness course"


# --- the referral dataset -----------------------------------------------------------------------------------------


# The victim of the case below, named in a condition and in the risks: none of it may reach the provider.
KIM = {"given_name": "Kim", "family_name": "Taylor", "address": "3 Station Road, Northtown", "postcode": "NT2 7CD",
       "email": "kim.taylor@example.org", "preferred_channel": "email"}
SPECIAL = {"ethnicity_self_defined": "white_british", "ethnicity_officer_observed": "IC1", "sex": "male"}
# What a provider may know of the person (DOMAIN.md section 6): never ethnicity, sex or health.
PERSON_FIELDS = {"name", "date_of_birth", "address", "postcode", "phone", "email", "preferred_channel", "language",
                 "interpreter_needed", "accessibility_needs"}


def test_the_dataset_carries_no_special_category_or_victim_data(world):
    officer = world.users["officer-north"]
    case = factories.issued(officer, victim=KIM, special=SPECIAL,
                            conditions=(factories.REHABILITATIVE, factories.no_contact(KIM)))
    condition = case.conditions[1]
    assert db.session.get(SpecialCategory, case.offender_id).sex == "male"  # recorded, for the police only
    referral = services.send_referral(case, condition, world.services["Drug awareness course"],
                                      risks=f"Argued with {KIM['family_name']} before", by=officer)
    text = json.dumps(referral.dataset)
    for secret in (KIM["given_name"], KIM["family_name"], KIM["address"], KIM["email"], "white_british", "IC1",
                   "male", "ethnicity"):
        assert secret.lower() not in text.lower(), secret
    d = referral.dataset
    assert set(d["person"]) == PERSON_FIELDS
    assert d["person"]["name"] == case.offender.full_name and d["person"]["postcode"] == case.offender.postcode
    assert d["offences"] == [catalogue.find("TH01").title] and d["case_reference"] == case.reference
    assert any("No contact with the victim" in s for s in d["safeguarding"])
    assert d["officer"]["name"] == officer.display_name and d["deadline"] == case.deadline.isoformat()
    assert d["condition"]["details"] == "No contact with the victim or the victim."
    assert d["risks"] == "Argued with the victim before"


def test_relevant_needs_only(world):
    # The demo assessment: alcohol medium, finance low. The alcohol service hears about alcohol only.
    assert world.sent.dataset["needs"] == [{"domain": "Alcohol", "level": "medium"}]


def test_sending_is_a_disclosure_in_the_audit_log(world):
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "referral.send"))
    assert row.recipients == ["FSR"] and "Jordan" not in json.dumps(row.detail)


# --- appointments and double booking -----------------------------------------------------------------------------


def test_no_double_booking_of_the_same_person(world):
    referral = _accepted(world)
    cw = world.users["freshstart-caseworker"]
    services.book_appointment(referral, starts_at=world.at(1, 10), minutes=60, mode="in_person", place="", by=cw)
    with pytest.raises(RuleViolation, match="already has an appointment"):
        services.book_appointment(referral, starts_at=world.at(1, 10, 30), minutes=60, mode="phone", place="",
                                  by=cw)
    # Another provider's referral for the same person clashes too.
    services.accept_referral(world.sent, cw, by=world.users["freshstart-manager"])
    with pytest.raises(RuleViolation, match="already has an appointment"):
        services.book_appointment(world.sent, starts_at=world.at(1, 9, 30), minutes=31, mode="video", place="",
                                  by=cw)
    # Back to back is fine.
    services.book_appointment(world.sent, starts_at=world.at(1, 11), minutes=30, mode="video", place="", by=cw)
    services.book_appointment(world.sent, starts_at=world.at(1, 9), minutes=60, mode="video", place="", by=cw)


def test_an_appointment_lasts_its_minutes_on_the_day_the_clocks_go_forward(world):
    """28 March 2027: London goes from 01:00 GMT to 02:00 BST. Two hours from 00:30 end at 03:30 BST."""
    from datetime import UTC, datetime

    with clock.frozen(datetime(2027, 3, 27, 12, tzinfo=UTC)):
        referral = _accepted(world)
        start = datetime(2027, 3, 28, 0, 30, tzinfo=clock.LONDON)
        appointment = services.book_appointment(referral, starts_at=start, minutes=120, mode="in_person",
                                                place="Hall", by=world.users["freshstart-caseworker"])
    assert appointment.minutes == 120
    assert appointment.ends_at.astimezone(clock.LONDON).strftime("%H:%M %Z") == "03:30 BST"


def test_reschedule_keeps_history_and_cancel_records_who(world):
    referral = _accepted(world)
    cw = world.users["freshstart-caseworker"]
    a = services.book_appointment(referral, starts_at=world.at(1, 10), minutes=60, mode="in_person", place="",
                                  by=cw)
    b = services.book_appointment(referral, starts_at=world.at(2, 10), minutes=60, mode="in_person", place="",
                                  by=cw)
    with pytest.raises(RuleViolation, match="already has an appointment"):
        services.reschedule(a, starts_at=world.at(2, 10, 30), minutes=60, requested_by="person", reason="Work",
                            version=a.version, by=cw)
    services.reschedule(a, starts_at=world.at(3, 14), minutes=90, requested_by="person", reason="Shift at work",
                        version=a.version, by=cw)
    change = db.session.scalar(select(AppointmentChange).where(AppointmentChange.appointment_id == a.id))
    assert change.requested_by == "person" and change.reason == "Shift at work"
    assert change.old_starts_at == world.at(1, 10) and change.new_starts_at == world.at(3, 14) and a.minutes == 90
    services.cancel(b, party="provider", reason="Staff sickness", version=b.version, by=cw)
    assert b.status is AppointmentStatus.CANCELLED and b.cancelled_by_party == "provider"
    assert b.cancelled_by_id == cw.id
    # The cancelled slot is free again; no outcome can be recorded on it.
    services.book_appointment(referral, starts_at=world.at(2, 10), minutes=60, mode="phone", place="", by=cw)
    with pytest.raises(RuleViolation, match="cancelled"):
        services.record_attendance(b, code="attended", note=None, version=b.version, by=cw)


def test_booking_beyond_the_late_entry_limit_or_for_a_finished_referral_is_refused(world):
    referral = _accepted(world)
    cw = world.users["freshstart-caseworker"]
    with pytest.raises(RuleViolation, match="up to 14 days after it was held"):
        services.book_appointment(referral, starts_at=world.at(-15), minutes=60, mode="phone", place="", by=cw)
    with pytest.raises(RuleViolation, match="from the list"):
        services.book_appointment(referral, starts_at=world.at(1), minutes=60, mode="carrier pigeon", place="",
                                  by=cw)
    with pytest.raises(InvalidTransition):
        services.book_appointment(world.sent, starts_at=world.at(1), minutes=60, mode="phone", place="", by=cw)


def test_a_past_session_within_the_limit_is_entered_late_and_cannot_be_moved_into_the_past(world):
    referral = _accepted(world)
    cw = world.users["freshstart-caseworker"]
    held = services.book_appointment(referral, starts_at=world.at(-14), minutes=60, mode="phone", place="", by=cw)
    assert held.entered_late
    later = services.book_appointment(referral, starts_at=world.at(1), minutes=60, mode="phone", place="", by=cw)
    assert not later.entered_late
    with pytest.raises(RuleViolation, match="today or later"):  # moving a booking is not entering a held session
        services.reschedule(later, starts_at=world.at(-1), minutes=60, requested_by="person", reason="Ill",
                            version=later.version, by=cw)


# --- attendance ---------------------------------------------------------------------------------------------------


def test_a_corrected_outcome_is_what_needs_attention_reads_and_its_timeline_entry_names_the_one_it_corrects(world):
    referral = _accepted(world)
    cw = world.users["freshstart-caseworker"]
    a = services.book_appointment(referral, starts_at=world.at(0, 0, 5), minutes=60, mode="in_person", place="",
                                  by=cw)

    def attention() -> bool:
        return db.session.scalar(select(Case.id).where(Case.id == world.case.id,
                                                       case_attention.missed_appointment())) is not None

    services.record_attendance(a, code="did_not_attend", note="No answer", version=a.version, by=cw)
    assert attention()
    services.record_attendance(a, code="attended", note=None, version=a.version, by=cw)
    assert not attention()  # the latest outcome counts, not any earlier one
    first, second = a.outcome_history
    assert (first.outcome, first.note, second.outcome, second.note) == ("did_not_attend", "No answer", "attended",
                                                                        None)
    missed = db.session.get(TimelineEvent, first.timeline_event_id)
    correction = db.session.get(TimelineEvent, second.timeline_event_id)
    assert missed.kind == "attendance_recorded" and correction.kind == "attendance_corrected"
    assert correction.corrects_id == missed.id and correction.detail["corrected_from"] == "did_not_attend"


@pytest.mark.parametrize("code", list(outcomes()))
def test_attendance_rules_per_code(world, code):
    referral = _accepted(world)
    cw = world.users["freshstart-caseworker"]
    a = services.book_appointment(referral, starts_at=world.at(0, 0, 5), minutes=60, mode="in_person", place="",
                                  by=cw)
    outcome = outcomes()[code]
    if outcome.note_required:
        with pytest.raises(RuleViolation, match="Write a note"):
            services.record_attendance(a, code=code, note="", version=a.version, by=cw)
    services.record_attendance(a, code=code, note="Arrived 20 minutes late", version=a.version, by=cw)
    assert a.outcome == code and a.outcome_by_id == cw.id
    # Whether the case now needs the officer's attention follows the code's can_count, at once.
    attention = db.session.scalar(select(Case.id).where(Case.id == world.case.id,
                                                        case_attention.needs_attention(clock.today(), 0)))
    assert (attention is not None) == outcome.can_count
    event = db.session.scalar(select(TimelineEvent).where(TimelineEvent.kind == "attendance_recorded"))
    assert Audience(event.audiences) == Audience.POLICE | Audience.PROVIDER | Audience.SCRUTINY
    assert event.referral_id == referral.id


def test_the_configured_codes():
    assert set(outcomes()) == {"attended", "late_admitted", "late_refused", "did_not_attend", "excused",
                               "rearranged", "cancelled_by_provider"}
    assert set(counting_codes()) == {"late_refused", "did_not_attend"}
    assert all(outcomes()[c].note_required for c in ("late_admitted", "late_refused", "did_not_attend", "excused"))


def test_attendance_cannot_be_recorded_before_the_day_or_with_an_unknown_code(world):
    referral = _accepted(world)
    cw = world.users["freshstart-caseworker"]
    a = services.book_appointment(referral, starts_at=world.at(1), minutes=60, mode="in_person", place="", by=cw)
    with pytest.raises(RuleViolation, match="from the day"):
        services.record_attendance(a, code="attended", note=None, version=a.version, by=cw)
    with pytest.raises(RuleViolation, match="Choose an attendance outcome"):
        services.record_attendance(a, code="breached", note=None, version=a.version, by=cw)


def test_a_stale_version_is_a_conflict(world):
    referral = _accepted(world)
    cw = world.users["freshstart-caseworker"]
    a = services.book_appointment(referral, starts_at=world.at(0, 0, 5), minutes=60, mode="in_person", place="",
                                  by=cw)
    seen = a.version
    services.record_attendance(a, code="attended", note=None, version=seen, by=cw)
    with pytest.raises(Conflict) as caught:
        services.record_attendance(a, code="did_not_attend", note="No show", version=seen,
                                   by=world.users["freshstart-manager"])
    assert caught.value.current.outcome == "attended"


def test_a_write_that_does_not_say_which_version_it_saw_is_a_conflict(world):
    referral = _accepted(world)
    cw = world.users["freshstart-caseworker"]
    a = services.book_appointment(referral, starts_at=world.at(0, 0, 5), minutes=60, mode="in_person", place="",
                                  by=cw)
    b = services.book_appointment(referral, starts_at=world.at(1, 10), minutes=60, mode="in_person", place="",
                                  by=cw)
    services.record_attendance(a, code="attended", note=None, version=a.version, by=cw)
    manager = world.users["freshstart-manager"]
    for write in (lambda: services.record_attendance(a, code="did_not_attend", note="No show", version=None,
                                                     by=manager),
                  lambda: services.reschedule(b, starts_at=world.at(2, 10), minutes=60, requested_by="person",
                                              reason="Work", version=None, by=cw),
                  lambda: services.cancel(b, party="provider", reason="Unwell", version=None, by=cw)):
        with pytest.raises(Conflict):
            write()
    assert a.outcome == "attended" and b.status is AppointmentStatus.BOOKED and b.starts_at == world.at(1, 10)


def test_two_sessions_writing_the_same_appointment(app, world):
    """Two concurrent writers, each in its own request (its own database session), both holding the same version:
    the one that writes second gets a Conflict from the version column in the UPDATE's WHERE, never a silent
    overwrite (the slower writer's version matches the object it holds, so only the database's check can catch it)."""
    referral = _accepted(world)
    theirs = services.book_appointment(referral, starts_at=world.at(0, 0, 5), minutes=60, mode="in_person",
                                       place="", by=world.users["freshstart-caseworker"])
    db.session.commit()
    seen = theirs.version  # loaded now, as the slower writer's page was
    manager = world.users["freshstart-manager"]
    db.session.refresh(manager)  # the slower request's user, loaded as every request loads it
    with app.app_context():  # another request, with its own session, writes first
        mine = db.session.get(Appointment, theirs.id)
        assert mine is not theirs and mine.version == seen
        services.record_attendance(mine, code="attended", note=None, version=seen,
                                   by=factories.user("freshstart-caseworker"))
        db.session.commit()
    with pytest.raises(Conflict) as caught:
        services.record_attendance(theirs, code="did_not_attend", note="No show", version=seen, by=manager)
    assert caught.value.current is theirs
    db.session.rollback()
    assert theirs.outcome == "attended" and theirs.version > seen


# --- group sessions -------------------------------------------------------------------------------------------


def test_group_session_books_everyone_and_records_in_one_go(world):
    referral = _accepted(world)
    services.accept_referral(world.sent, world.users["freshstart-caseworker"], by=world.users["freshstart-manager"])
    cw = world.users["freshstart-caseworker"]
    session = services.create_group_session(provider_id=referral.provider_id, title="Workshop",
                                            starts_at=world.at(0, 0, 5), minutes=300, mode="in_person",
                                            place="Hall", referrals=[referral], by=cw)
    (a,) = session.appointments
    assert a.group_session_id == session.id and a.minutes == 300
    with pytest.raises(RuleViolation, match="Write a note"):
        services.record_group_attendance(session, {a.id: ("late_refused", "", a.version)}, by=cw)
    with pytest.raises(Conflict):
        services.record_group_attendance(session, {a.id: ("attended", "", a.version - 1)}, by=cw)
    services.record_group_attendance(session, {a.id: ("late_refused", "Arrived at 10:40", a.version)}, by=cw)
    assert a.outcome == "late_refused"
    # The same person, on their other referral, cannot be in an overlapping session.
    with pytest.raises(RuleViolation, match="Jordan Smith: The person already has an appointment"):
        services.create_group_session(provider_id=referral.provider_id, title="Another", starts_at=world.at(0, 1),
                                      minutes=60, mode="in_person", place="Hall", referrals=[world.sent], by=cw)


# --- progress and the end of the service ---------------------------------------------------------------------------


def test_end_of_service_updates_the_condition_and_tells_the_officer(world):
    referral = _accepted(world)
    cw = world.users["freshstart-caseworker"]
    services.add_note(referral, "Engaging well; attended both sessions.", by=cw)
    with pytest.raises(RuleViolation, match="why the service ended early"):
        services.end_referral(referral, "ended_early", summary="Stopped attending", reason="", by=cw)
    with pytest.raises(RuleViolation):
        services.end_referral(referral, "breached", summary="x", reason=None, by=cw)
    services.end_referral(referral, "ended_early", summary="Stopped attending", reason="Moved out of the area",
                          by=cw)
    assert referral.status is ReferralStatus.ENDED_EARLY and referral.end_reason == "Moved out of the area"
    assert referral.condition.outcome == "ended_early" and referral.condition.outcome_on == clock.today()
    event = db.session.scalar(select(TimelineEvent).where(TimelineEvent.kind == "referral_ended"))
    assert Audience.POLICE in Audience(event.audiences) and "officer reviews" in words(event, Audience.POLICE)
    # The case itself is untouched: only an officer decides on non-compliance.
    assert world.case.status is CaseStatus.ISSUED
    with pytest.raises(InvalidTransition):
        services.add_note(referral, "late note", by=cw)


def test_demo_seed_is_idempotent(app, world):
    from app import demo
    from app.auth.models import User
    from app.cases.models import Condition
    from app.organisations.models import Membership, Organisation, Service, Team
    from app.people.models import Person

    def counts():
        return {model.__name__: db.session.scalar(select(db.func.count()).select_from(model))
                for model in (Organisation, Team, User, Membership, Service, Person, Case, Condition, Referral)}

    before = counts()
    demo.seed()
    demo.seed()
    assert counts() == before
    assert {s.name for s in db.session.scalars(select(Service))} == {row[3] for row in demo.DEMO_SERVICES}


def test_demo_seed_adopts_the_personas_of_a_database_seeded_under_a_port(app, ctx):
    """Before the personas had one identity, each port's issuer URL made a new set of them, their cases and a
    referral each time (until the demo service ran out of weekly places). Seeding now takes the earliest over."""
    from app import demo
    from app.auth.models import User

    demo.seed("http://127.0.0.1:5000/dev-idp")
    db.session.commit()
    cases, users = (db.session.scalar(select(db.func.count()).select_from(m)) for m in (Case, User))
    demo.seed()
    demo.seed()
    assert db.session.scalar(select(db.func.count()).select_from(Case)) == cases
    assert db.session.scalar(select(db.func.count()).select_from(User)) == users
    assert set(db.session.scalars(select(User.issuer))) == {demo.IDENTITY}


def test_the_inbox_lists_the_appointments_of_open_work_only(ctx, demo_data):
    """An appointment left without an outcome when its service ended is not asked for again: once the report is
    in, nothing more can be recorded on it. The inbox reads only the referrals still being worked on."""
    case = factories.issued(conditions=(factories.REHABILITATIVE, factories.REHABILITATIVE | {"details": "Second"}))
    worker, manager = factories.user("freshstart-caseworker"), factories.user("freshstart-manager")
    ending = factories.accepted(case)
    going = factories.accepted(case, condition=1)
    past = factories.at(-3)  # three days ago, no outcome yet
    left = factories.appointment(ending, past)
    kept = factories.appointment(going, past + timedelta(hours=2))
    assert {a.id for a in queries.inbox(worker).to_record} == {left.id, kept.id}
    services.end_referral(ending, "completed", summary="Came to the rest", reason=None, by=manager)
    assert [a.id for a in queries.inbox(worker).to_record] == [kept.id]
    assert [a.id for a in queries.inbox(manager).to_record] == [kept.id]
