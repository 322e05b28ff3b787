"""Reads about cases: the caseload (one query per page, whatever the number of rows), earlier cautions, and the
dates a case is planned around."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app import clock
from app.cases import rules
from app.cases.attention import attention_ids, needs_attention
from app.cases.models import Case, CaseStatus, CaseVictim
from app.cases.packs import pack_of, regimes
from app.extensions import db
from app.people.models import Person

# What a page loads with its case, so that it reads each part once, whatever the case holds. The case's statement
# joins its parts of one row, its few signed documents (one, and one more per variation of the conditions) and at
# most one other collection; each other collection is one more statement. CASE_REFER: what the referral form reads
# (GET only). CASE_VARY: what a variation of the conditions reads beside them (its conditions are read with it).
_PARTS = (joinedload(Case.offender), joinedload(Case.officer), joinedload(Case.team), joinedload(Case.documents))
CASE_PAGE = (*_PARTS, joinedload(Case.victims))
CASE_WORK = (*_PARTS, joinedload(Case.force), joinedload(Case.offences),
             selectinload(Case.victims).options(joinedload(CaseVictim.person), joinedload(CaseVictim.view)),
             *(selectinload(c) for c in (Case.conditions, Case.screenings, Case.needs_assessments, Case.approvals)))
CASE_REFER = (joinedload(Case.offender), joinedload(Case.conditions), selectinload(Case.needs_assessments))
CASE_VARY = (*_PARTS, joinedload(Case.force), selectinload(Case.offences),
             selectinload(Case.victims).options(joinedload(CaseVictim.person), joinedload(CaseVictim.view)))
# The contact details after issue: the person's, and each victim's.
CASE_CONTACT = (joinedload(Case.offender), selectinload(Case.victims).joinedload(CaseVictim.person))

PAGE_SIZE = 25
# Lists count at most this many matching cases ("more than 10,000"), so a force-wide list costs the same for the
# largest force as for a small one. Beyond it, the filters narrow the list; pages past it are empty.
COUNT_CAP = 10_000
MAX_PAGE = COUNT_CAP // PAGE_SIZE + 1  # also keeps a crafted ?page= from overflowing the database's OFFSET
DUE_WITHIN_CHOICES = (7, 14, 28)


def _desc(column):
    return column.desc()


def _asc(column):
    return column.asc()


def _asc_nulls_last(column):
    return column.asc().nulls_last()


# Each sort: the columns it orders by, with their direction. Case.id last keeps pages stable.
SORTS = {
    "updated": ((Case.updated_at, _desc), (Case.id, _desc)),
    "deadline": ((Case.deadline, _asc_nulls_last), (Case.id, _asc)),
    "reference": ((Case.reference, _desc),),
    "name": ((Person.family_name, _asc), (Person.given_name, _asc), (Case.id, _asc)),
}
SORT_LABELS = {"updated": "Recently changed", "deadline": "Deadline (soonest first)", "reference": "Reference",
               "name": "Surname"}


@dataclass(frozen=True)
class CaseloadFilters:
    q: str = ""
    status: str = ""
    due_within: int | None = None
    attention: bool = False
    sort: str = "updated"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> CaseloadFilters:
        """Read filters from a query string. Anything unrecognised falls back to its default, never an error."""
        status = args.get("status", "")
        due = args.get("due", type=int)
        sort = args.get("sort", "updated")
        return cls(
            q=args.get("q", "").strip()[:100],
            status=status if status in CaseStatus._value2member_map_ else "",
            due_within=due if due in DUE_WITHIN_CHOICES else None,
            attention=args.get("attention") == "1",
            sort=sort if sort in SORTS else "updated",
            page=min(max(args.get("page", 1, type=int) or 1, 1), MAX_PAGE),
        )

    def args(self, **changes) -> dict:
        """Query-string arguments for a link to these filters (with some changed), defaults left out."""
        values = {"q": self.q, "status": self.status, "due": self.due_within, "attention": "1" if self.attention
                  else None, "sort": None if self.sort == "updated" else self.sort, "page": self.page} | changes
        return {k: v for k, v in values.items() if v not in (None, "", 1) or (k == "page" and v not in (None, 1))}


def _like_prefix(text: str) -> str:
    return text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass(frozen=True)
class CaseloadPage:
    cases: list[Case]
    total: int
    attention: frozenset[int]  # the ids of the cases shown that need attention: their rows are marked


def caseload(base: Select, f: CaseloadFilters, today: date, soon_days: int) -> tuple[list[Case], int]:
    page = caseload_page(base, f, today, soon_days)
    return page.cases, page.total


def caseload_page(base: Select, f: CaseloadFilters, today: date, soon_days: int) -> CaseloadPage:
    """One page of `base` (already limited to what the user may see) under the filters, and the total count
    (capped at COUNT_CAP + 1), in a single statement of three nested steps (see below), so the cost depends on
    the cap and the page size, not on how many cases the user may see."""
    q = base
    if f.q or f.sort == "name":
        q = q.join(Person, Case.offender_id == Person.id)
    if f.q:
        term = _like_prefix(f.q)
        full_name = func.lower(Person.given_name + " " + Person.family_name)
        q = q.where(or_(func.lower(Case.reference).like(term, escape="\\"),
                        func.lower(Person.family_name).like(term, escape="\\"),
                        func.lower(Person.given_name).like(term, escape="\\"),
                        full_name.like(term, escape="\\")))
    if f.status:
        q = q.where(Case.status == f.status)
    else:  # the active caseload: a closed case shows only when closed cases are asked for
        q = q.where(Case.status != CaseStatus.CLOSED)
    if f.due_within is not None:
        q = q.where(Case.deadline.between(today, today + timedelta(days=f.due_within)))
    if f.attention:
        q = q.where(Case.id.in_(select(attention_ids(today, soon_days, base.whereclause).c.id)))
    keys = SORTS[f.sort]
    # 1. At most COUNT_CAP + 1 matching ids, in order, with their sort keys (an index scan that stops early).
    matching = q.with_only_columns(Case.id.label("case_id"), *(c.label(f"k{i}") for i, (c, _) in enumerate(keys)))
    matching = matching.order_by(*(d(c) for c, d in keys)).limit(COUNT_CAP + 1).subquery()
    # 2. Count them and keep one page, still only ids: nothing is joined for the rows not shown.
    one_page = (select(matching.c.case_id, func.count().over().label("total"))
                .order_by(*(d(matching.c[f"k{i}"]) for i, (_, d) in enumerate(keys)))
                .limit(PAGE_SIZE).offset((f.page - 1) * PAGE_SIZE).subquery())
    # 3. Load that page's cases with their person, officer and team, and whether each needs attention.
    flag = needs_attention(today, soon_days).label("attention")
    page = (select(Case, one_page.c.total, flag).join(one_page, one_page.c.case_id == Case.id)
            .join(Person, Case.offender_id == Person.id)
            .options(contains_eager(Case.offender), joinedload(Case.officer), joinedload(Case.team))
            .order_by(*(d(c) for c, d in keys)))
    rows = db.session.execute(page).unique().all()
    return CaseloadPage([r[0] for r in rows], rows[0][1] if rows else 0, frozenset(r[0].id for r in rows if r[2]))


# --- one case -------------------------------------------------------------------------------------------------


def planned_caution_date(case: Case) -> date:
    """The day the caution is expected to be given: as screened, but never before today."""
    screening = case.screening
    planned = screening.answers.get("caution_date") if screening else None
    return max(date.fromisoformat(planned) if planned else clock.today(), clock.today())


def planned_deadline(case: Case) -> date:
    return case.deadline or rules.normal_deadline(pack_of(case), planned_caution_date(case))


def earlier_disposals(case: Case) -> list[rules.EarlierRecord]:
    """The person's disposals given on other cases in Resolve, oldest first, with the day and the offences: what
    the officer weighs with the convictions and disposals they record from the PNC."""
    rows = db.session.execute(select(Case.issued_on, Case.offence_summary, Case.regime, Case.disposal_type).where(
        Case.offender_id == case.offender_id, Case.id != case.id, Case.issued_on.is_not(None))
        .order_by(Case.issued_on))
    return [rules.EarlierRecord(on, summary or "offence not recorded",
                                regimes()[regime].latest.disposal(kind).label) for on, summary, regime, kind in rows]


def recorded_earlier(answers: dict) -> list[rules.EarlierRecord]:
    """The earlier convictions and disposals the officer recorded with a screening."""
    return [rules.EarlierRecord(date.fromisoformat(r["on"]) if r.get("on") else None, r["offence"], r["outcome"])
            for r in answers.get("earlier_records", [])]
