"""The person cautioned's own pages: their case (what they must do, their appointments, who to contact) and the
signed document of it. Authorised by app/access_public.py; every view is audited."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from app import access
from app.audit import views
from app.cases import own
from app.cases.models import Case
from app.web.htmx import render

bp = Blueprint("my", __name__, url_prefix="/my")
views.shows_personal_data(bp)


@bp.get("/cases/<case_id>")
@login_required
def case(case_id: str):
    found = access.own_case_or_404(case_id, load=(joinedload(Case.officer),))
    shown = own.own_case(found)
    views.viewed("case.view", found, purpose="own record (offender)")
    return render("my/case.html", case=found, own=shown)


@bp.get("/cases/<case_id>/document")
@login_required
def document(case_id: str):
    found = access.own_case_or_404(case_id)
    access.require(access.can_read_own_document(current_user, found))
    views.viewed("case.document.view", found, purpose="own signed document (offender)")
    return render("my/document.html", case=found, document=found.document)
