"""The caution document: the exact words the person signs, from templates/cases/caution_document.txt."""

from __future__ import annotations

import hashlib

from flask import render_template

from app import clock
from app.cases.models import Case
from app.cases.packs import disposal_of
from app.cases.queries import planned_deadline


def caution_text(case: Case) -> str:
    """Generated from the case as it is now. Signing stores this text, and its hash, unchanged."""
    return render_template("cases/caution_document.txt", case=case, person=case.offender,
                           disposal=disposal_of(case), deadline=case.deadline or planned_deadline(case),
                           today=clock.today()) + "\n"


def document_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
