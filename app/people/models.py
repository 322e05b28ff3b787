"""Offenders and victims. Special-category data sits in its own table, read only through app.access."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import PublicIdMixin, TimestampMixin
from app.extensions import db


class Person(PublicIdMixin, TimestampMixin, db.Model):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date | None]
    address: Mapped[str | None] = mapped_column(String(500))
    postcode: Mapped[str | None] = mapped_column(String(10))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    preferred_channel: Mapped[str | None] = mapped_column(String(16))  # post, email, sms, phone, portal
    language: Mapped[str | None] = mapped_column(String(64))
    interpreter_needed: Mapped[bool] = mapped_column(default=False, server_default=false())
    accessibility_needs: Mapped[str | None] = mapped_column(String(1000))
    # Reminders: the person asked for none; or a channel said this address or number can never work (set back to
    # None when it is corrected).
    reminders_opt_out: Mapped[bool] = mapped_column(default=False, server_default=false())
    email_failed_at: Mapped[datetime | None]
    phone_failed_at: Mapped[datetime | None]
    # The sign-in identity an invitation linked to this record (once; one identity may hold several records).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    special_category: Mapped[SpecialCategory | None] = relationship(back_populates="person", lazy="raise")

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class SpecialCategory(db.Model):
    """Special-category data (DPA 2018 s.35): kept apart so that no ordinary query or join reaches it."""

    __tablename__ = "person_special_category"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    ethnicity_self_defined: Mapped[str | None] = mapped_column(String(64))  # ONS 2021 category code, as the person said
    ethnicity_officer_observed: Mapped[str | None] = mapped_column(String(8))  # officer-observed (IC) code
    sex: Mapped[str | None] = mapped_column(String(16))
    health_notes: Mapped[str | None] = mapped_column(String(2000))

    person: Mapped[Person] = relationship(back_populates="special_category")


# Self-defined ethnicity: the ONS 2021 Census categories for England and Wales (code -> words), grouped.
ETHNICITY_GROUPS: dict[str, list[tuple[str, str]]] = {
    "Asian or Asian British": [("asian_bangladeshi", "Bangladeshi"), ("asian_chinese", "Chinese"),
                               ("asian_indian", "Indian"), ("asian_pakistani", "Pakistani"),
                               ("asian_other", "Any other Asian background")],
    "Black, Black British, Caribbean or African": [("black_african", "African"), ("black_caribbean", "Caribbean"),
                                                   ("black_other", "Any other Black, Black British or Caribbean "
                                                                   "background")],
    "Mixed or multiple ethnic groups": [("mixed_white_asian", "White and Asian"),
                                       ("mixed_white_black_african", "White and Black African"),
                                       ("mixed_white_black_caribbean", "White and Black Caribbean"),
                                       ("mixed_other", "Any other Mixed or multiple ethnic background")],
    "White": [("white_british", "English, Welsh, Scottish, Northern Irish or British"), ("white_irish", "Irish"),
              ("white_gypsy_traveller", "Gypsy or Irish Traveller"), ("white_roma", "Roma"),
              ("white_other", "Any other White background")],
    "Other ethnic group": [("other_arab", "Arab"), ("other_any", "Any other ethnic group")],
}
ETHNICITIES: dict[str, str] = {code: f"{group}: {words}" for group, items in ETHNICITY_GROUPS.items()
                               for code, words in items} | {"not_stated": "Prefers not to say"}
# Officer-observed ethnicity: the police IC codes.
OBSERVED_CODES: dict[str, str] = {
    "IC1": "IC1 White, North European", "IC2": "IC2 White, South European", "IC3": "IC3 Black",
    "IC4": "IC4 Asian", "IC5": "IC5 Chinese, Japanese or other South East Asian",
    "IC6": "IC6 Arab or North African", "IC9": "IC9 Unknown",
}
SEXES: dict[str, str] = {"female": "Female", "male": "Male", "not_stated": "Prefers not to say"}
CHANNELS: dict[str, str] = {"post": "Post", "email": "Email", "sms": "Text message", "phone": "Phone call",
                            "portal": "Resolve (online)"}


class CalendarFeed(PublicIdMixin, db.Model):
    """A member of the public's private calendar feed of their appointments (app/people/calendar.py). The feed's
    address carries a random token; only its SHA-256 is kept. Revoked, never deleted: a new feed is a new row."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
