"""The caution document: the exact words the person signs, from templates/cases/caution_document.txt."""

from __future__ import annotations

import hashlib

from flask import render_template

from app import clock
from app.cases.models import Case
from app.cases.packs import disposal_of
from app.cases.queries import planned_deadline


def caution_text(case: Case, variation=None, conditions=None) -> str:
    """Generated from the case as it is now. Signing stores this text, and its hash, unchanged. With a variation
    of the conditions after issue: the next version, with the `conditions` as varied and the variation's
    deadline, saying which version it replaces."""
    return render_template("cases/caution_document.txt", case=case, person=case.offender,
                           disposal=disposal_of(case), today=clock.today(), variation=variation,
                           conditions=case.conditions if conditions is None else conditions,
                           deadline=variation.deadline if variation else case.deadline or planned_deadline(case),
                           previous=case.document if variation else None,
                           given_on=case.issued_on or clock.today()) + "\n"


def document_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
