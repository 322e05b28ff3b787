"""The police view of a case."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required

from app import access
from app.audit import services as audit
from app.extensions import db
from app.web.htmx import render

bp = Blueprint("cases", __name__, url_prefix="/cases")


@bp.get("/<case_id>")
@login_required
def show(case_id: str):
    case = access.case_or_404(case_id)
    audit.record("case.view", actor=current_user, obj=case, purpose="case management")
    timeline = db.session.scalars(access.visible_timeline(current_user, case)).all()
    db.session.commit()
    return render("cases/show.html", "timeline", case=case, timeline=timeline)
