"""The crawl: every persona signs in, follows every link and htmx fragment it can reach from its home page, and no
page shows a canary that persona may not see.

The fixture plants unique canary strings, through the services, in every field of three cases' victims (each name
part, contact details, address, postcode, language, needs, and their views), in the people's special-category
fields (ethnicity, sex, health) and in the contact details of the people cautioned. Who may see each canary is
derived from the predicates of app/access.py, not listed here. The canaries are never put in the officer's own
free text (risks, safeguarding, conditions): what reaches a provider from there is a matter for the referral's
check, not this crawl.

Each persona then asks for every page any other persona found. The crawl also checks the view audit
(app/audit/views.py): any page that shows a canary declares that it shows personal data and wrote a view row in
that request, and every route that declares it shows personal data was reached.

Run with `-s` to read the counts: requests tried, leaks found, 500s found.
"""

from __future__ import annotations

import html
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from app import access, clock, demo
from app.audit import views
from app.audit.models import AuditEvent
from app.cases import conditions as condition_services
from app.cases import services as cases
from app.cases.models import Case
from app.compliance import decisions, penalties, variations
from app.compliance.models import FlagKind
from app.compliance.services import raise_flag
from app.extensions import db
from app.organisations import staff
from app.organisations.models import PROVIDER_ROLES, Role
from app.people import calendar
from app.referrals import rearrange
from app.referrals import services as referrals
from app.referrals.models import Referral
from tests import factories
from tests.conftest import sign_in

ANONYMOUS = "anonymous"
PERSONAS = (ANONYMOUS, *(p.key for p in demo.PERSONAS))
PARTIAL = {"HX-Request": "true", "HX-Request-Type": "partial"}
PER_PERSONA = 250  # requests at most, for each persona
LINKS = re.compile(r"""\b(href|hx-get|action)="([^"]*)\"""")
# Not followed: files, the identity provider, and starting or ending a sign-in (the sign-in page itself is).
SKIPPED_PREFIXES = ("/static/", "/dev-idp", "/sign-in/", "/sign-out", "/auth/")


@dataclass(frozen=True)
class Canary:
    text: str
    what: str  # e.g. "victim phone (case A)"
    allowed: frozenset[str]  # the personas who may see it


def _victim(tag: str) -> dict:
    """A victim's details, every field a canary."""
    return {"given_name": f"Qzv{tag}given", "family_name": f"Qzv{tag}family", "email": f"qzv{tag}mail@example.net",
            "phone": f"01632 96{ord(tag) % 10}{ord(tag) % 7}4{ord(tag) % 3}", "address": f"7 Qzv{tag}addr Road",
            "postcode": f"QZ{ord(tag) % 10} 9V{tag.upper()}", "preferred_channel": "email",
            "language": f"Qzv{tag}lang", "accessibility_needs": f"Qzv{tag}access needs"}


def _special(tag: str) -> dict:
    return {"ethnicity_self_defined": f"qzs{tag}ethnicity", "ethnicity_officer_observed": f"QZ{tag}OBS",
            "sex": f"qzs{tag}sex", "health_notes": f"Qzs{tag}health notes"}


def _contact(tag: str) -> dict:
    return {"email": f"qzo{tag}mail@example.net", "phone": f"01632 95{ord(tag) % 10}0{ord(tag) % 7}1",
            "address": f"9 Qzo{tag}addr Lane", "postcode": f"QZ{ord(tag) % 10} 8O{tag.upper()}"}


def _views(case, link, text: str, officer) -> None:
    cases.record_victim_view(case, link, {
        "attempts": [{"on": clock.today().isoformat(), "method": "phone", "note": None}],
        "could_not_contact": False, "views": text, "remedy_requested": None, "remedy_declined_reason": None,
        "taken_into_account": "Taken into account in the conditions"}, by=officer)


