"""Offenders and victims. Special-category data sits in its own table, read only through app.access."""

from __future__ import annotations

from datetime import date

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
