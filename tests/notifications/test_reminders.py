"""Reminders to the person cautioned: one per configured day before an appointment, at the configured hour in UK
time, only those still ahead when it was booked; moved and cancelled with it; the person's channel and opt-out
respected. The clock is set to fixed moments (a week in March 2027 crossing the change to summer time)."""

from __future__ import annotations

from datetime import timedelta

from app import clock
from app.cases import corrections
from app.extensions import db
from app.jobs import scheduler
from app.notifications import timings
from app.notifications.models import NotificationStatus
from app.referrals import services as referrals
from tests import factories
from tests.notifications.helpers import case_for, london, pending, rows, utc

T = timings.get()


def _due_days(found) -> list[int]:
    return [n.personalisation["days"] for n in found]


def test_each_configured_day_before_at_the_configured_hour(ctx, demo_data):
    with clock.frozen(london(2027, 6, 1, 9, 0)):
        case, sent = case_for("sms")
        starts = london(2027, 6, 15, 14, 30)
        factories.appointment(sent, starts)
        found = pending()
    assert _due_days(found) == list(T.appointment_days_before) == [7, 3, 1]
    for n, days in zip(found, T.appointment_days_before, strict=True):
        assert n.next_attempt_at == timings.at_london(starts.date() - timedelta(days=days), T.send_at)
        assert n.medium == "sms" and n.person_id == case.offender_id and n.case_id == case.id
    assert found[0].personalisation["day"] == "Tuesday 15 June 2027" and found[0].personalisation["time"] == "2:30pm"


def test_only_reminders_still_ahead_when_booked(ctx, demo_data):
    """Booked 5 days ahead: no 7-day reminder. Booked the day before, after the hour: none at all."""
    with clock.frozen(london(2027, 6, 1, 9, 0)):
        _, sent = case_for("email")
        factories.appointment(sent, london(2027, 6, 6, 11, 0))
        assert _due_days(pending()) == [3, 1]
    with clock.frozen(london(2027, 6, 7, 10, 0, 1)):  # a second after the day-before reminder's time
        factories.appointment(sent, london(2027, 6, 8, 11, 0))
        assert _due_days(pending())[-1] == 1 and len(pending()) == 2  # only the earlier appointment's
    with clock.frozen(london(2027, 6, 7, 10, 0, 0)):  # exactly at it: still ahead
        factories.appointment(sent, london(2027, 6, 8, 15, 0))
        assert len(pending()) == 3


def test_across_the_change_to_summer_time(ctx, demo_data):
    """The clocks go forward at 01:00 UTC on 28 March 2027: the hour stays 10am in UK time either side."""
    with clock.frozen(london(2027, 3, 20, 9, 0)):
        _, sent = case_for("sms")
        factories.appointment(sent, london(2027, 3, 29, 10, 0))
    three, one = [n.next_attempt_at for n in pending()][1:]
    assert three == utc(2027, 3, 26, 10, 0)  # 10am GMT
    assert one == utc(2027, 3, 28, 9, 0)  # 10am BST


def test_rescheduling_cancels_the_old_reminders_writes_new_ones_and_tells_the_person(ctx, demo_data):
    with clock.frozen(london(2027, 6, 1, 9, 0)):
        _, sent = case_for("sms")
        appointment = factories.appointment(sent, london(2027, 6, 15, 14, 0))
        old = pending()
        referrals.reschedule(appointment, starts_at=london(2027, 6, 22, 14, 0), minutes=60, requested_by="person",
                             reason="Working that day", version=appointment.version, by=factories.user(
                                 "freshstart-caseworker"))
        assert all(n.status is NotificationStatus.CANCELLED for n in old)
        new = pending()
        notice = pending("appointment_moved")
    assert [n.next_attempt_at.astimezone(clock.LONDON).date().isoformat() for n in new] == [
        "2027-06-15", "2027-06-19", "2027-06-21"]
    assert len(notice) == 1 and notice[0].personalisation["old_day"] == "Tuesday 15 June 2027"
    assert notice[0].personalisation["day"] == "Tuesday 22 June 2027"


def test_cancelling_cancels_its_reminders_and_tells_the_person(ctx, demo_data):
    with clock.frozen(london(2027, 6, 1, 9, 0)):
        _, sent = case_for("email")
        appointment = factories.appointment(sent, london(2027, 6, 15, 14, 0))
        referrals.cancel(appointment, party="provider", reason="Facilitator ill", version=appointment.version,
                         by=factories.user("freshstart-caseworker"))
        assert pending() == []
        assert len(rows(template="appointment_reminder", status=NotificationStatus.CANCELLED)) == 3
        assert len(pending("appointment_cancelled")) == 1