def _build() -> dict:
    """Case A: the demo offender's second caution (issued), with a canary victim and the demo victim, referred to
    Fresh Start and booked, one to one and in a group. Case B: a south team case ready to issue, for a new person.
    Case C: a north team caution for a new person, referred to Pathways."""
    officer, south = factories.user("officer-north"), factories.user("officer-south")
    jordan, kim = factories.person_of("offender"), factories.person_of("victim")
    a = factories.with_details(factories.draft(officer, person=jordan), officer, special=_special("a"))
    cases.update_offender(a, _contact("a"), None, by=officer)
    victim_a = cases.add_new_victim(a, _victim("a"), enhanced_rights=False, updates_opted_in=True,
                                    update_channel="email", by=officer)
    also_kim = cases.add_victim(a, kim, enhanced_rights=False, updates_opted_in=True, update_channel="email",
                                by=officer)
    demo.screen(a, officer=officer, earlier_offending_rationale="A different kind of offence, weighed")
    for approval in a.latest_approvals().values():  # a second caution within the look-back period: the sergeant agrees
        cases.decide_approval(approval, approve=True, comment=None, by=factories.user("supervisor"))
    demo.assess_needs(a, officer=officer, alcohol="high")
    _views(a, victim_a, "Qzvaviews wants the shop staff to be safe", officer)
    _views(a, also_kim, "Wants an apology", officer)
    for values in (factories.REHABILITATIVE, factories.RESTRICTIVE):
        condition_services.add_condition(a, {"due_on": clock.today() + timedelta(weeks=8)} | values, by=officer)
    demo.issue_case(a, officer=officer, signed_by=jordan.full_name)
    working = factories.accepted(a)
    coming = factories.appointment(working, factories.at(1, 10))
    # Jordan asked to change it: the referral page links the caseworker to the request.
    rearrange.ask(coming, reason="A shift at work", suits="Mornings", by=factories.user("offender"))
    group = referrals.create_group_session(
        provider_id=working.provider_id, title="Workshop", starts_at=factories.at(2, 18), minutes=90,
        mode="in_person", place="Hall", referrals=[working], by=factories.user("freshstart-caseworker"))

    b = factories.ready(south, team_name=demo.SOUTH, given="Bo", family="Brook", victim=_victim("b"),
                        special=_special("b"))
    cases.update_offender(b, _contact("b"), None, by=south)
    _views(b, b.victims[0], "Qzvbviews would like a letter", south)
    condition_services.confirm_conditions(b, by=south)  # the conditions take the views as now recorded into account

    c = factories.issued(officer, given="Cy", family="Cole", victim=_victim("c"), special=_special("c"))
    cases.update_offender(c, _contact("c"), None, by=officer)
    factories.new_service("Pathways debt advice", provider="PWC")
    factories.accepted(c, service_name="Pathways debt advice", manager="pathways-manager",
                       caseworker="pathways-caseworker")
    # Flags: one open on A (each has its decision page); one on C decided and waiting for the supervisor; one on D
    # referred for prosecution and approved (its case page links to the prosecutor's summary).
    raise_flag(a, FlagKind.CONDITION_OVERDUE, f"condition_overdue:{a.conditions[1].public_id}", "Overdue",
               condition=a.conditions[1])
    d = factories.issued(officer, given="Di", family="Dale", victim=False)
    for case in (c, d):
        flag = raise_flag(case, FlagKind.DEADLINE_PASSED, f"deadline_passed:{case.public_id}", "Deadline passed")
        made = decisions.decide(case, flag, explanation="Forgot", attempts=[], evidence="Note",
                                decision="refer_for_prosecution", reason="No excuse", by=officer)
    decisions.approve(made, approve=True, comment=None, by=factories.user("supervisor"))
    # E: its conditions varied once (two versions of the document) and being varied again, with a change proposed;
    # F: a community caution whose financial penalty went unpaid, its registration data produced.
    e = factories.issued(officer, given="Ed", family="Eve", victim=False)
    factories.varied(e, details="A later course")
    variations.change(factories.varying(e), e.conditions[0], {
        "type": "restrictive", "subtype": "not_enter", "details": "Keep away from the shop",
        "due_on": e.conditions[0].due_on}, by=officer)
    _penalised(officer)
    # A pending invitation: its page is reached only from the link in the email.
    _, token = staff.invite(organisation=factories.organisation("NSP"), role=Role.OFFICER, team=factories.team(),
                            email="newcomer@example.org", by=factories.user("coordinator"))
    # Jordan's calendar feed: its address is shown once, after a POST, and is fetched by a phone, not followed.
    feed = calendar.create(factories.user("offender"))
    db.session.flush()
    return {"cases": {"A": (a, victim_a.person), "B": (b, b.victims[0].person), "C": (c, c.victims[0].person)},
            # No page links to a group session: its facilitator reaches it only from the redirect after booking.
            "entry": [f"/referrals/groups/{group.public_id}", f"/staff-invitations/{token}",
                      f"/calendar/{feed}.ics"]}


def _who(users: dict, rule) -> frozenset[str]:
    return frozenset(key for key, user in users.items() if user is not None and rule(user))


def _penalised(officer) -> None:
    """A community caution given 90 days ago, its penalty imposed 60 days ago (28 days to pay), then registered."""
    today = clock.today()
    with factories.on_day(today - timedelta(days=90)):
        f = factories.issued(officer, given="Fi", family="Fox", victim=False, regime="pcsc_2022",
                             disposal="community_caution", conditions=(factories.REHABILITATIVE,))
    with factories.on_day(today - timedelta(days=60)):
        penalty = factories.penalised(f, 80)
    penalties.produce_registration(penalty, local_justice_area="Northshire", by=officer)


