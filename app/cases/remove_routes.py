"""The confirmation pages before something is removed from a case: each says what else changes and posts to the
remove route (app/cases/routes.py). A page of its own without JavaScript; with htmx, the same page's `confirm`
block is shown in a dialog."""

from __future__ import annotations

from flask import url_for
from flask_login import login_required

from app import access
from app.cases import removal
from app.cases.routes import _viewed, bp
from app.formats import long_date
from app.web.htmx import is_partial, render


def _confirm_page(case, *, title: str, what: str, changes: list[str], action: str, back: str, button: str):
    _viewed(case, "remove from case")
    return render("cases/remove.html", "confirm", case=case, title=title, what=what, changes=changes, action=action,
                  back=back, button=button, in_dialog=is_partial())


@bp.get("/<case_id>/offences/<offence_id>/remove")
@login_required
def confirm_remove_offence(case_id: str, offence_id: str):
    case = access.case_or_404(case_id, need="edit", load=access.CASE_WORK)
    link = access.case_offence_or_404(case, offence_id)
    when = link.committed_on
    return _confirm_page(case, title="Remove this offence?", what=f"{link.offence.title}, on {long_date(when)}",
                         changes=removal.offence_changes(case, link),
                         action=url_for("cases.remove_offence", case_id=case.public_id, offence_id=link.public_id),
                         back=url_for("cases.offences", case_id=case.public_id), button="Remove offence")


@bp.get("/<case_id>/victims/<victim_id>/remove")
@login_required
def confirm_remove_victim(case_id: str, victim_id: str):
    case = access.case_or_404(case_id, need="edit", load=access.CASE_WORK)
    link = access.case_victim_or_404(case, victim_id)
    return _confirm_page(case, title="Remove this victim?", what=link.person.full_name,
                         changes=removal.victim_changes(case, link),
                         action=url_for("cases.remove_victim", case_id=case.public_id, victim_id=link.person.public_id),
                         back=url_for("cases.victims", case_id=case.public_id), button="Remove victim")


@bp.get("/<case_id>/conditions/<condition_id>/remove")
@login_required
def confirm_remove_condition(case_id: str, condition_id: str):
    case = access.case_or_404(case_id, need="edit", load=access.CASE_WORK)
    condition = access.condition_or_404(case, condition_id)
    n = case.conditions.index(condition) + 1
    return _confirm_page(case, title=f"Remove condition {n}?", what=condition.details,
                         changes=removal.condition_changes(case, condition),
                         action=url_for("cases.remove_condition", case_id=case.public_id,
                                        condition_id=condition.public_id),
                         back=url_for("cases.conditions", case_id=case.public_id), button=f"Remove condition {n}")