def test_a_text_message_due_in_quiet_hours_waits_until_they_end(ctx, demo_data):
    with clock.frozen(london(2027, 6, 1, 22, 30)):  # a change notice written at 10:30pm
        _, sent = case_for("sms")
        appointment = factories.appointment(sent, london(2027, 6, 15, 14, 0))
        referrals.cancel(appointment, party="provider", reason="Room closed", version=appointment.version,
                         by=factories.user("freshstart-caseworker"))
        notice, = pending("appointment_cancelled")
    assert notice.next_attempt_at == timings.at_london(london(2027, 6, 2).date(), T.quiet_until)
    with clock.frozen(london(2027, 6, 1, 22, 30)):
        _, sent = case_for("email")
        appointment = factories.appointment(sent, london(2027, 6, 15, 16, 0))
        referrals.cancel(appointment, party="provider", reason="Room closed", version=appointment.version,
                         by=factories.user("freshstart-caseworker"))
        email = [n for n in pending("appointment_cancelled") if n.medium == "email"]
    assert email[0].next_attempt_at == london(2027, 6, 1, 22, 30)  # an email is not held back


def test_quiet_hours_boundaries():
    assert timings.in_quiet_hours(london(2027, 6, 1, 21, 0)) and timings.in_quiet_hours(london(2027, 6, 2, 7, 59))
    assert not timings.in_quiet_hours(london(2027, 6, 1, 20, 59)) and not timings.in_quiet_hours(
        london(2027, 6, 2, 8, 0))
    assert timings.after_quiet_hours(london(2027, 6, 2, 3, 0)) == london(2027, 6, 2, 8, 0)


def test_opted_out_or_no_electronic_channel_means_no_reminders(ctx, demo_data):
    with clock.frozen(london(2027, 6, 1, 9, 0)):
        _, sent = case_for("sms", opt_out=True)
        factories.appointment(sent, london(2027, 6, 15, 14, 0))
        _, by_post = case_for("post")
        factories.appointment(by_post, london(2027, 6, 15, 16, 0))
        assert rows() == []


def test_the_sweep_writes_what_the_booking_could_not_and_never_twice(app, ctx, demo_data):
    """Chose post when booked, then text messages: the sweep writes the reminders due within a day."""
    with clock.frozen(london(2027, 6, 1, 9, 0)):
        case, sent = case_for("post")
        factories.appointment(sent, london(2027, 6, 15, 14, 0))
        db.session.commit()
    with clock.frozen(london(2027, 6, 14, 9, 0)):
        corrections.correct_contact_details(case, case.offender, {"preferred_channel": "sms"},
                                            by=factories.user("officer-north"))
        db.session.commit()
        scheduler.run_once(app, "plan-reminders")
        scheduler.run_once(app, "plan-reminders")
        found = pending()
    assert _due_days(found) == [1]


def test_deadline_reminders_for_the_person_and_the_officer(app, ctx, demo_data):
    with clock.frozen(london(2027, 6, 1, 9, 0)):
        case, _ = case_for("email")
        deadline = case.deadline
        db.session.commit()
    for days in T.deadline_days_before:
        with clock.frozen(timings.at_london(deadline - timedelta(days=days), T.send_at) - timedelta(hours=2)):
            scheduler.run_once(app, "plan-reminders")
            scheduler.run_once(app, "plan-reminders")
    found = pending("deadline_reminder")
    assert _due_days(found) == list(T.deadline_days_before)
    assert found[0].next_attempt_at == timings.at_london(deadline - timedelta(days=T.deadline_days_before[0]),
                                                         T.send_at)
    officer = rows(template="deadline_officer")
    assert {n.medium for n in officer} == {"in_app", "email"}
    assert officer[0].personalisation["reference"] == case.reference


def test_the_caseworker_is_reminded_when_a_session_ended_with_no_outcome(app, ctx, demo_data):
    with clock.frozen(london(2027, 6, 1, 9, 0)):
        case, sent = case_for("sms")
        appointment = factories.appointment(sent, london(2027, 6, 2, 10, 0))  # 10am to 11am
        db.session.commit()
    ended = appointment.ends_at
    with clock.frozen(ended + timedelta(hours=T.outcome_due_hours) - timedelta(minutes=1)):
        scheduler.run_once(app, "plan-reminders")
    assert rows(template="outcome_due") == []
    with clock.frozen(ended + timedelta(hours=T.outcome_due_hours)):
        scheduler.run_once(app, "plan-reminders")
        scheduler.run_once(app, "plan-reminders")
    found = rows(template="outcome_due")
    caseworker = factories.user("freshstart-caseworker")
    assert {(n.medium, n.user_id, n.provider_id) for n in found} == {
        ("in_app", caseworker.id, sent.provider_id), ("email", caseworker.id, sent.provider_id)}
    assert found[0].personalisation["link"].endswith(f"/referrals/{sent.public_id}")
    assert case.offender.given_name not in str(found[0].personalisation)