def _canaries(built: dict) -> list[Canary]:
    """Each canary with who may see it, by the access rules: a victim's details, the police who may see the
    case (and the victim themself); special-category data, whoever `can_view_special_category` allows; the
    contact details of the person cautioned, the police who may see the case, the providers a referral of it
    went to, and the person."""
    users = {key: factories.user(key) for key in PERSONAS if key != ANONYMOUS}
    found = []
    for tag, (case, victim) in built["cases"].items():
        of_person = db.session.scalars(select(Case).where(Case.offender_id == case.offender_id)).all()
        sees_case = _who(users, lambda u, c=case: access.can_view_case(u, c))
        sees_victim = sees_case | _who(users, lambda u, v=victim: v.user_id == u.id)
        for name, value in _victim(tag.lower()).items():
            if name != "preferred_channel":
                found.append(Canary(value, f"victim {name} (case {tag})", sees_victim))
        views_text = {"A": "Qzvaviews", "B": "Qzvbviews"}.get(tag)
        if views_text:
            found.append(Canary(views_text, f"victim's views (case {tag})", sees_case))
        special = _who(users, lambda u, cs=of_person: any(access.can_view_special_category(u, c) for c in cs))
        for name, value in _special(tag.lower()).items():
            found.append(Canary(value, f"{name} (case {tag})", special))
        referred = _who(users, lambda u, cs=of_person: db.session.scalar(access.visible_referrals(u).where(
            Referral.case_id.in_([c.id for c in cs])).limit(1)) is not None)
        contact = (_who(users, lambda u, cs=of_person: any(access.can_view_case(u, c) for c in cs)) | referred
                   | _who(users, lambda u, p=case.offender: p.user_id == u.id))
        for name, value in _contact(tag.lower()).items():
            found.append(Canary(value, f"cautioned person's {name} (case {tag})", contact))
    return found


@pytest.fixture
def planted(app, demo_data, tmp_path, monkeypatch):
    # The packs as they may read once PCSC Part 6 commences with a penalty's amount, so a penalty's pages are crawled.
    monkeypatch.setitem(app.extensions, "rule_packs", factories.commenced_packs(
        tmp_path, clock.today() - timedelta(days=400), maximum_pounds=100, days_to_pay=28))
    with app.app_context():
        built = _build()
        canaries = _canaries(built)
        db.session.commit()
        db.session.remove()
    return canaries, built["entry"]


@dataclass
class Crawl:
    tried: int = 0
    leaks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unaudited: list[str] = field(default_factory=list)
    reached: set[str] = field(default_factory=set)  # endpoints answered 200
    seen: dict[str, set[str]] = field(default_factory=dict)  # canary text -> personas who saw it


def _variants(text: str) -> set[str]:
    """The forms a value may be shown in: as written, and without its spaces (phone numbers, postcodes)."""
    return {text.lower(), text.lower().replace(" ", "")}


def _internal(base: str, link: str) -> str | None:
    link = html.unescape(link).strip()
    if not link or link.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    parts = urlsplit(urljoin(base, link))
    if parts.netloc and parts.netloc != "localhost" and not parts.netloc.startswith("127.0.0.1"):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if path.startswith(SKIPPED_PREFIXES) else path


def _last_seq(app) -> int:
    with app.app_context():
        seq = db.session.scalar(select(func.max(AuditEvent.seq))) or 0
        db.session.remove()
    return seq


def _view_rows_since(app, seq: int) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.seq > seq,
                                                                      AuditEvent.action.like("%.view")))
        db.session.remove()
    return n


def _endpoint(app, path: str) -> str | None:
    adapter = app.url_map.bind(app.config["SERVER_NAME"])
    try:
        return adapter.match(urlsplit(path).path, method="GET")[0]
    except HTTPException:
        return None


