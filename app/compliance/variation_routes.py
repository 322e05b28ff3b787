"""Varying the conditions with the person, on the cases blueprint: the variation's page (the conditions as varied
and the new deadline), adding, changing, removing and keeping a condition, the next version of the caution document
to sign, and withdrawing. Who may: `access.can_decide_compliance` (never a provider); earlier versions of the
document are readable by anyone who may see the case."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user, login_required

from app import access
from app.cases import readiness
from app.cases.decision_forms import CONDITION_LABELS, ConditionForm
from app.cases.document import document_hash
from app.cases.forms import ConfirmForm
from app.cases.packs import disposal_of
from app.cases.routes import _viewed, bp
from app.compliance import variations
from app.compliance.forms import VariationDeadlineForm, VariationSignatureForm, WithdrawVariationForm
from app.compliance.routes import _decidable
from app.web.forms import form_status
from app.web.htmx import redirect_to, render


def _variation(case_id: str, variation_id: str):
    """The case (with what a variation reads of it) and its variation, for those who decide on it."""
    case = _decidable(case_id, load=access.CASE_VARY)
    return case, access.variation_or_404(case, variation_id)


def _back(case, variation):
    return redirect_to(".variation", case_id=case.public_id, variation_id=variation.public_id)


def _condition_form(case, **kw) -> ConditionForm:
    form = ConditionForm(**kw)
    form.set_choices(disposal_of(case), readiness.remedy_requests(case))
    return form


@bp.route("/<case_id>/variations/<variation_id>", methods=["GET", "POST"])
@login_required
def variation(case_id: str, variation_id: str):
    """The conditions as they will stand once signed, each kept, changed, added or removed; the new deadline."""
    case, found = _variation(case_id, variation_id)
    form = _deadline_form(found)
    if form.validate_on_submit() and form.attempt(lambda: variations.set_deadline(
            found, form.deadline.data, form.extension_reason.data, by=current_user)):
        return _back(case, found)
    if not form.is_submitted():
        _viewed(case, "vary the conditions")
    return _page(case, found, form, status=form_status(form))


def _deadline_form(found, **kw) -> VariationDeadlineForm:
    return VariationDeadlineForm(data={"deadline": found.deadline, "extension_reason": found.extension_reason}, **kw)


def _page(case, found, form, *, status: int, refused=None):
    """The variation's page: its conditions, what stops the signature (while open), the deadline form, and the
    refusal of a removal, if any."""
    proposed = variations.with_conditions(found)
    extra = {"refused": refused} if refused is not None else {}
    return render("compliance/variation.html", case=case, variation=found, form=form, proposed=proposed,
                  labels=CONDITION_LABELS, approval=variations.approval_of(found), status=status,
                  problems=variations.problems(found, proposed) if found.status.value == "proposed" else [], **extra)


def _condition_page(case, found, form, condition=None):
    if not form.is_submitted():
        _viewed(case, "vary the conditions")
    return render("compliance/variation_condition.html", case=case, variation=found, form=form, condition=condition,
                  disposal=disposal_of(case), deadline=found.deadline, status=form_status(form))


@bp.route("/<case_id>/variations/<variation_id>/conditions/new", methods=["GET", "POST"])
@login_required
def variation_add(case_id: str, variation_id: str):
    case, found = _variation(case_id, variation_id)
    form = _condition_form(case)
    if form.handle(lambda: variations.add(found, form.values(), by=current_user),
                   check=lambda values: variations.check(found, values)):
        return _back(case, found)
    return _condition_page(case, found, form)


@bp.route("/<case_id>/variations/<variation_id>/conditions/<condition_id>", methods=["GET", "POST"])
@login_required
def variation_change(case_id: str, variation_id: str, condition_id: str):
    """Change a condition in force (its replacement is proposed), or a proposal as it stands."""
    case, found = _variation(case_id, variation_id)
    condition = access.variation_condition_or_404(found, condition_id)
    shown = variations.proposal_for(found, condition, variations.with_conditions(found)) or condition
    remedy = {"remedy_for": readiness.victim_key(shown.remedy_for)} if shown.remedy_for else None
    form = _condition_form(case, obj=shown, data=remedy if request.method == "GET" else None)
    if form.handle(lambda: variations.change(found, condition, form.values(), by=current_user),
                   check=lambda values: variations.check(found, values, condition)):
        return _back(case, found)
    return _condition_page(case, found, form, condition)


@bp.post("/<case_id>/variations/<variation_id>/conditions/<condition_id>/<action>")
@login_required
def variation_remove(case_id: str, variation_id: str, condition_id: str, action: str):
    """`remove`: a condition in force ends once signed (a proposal is dropped); `keep`: undo that."""
    if action not in ("remove", "keep"):
        abort(404)
    case, found = _variation(case_id, variation_id)
    condition = access.variation_condition_or_404(found, condition_id)
    form = ConfirmForm()
    change = variations.remove if action == "remove" else variations.keep
    if form.validate_on_submit() and form.attempt(lambda: change(found, condition, by=current_user)):
        return _back(case, found)
    return _page(case, found, _deadline_form(found, formdata=None), status=422, refused=form)


@bp.route("/<case_id>/variations/<variation_id>/document", methods=["GET", "POST"])
@login_required
def variation_document(case_id: str, variation_id: str):
    """The next version of the caution document, to print and sign; then the signature, with the consent."""
    case, found = _variation(case_id, variation_id)
    if found.status.value != "proposed":
        abort(404)
    proposed = variations.with_conditions(found)
    text = variations.text(found, proposed)
    form = VariationSignatureForm(data={"document_hash": document_hash(text)} if request.method == "GET" else None)
    if form.validate_on_submit() and form.attempt(lambda: variations.sign(
            found, signed_by_name=form.signed_by_name.data, shown_hash=form.document_hash.data,
            administered_by=form.administered_by.data, by=current_user)):
        return redirect_to(".document", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "varied caution document")
    return render("compliance/variation_document.html", case=case, variation=found, form=form, text=text,
                  blockers=variations.problems(found, proposed), status=form_status(form))


@bp.route("/<case_id>/variations/<variation_id>/withdraw", methods=["GET", "POST"])
@login_required
def variation_withdraw(case_id: str, variation_id: str):
    case, found = _variation(case_id, variation_id)
    form = WithdrawVariationForm()
    if form.validate_on_submit() and form.attempt(lambda: variations.withdraw(
            found, because=form.because.data, by=current_user)):
        return redirect_to(".show", case_id=case.public_id)
    if not form.is_submitted():
        _viewed(case, "withdraw a variation")
    return render("compliance/variation_withdraw.html", case=case, variation=found, form=form,
                  status=form_status(form))


@bp.get("/<case_id>/document/<int:version>")
@login_required
def document_version(case_id: str, version: int):
    """An earlier (or the latest) signed version of the caution document, as it was signed."""
    case = access.document_case_or_404(case_id, sign=False)
    signed = next((d for d in case.documents if d.version == version), None)
    if signed is None:
        abort(404)
    _viewed(case, "caution document")
    return render("cases/document.html", case=case, form=None, text=signed.text, signed=signed,
                  versions=case.documents, blockers=[], status=200)
