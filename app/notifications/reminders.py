"""Reminders: what each party is reminded of, and when (config/notifications.yaml).

The same functions serve the services (an appointment booked, moved or cancelled writes its reminders in the
same transaction) and the sweep job (which catches what is due soon and not yet written: deadlines, outcomes not
recorded, appointments booked before reminders existed). Keys make both safe to repeat. Messages to the person
cautioned carry only their own appointment: never the offence, the caution, the victim or the police."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import select

from app import clock
from app.cases import packs
from app.formats import long_date, time_of_day
from app.i18n import N_
from app.notifications import services, timings
from app.notifications.models import Audience
from app.referrals.models import Appointment

# Stored in English; the message translates them when it is written in another language (marked for the catalogue).
MODES_SAID = {"phone": N_("by phone: they will call you"), "video": N_("by video call: they will send you the link")}


def contact(person, medium: str) -> tuple[str | None, str | None]:
    """(the person's working address or number for `medium`, or why there is none)."""
    if medium == "sms":
        return (person.phone, None) if person.phone and not person.phone_failed_at else (None, "no working number")
    return (person.email, None) if person.email and not person.email_failed_at else (None, "no working address")


def person_medium(person) -> str | None:
    """The person's own choice of channel, if it is one a reminder can use and it works."""
    if person.reminders_opt_out or person.preferred_channel not in ("sms", "email"):
        return None
    return person.preferred_channel if contact(person, person.preferred_channel)[0] else None


def day_words(moment: datetime) -> str:
    local = moment.astimezone(clock.LONDON)
    return f"{local:%A} {long_date(local.date())}"


def appointment_details(appointment, service, case) -> dict:
    """What a reminder says: when, where or how, what to bring, who to call to rearrange, and what missing it can
    mean."""
    with force_locale("en"):  # stored in English, whoever's request writes it; each message translates them
        day, time = day_words(appointment.starts_at), time_of_day(appointment.starts_at)
    return {"day": day, "time": time,
            "place": appointment.place if appointment.mode == "in_person" else None,
            "bring": appointment.what_to_bring,
            "how": MODES_SAID.get(appointment.mode), "provider": service.provider.name,
            "phone": service.contact_phone, "consequence": packs.disposal_of(case).reminder_text}


def _stamp(moment: datetime) -> str:
    return moment.astimezone(clock.LONDON).strftime("%Y%m%dT%H%M")


def appointment_rows(appointment, *, person, case, service, booked_at: datetime, window=None) -> list[dict]:
    """The reminders of one appointment: one per configured day before it, at the configured hour, leaving out
    any whose time had passed when it was booked (or, with `window`, falls outside (start, end])."""
    medium = person_medium(person)
    if medium is None:
        return []
    t = timings.get()
    day = appointment.starts_at.astimezone(clock.LONDON).date()
    rows, details = [], None
    for days in t.appointment_days_before:
        due = timings.at_london(day - timedelta(days=days), t.send_at)
        if due < booked_at or due >= appointment.starts_at:
            continue
        if window and not window[0] < due <= window[1]:
            continue
        details = details or appointment_details(appointment, service, case)
        rows.append(services.row(
            f"reminder:{appointment.public_id}:{days}:{_stamp(appointment.starts_at)}", audience=Audience.OFFENDER,
            template="appointment_reminder", medium=medium, personalisation=details | {"days": days}, due_at=due,
            person_id=person.id, case_id=case.id, provider_id=service.provider_id, appointment_id=appointment.id))
    return rows


def change_row(appointment, *, person, case, service, change: str, old_start: datetime) -> list[dict]:
    """The notice that an appointment moved or was cancelled, sent now (after quiet hours for a text)."""
    medium = person_medium(person)
    if medium is None:
        return []
    details = appointment_details(appointment, service, case) | {
        "change": change, "old_day": day_words(old_start), "old_time": time_of_day(old_start)}
    return [services.row(f"change:{appointment.public_id}:{change}:{_stamp(old_start)}:{appointment.version}",
                         audience=Audience.OFFENDER, template=f"appointment_{change}", medium=medium,
                         personalisation=details, person_id=person.id, case_id=case.id,
                         provider_id=service.provider_id, appointment_id=appointment.id)]


def booked(appointment, referral) -> int:
    case = referral.case
    return services.write(appointment_rows(appointment, person=case.offender, case=case, service=referral.service,
                                           booked_at=clock.now()))


def moved(appointment, referral, old_start: datetime) -> int:
    """Cancel the reminders of the old time, write the new time's, and tell the person."""
    services.cancel_pending(appointments=[appointment.id])
    case = referral.case
    who = {"person": case.offender, "case": case, "service": referral.service}
    return services.write(appointment_rows(appointment, booked_at=clock.now(), **who)
                          + change_row(appointment, change="moved", old_start=old_start, **who))


def cancelled(appointment, referral) -> int:
    services.cancel_pending(appointments=[appointment.id])
    case = referral.case
    return services.write(change_row(appointment, person=case.offender, case=case, service=referral.service,
                                     change="cancelled", old_start=appointment.starts_at))


# The keys of what reminds the person, the caseworker and the officer of a live case (the planner's and the
# booking's): none of them is wanted once the case or the service ended.
REMINDERS = ("reminder:", "deadline:", "officer-deadline:", "outcome-due:")


def service_ended(referral) -> int:
    """The end-of-service report: no more reminders of the referral's appointments still booked."""
    return services.cancel_pending(appointments=select(Appointment.id).where(Appointment.referral_id == referral.id),
                                   key_prefix=REMINDERS)


def case_ended(case) -> int:
    """Completed, or ended for non-compliance: the person is not reminded of anything more."""
    return services.cancel_pending(case_id=case.id, key_prefix=REMINDERS)