def _crawl(app, persona: str, client, canaries: list[Canary], start: list[tuple[str, bool]], crawl: Crawl, *,
           follow: bool = True, limit: int = PER_PERSONA) -> set[tuple[str, bool]]:
    """Request `start` and (`follow`) every page linked from what comes back, up to `limit` requests; check each
    answer. Returns what was requested: (path, partial)."""
    queue, queued = deque(start), set(start)
    checks = [(canary, _variants(canary.text)) for canary in canaries]
    requests = 0
    while queue and requests < limit:
        path, partial = queue.popleft()
        before = _last_seq(app)
        response = client.get(path, headers=PARTIAL if partial else {})
        requests += 1
        label = f"{persona}: GET {path}{' (partial)' if partial else ''}"
        body = response.get_data(as_text=True)
        if response.status_code >= 500:
            crawl.errors.append(f"{label} -> {response.status_code}")
        endpoint = _endpoint(app, path)
        if response.status_code == 200 and endpoint:
            crawl.reached.add(endpoint)
        lowered = (body + "".join(f"\n{k}: {v}" for k, v in response.headers.items())).lower()
        shown = [canary for canary, forms in checks if any(form in lowered for form in forms)]
        for canary in shown:
            crawl.seen.setdefault(canary.text, set()).add(persona)
            if persona not in canary.allowed:
                crawl.leaks.append(f"{label}: shows {canary.what} ({canary.text})")
        if shown and response.status_code < 400:
            if not views.declared(app, endpoint):
                crawl.unaudited.append(f"{label}: shows {shown[0].what} but {endpoint} does not declare it")
            if _view_rows_since(app, before) == 0:
                crawl.unaudited.append(f"{label}: shows {shown[0].what} but wrote no view audit row")
        links = []
        if follow and response.status_code in (301, 302, 303, 307, 308):
            links.append(("href", response.headers["Location"]))
        elif follow and response.mimetype == "text/html":
            links += LINKS.findall(body)
        for attribute, link in links:
            target = _internal(path, link)
            if target is None or _endpoint(app, target) is None:
                continue
            for variant in ((target, False), (target, True)) if attribute != "hx-get" else ((target, True),):
                if variant not in queued:
                    queued.add(variant)
                    queue.append(variant)
    crawl.tried += requests
    return queued


def test_crawl_every_persona(app, planted, capsys):
    planted, entry = planted
    crawl = Crawl()
    clients, visited = {}, {}
    for persona in PERSONAS:
        clients[persona] = client = app.test_client()
        if persona != ANONYMOUS:
            assert sign_in(client, persona).status_code == 200, persona
        visited[persona] = _crawl(app, persona, client, planted, [(path, False) for path in ("/", *entry)], crawl)
    # Then every persona asks for every page any persona found, as if it had been handed the link.
    found = set().union(*visited.values())
    for persona, client in clients.items():
        others = sorted(found - visited[persona])
        _crawl(app, persona, client, planted, others, crawl, follow=False, limit=len(others))
    # The development outbox lists every message to anyone signed in, with demo data; it is off (404) here, as in
    # production, where settings refuse the outbox channel altogether.
    personal = {rule.endpoint for rule in app.url_map.iter_rules()
                if "GET" in rule.methods and views.declared(app, rule.endpoint)} - {"notifications.dev_outbox"}
    with capsys.disabled():
        print(f"\ncrawl: {crawl.tried} requests tried, {len(crawl.leaks)} leaks found, {len(crawl.errors)} 500s "
              f"found, {len(crawl.unaudited)} unaudited views, {len(crawl.seen)} of {len(planted)} canaries "
              f"seen by someone, {len(personal & crawl.reached)} of {len(personal)} personal-data routes reached")

    assert not crawl.errors, "\n".join(crawl.errors)
    assert not crawl.leaks, "\n".join(crawl.leaks)
    assert not crawl.unaudited, "\n".join(crawl.unaudited)
    assert personal - crawl.reached == set(), "personal-data routes the crawl never reached"
    staff_pages = {rule.endpoint for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and rule.endpoint.startswith("staff.")}
    assert staff_pages - crawl.reached == set(), "staff pages the crawl never reached"
    # The crawl reaches the data it guards: what the police and a provider may see, they were shown.
    for what in ("victim given_name (case B)", "victim's views (case B)", "cautioned person's phone (case A)"):
        canary = next(c for c in planted if c.what == what)
        assert crawl.seen.get(canary.text, set()) & canary.allowed, what
    assert crawl.seen[next(c.text for c in planted if c.what == "cautioned person's phone (case A)")] & {
        "freshstart-manager", "freshstart-caseworker"}


def test_the_rules_keep_victims_from_providers_and_the_public(app, planted):
    """Whatever the predicates say, these never may: no provider, no person cautioned, no other victim sees a
    victim's details, and no provider or member of the public sees special-category data."""
    planted, _ = planted
    providers = {p.key for p in demo.PERSONAS if p.role in PROVIDER_ROLES}
    for canary in planted:
        if canary.what.startswith(("victim", "ethnicity", "sex", "health")):
            assert not canary.allowed & (providers | {"offender", ANONYMOUS}), canary
        if canary.what.startswith(("ethnicity", "sex", "health")):
            assert "victim" not in canary.allowed, canary
