"""A community caution's financial penalty (PCSC 2022 Part 6): imposed by the officer's decision on a flag, at most
the amount the pack holds (none while the regulations are unmade: then it is not offered), payable within the
pack's days. The officer records the payment with the evidence seen; unpaid by its date, the sweep flags it and the
officer produces the registration certificate's data, registrable as a fine. Flushes; never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app import clock
from app.audit import services as audit
from app.cases.models import Case
from app.cases.packs import disposal_of
from app.compliance.models import ComplianceDecision, FinancialPenalty, FlagKind
from app.compliance.services import clear_flags
from app.errors import InvalidTransition, Problem, RuleViolation
from app.extensions import db
from app.formats import long_date, money
from app.timeline.services import OFFENDER, POLICE, SCRUTINY
from app.timeline.services import record as timeline


def amount_problems(case: Case, amount: int | None) -> list[Problem]:
    """The amount must be given, and at most the pack's maximum."""
    rule = disposal_of(case).penalty
    if rule is None or not rule.available:
        return [Problem("decision", "A financial penalty is not available: the amount is not set (no regulations "
                                    "are made).")]
    if amount is None:
        return [Problem("penalty_pounds", "Enter the amount of the financial penalty, in whole pounds.")]
    if not 1 <= amount <= rule.maximum_pounds:
        return [Problem("penalty_pounds", f"The financial penalty must be between £1 and "
                                          f"{money(rule.maximum_pounds)}.")]
    return []


def impose(case: Case, made: ComplianceDecision, amount: int, *, by) -> FinancialPenalty:
    """Payable within the pack's days from today."""
    today = clock.today()
    penalty = FinancialPenalty(case=case, decision=made, amount_pounds=amount, imposed_on=today,
                               due_on=today + timedelta(days=disposal_of(case).penalty.days_to_pay))
    db.session.add(penalty)
    db.session.flush()
    timeline(case, "penalty_imposed", to=POLICE | OFFENDER | SCRUTINY, by=by, amount=amount,
             due_on=penalty.due_on.isoformat())
    audit.record("penalty.impose", actor=by, obj=case, detail={"amount": amount})
    return penalty


def unpaid_key(penalty: FinancialPenalty) -> str:
    return f"{FlagKind.PENALTY_UNPAID.value}:{penalty.public_id}"


def unpaid_reason(amount: int, due_on: date) -> str:
    return f"Financial penalty of {money(amount)} not paid by {long_date(due_on)}: produce the registration data"


def _settle(penalty: FinancialPenalty, because: str) -> None:
    clear_flags(key=unpaid_key(penalty), because=because)


def _unpaid(penalty: FinancialPenalty) -> None:
    if penalty.paid_on is not None:
        raise InvalidTransition(f"This penalty was recorded paid on {long_date(penalty.paid_on)}.")


def record_payment(penalty: FinancialPenalty, *, paid_on: date | None, evidence: str | None, by) -> None:
    """Paid on a day between its imposition and today, with the evidence seen."""
    _unpaid(penalty)
    problems = []
    if paid_on is None:
        problems.append(Problem("paid_on", "Enter the date it was paid."))
    elif not penalty.imposed_on <= paid_on <= clock.today():
        problems.append(Problem("paid_on", "The date it was paid must be between the day it was imposed and today."))
    if not (evidence or "").strip():
        problems.append(Problem("evidence", "Say what evidence of the payment you saw, for example a receipt."))
    if problems:
        raise RuleViolation(problems)
    penalty.paid_on, penalty.payment_evidence, penalty.payment_recorded_by_id = paid_on, evidence.strip(), by.id
    db.session.flush()
    timeline(penalty.case, "penalty_paid", to=POLICE | OFFENDER | SCRUTINY, by=by, on=paid_on.isoformat())
    audit.record("penalty.paid", actor=by, obj=penalty.case)
    _settle(penalty, "the penalty was paid")


def registrable(penalty: FinancialPenalty) -> bool:
    return penalty.paid_on is None and penalty.due_on < clock.today()


def produce_registration(penalty: FinancialPenalty, *, local_justice_area: str | None, by) -> None:
    """Unpaid after its date: the registration certificate's data are produced (a disclosure, audited)."""
    _unpaid(penalty)
    if not registrable(penalty):
        raise InvalidTransition(f"The penalty can be paid until {long_date(penalty.due_on)}: it can be registered "
                                "only after that.")
    if not (local_justice_area or "").strip():
        raise RuleViolation(Problem("local_justice_area", "Enter the local justice area where the person lives."))
    penalty.local_justice_area = local_justice_area.strip()
    penalty.certificate_on, penalty.certificate_by_id = clock.today(), by.id
    db.session.flush()
    timeline(penalty.case, "penalty_registration", to=POLICE | SCRUTINY, by=by)
    audit.record("penalty.registration", actor=by, obj=penalty.case, purpose="registration as a fine",
                 recipients=["magistrates' court"])
    _settle(penalty, "the registration data were produced")


@dataclass(frozen=True)
class Registration:
    """What a registration certificate holds (DOMAIN.md section 7), in the order the certificate gives it."""

    reference: str
    name: str
    date_of_birth: date | None
    last_known_address: str
    amount_pounds: int
    imposed_on: date
    due_on: date
    local_justice_area: str
    registrable: str  # the pack's words

    def row(self) -> dict[str, str]:
        """The CSV row: plain values, dates as YYYY-MM-DD; a value a spreadsheet would run as a formula starts with
        an apostrophe."""
        return {key: f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
                for key, value in self._values().items()}

    def _values(self) -> dict[str, str]:
        return {"reference": self.reference, "name": self.name,
                "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else "",
                "last_known_address": self.last_known_address, "amount_pounds": str(self.amount_pounds),
                "imposed_on": self.imposed_on.isoformat(), "due_on": self.due_on.isoformat(),
                "local_justice_area": self.local_justice_area, "registrable": self.registrable}


def registration(penalty: FinancialPenalty) -> Registration:
    person = penalty.case.offender
    address = " ".join(" ".join((person.address or "", person.postcode or "")).split())
    return Registration(penalty.case.reference, person.full_name, person.date_of_birth, address,
                        penalty.amount_pounds, penalty.imposed_on, penalty.due_on, penalty.local_justice_area or "",
                        disposal_of(penalty.case).penalty.registrable_as)
