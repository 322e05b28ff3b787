"""Crafted input, refused by the shared kernel before it reaches a rule or the database: control characters in any
value (PostgreSQL cannot store NUL: a 500 before), non-finite numbers, a form sent without the version it was
shown with, a body too large to be a form, file parts, and a field sent twice. Run on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from app import clock
from app.cases.models import Case, Condition
from app.extensions import db
from app.people.models import Person
from app.referrals.models import Appointment
from tests.cases.test_workflow_routes import COND_REHAB, Officer, _d, _summary, condition, offence, start
from tests.conftest import csrf_from
from tests.test_access_matrix import MATRIX, objects  # noqa: F401  (the fixture, with every kind of object)

pytestmark = pytest.mark.calendar

NUL = "x\x00y"
PARTIAL = {"HX-Request": "true", "HX-Request-Type": "partial"}


@pytest.fixture
def officer(login_as):
    return Officer(login_as("officer-north"))


def _address(app, cid):
    with app.app_context():
        return db.session.scalar(select(Person.address).join(Case, Case.offender_id == Person.id)
                                 .where(Case.public_id == uuid.UUID(cid)))


# --- control characters -----------------------------------------------------------------------------------------


def test_a_nul_in_the_caseload_search_is_a_422_with_a_message(officer):
    r = officer.get("/?q=Jordan%00")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "This request contained a character Resolve cannot store" in html
    assert "govuk-error-summary" in html and "Remove the control character from “q”" in html
    assert officer.get("/?q=Jordan%00", headers=PARTIAL).status_code == 422  # the htmx fragment too


def test_a_nul_in_the_offence_search_is_a_422(officer):
    cid = start(officer)
    assert officer.get(f"/cases/{cid}/offences?q=shop%00").status_code == 422
    officer.post(f"/cases/{cid}/offences", {"q": "shop\x00", "offence": "", "location": ""}, expect=422)


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f"])
def test_a_control_character_in_a_form_field_saves_nothing(app, officer, char):
    from tests.cases.test_workflow_routes import DETAILS

    cid = start(officer)
    data = DETAILS | {"address": f"1 High{char} Street", "date_of_birth": _d(clock.years_before(clock.today(), 30))}
    html = _summary(officer.post(f"/cases/{cid}/offender", data, expect=422))
    assert "cannot store" in html and "“address”" in html
    assert _address(app, cid) is None


def test_tab_newline_and_carriage_return_are_kept(app, officer):
    from tests.cases.test_workflow_routes import DETAILS

    cid = start(officer)
    officer.post(f"/cases/{cid}/offender", DETAILS | {"address": "1 High Street\r\nNorthtown\t(rear)",
                                                      "date_of_birth": _d(clock.years_before(clock.today(), 30))})
    assert "Northtown" in _address(app, cid)


def _probes():
    """Every (endpoint, method, path) the access matrix lists: it fails when a route in the url_map is missing."""
    return sorted(((endpoint, p.method, p.path) for endpoint, ps in MATRIX.items() for p in ps),
                  key=lambda probe: probe[0] == "auth.sign_out")


def test_the_probes_cover_every_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert {endpoint for endpoint, _, _ in _probes()} == endpoints


def _field_names(html: str) -> set[str]:
    return set(re.findall(r'<(?:input|textarea|select)[^>]*\bname="([^"]+)"', html)) - {"csrf_token"}


@pytest.mark.parametrize("role", ["anonymous", "officer-north", "supervisor", "freshstart-caseworker",
                                  "freshstart-manager"])
def test_every_route_refuses_a_nul_in_any_value(role, app, login_as, objects):  # noqa: F811
    """A NUL in the query string of every route, and in every field of every form (the names read off the page
    the route shows), is a 422: never a 500, on either database, signed in or not."""
    client = app.test_client() if role == "anonymous" else login_as(role)
    token = "not-a-token" if role == "anonymous" else csrf_from(client.get("/").get_data(as_text=True))
    wrong = []
    for endpoint, method, template in _probes():
        path = template.format(**objects)
        page = client.get(path)
        names = _field_names(page.get_data(as_text=True)) if page.status_code == 200 else set()
        joiner = "&" if "?" in path else "?"
        if method == "GET":
            response = client.get(f"{path}{joiner}q={quote(NUL)}")
        else:
            response = client.open(path, method=method, data={"csrf_token": token, "q": NUL}
                                   | dict.fromkeys(names, NUL))
        if response.status_code != 422:
            wrong.append(f"{method} {template} ({endpoint}): {response.status_code}")
    assert not wrong, "\n".join(wrong)


# --- numbers ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("hours", ["sNaN", "NaN", "Infinity", "-Infinity", "inf", "snan", "-sNaN", "NaN123",
                                   "sNaN1", "+Inf"])
def test_non_finite_hours_are_a_422_with_a_message(app, officer, hours):
    cid = start(officer)
    offence(officer, cid)
    html = _summary(condition(officer, cid, COND_REHAB | {"hours": hours}, expect=422))
    assert "Enter the hours as a number, like 2 or 2.5" in html
    condition(officer, cid, COND_REHAB)
    (cond_id,) = _condition_ids(app, cid)
    edit = COND_REHAB | {"hours": hours, "version": "1", "due_on": _d(clock.today() + timedelta(weeks=8))}
    html = _summary(officer.post(f"/cases/{cid}/conditions/{cond_id}", edit, expect=422))
    assert "Enter the hours as a number, like 2 or 2.5" in html


@pytest.mark.parametrize("text", ["", " ", "2", "2.5", "0.5", "1000", "1e3", "1E-1", "-0", "0e-10", "7.25", "7.255",
                                  "nan", "sNaN", "Infinity", "-inf", "1e999999", "1e-999999", "½", "٣", "1_0",
                                  "0x10", "2,5", "\u00a02"])
def test_the_hours_field_never_raises_and_keeps_only_finite_numbers(app, text):
    """For any text: either a finite Decimal, or a message saying what to type. Never an exception."""
    from decimal import Decimal

    from werkzeug.datastructures import MultiDict

    from app.cases.decision_forms import ConditionForm

    with app.test_request_context(method="POST"):
        form = ConditionForm(formdata=MultiDict({"hours": text}), meta={"csrf": False})
        form.hours.validate(form)
        if form.hours.data is not None:
            assert isinstance(form.hours.data, Decimal) and form.hours.data.is_finite()
        else:
            assert not text.strip() or form.hours.errors


# --- the version a form was shown with --------------------------------------------------------------------------


def _condition_ids(app, cid) -> list[str]:
    with app.app_context():
        return [str(i) for i in db.session.scalars(select(Condition.public_id).join(Case).where(
            Case.public_id == uuid.UUID(cid)))]


def _booked_appointment(app, login_as):
    from tests.referrals.conftest import load_world
    from tests.referrals.test_routes import _appointments, accept, book

    with app.app_context():
        w = load_world()
        sent, caseworker = str(w.sent.public_id), str(w.users["freshstart-caseworker"].public_id)
        db.session.remove()
    manager = Officer(login_as("freshstart-manager"))
    accept(manager, sent, caseworker)
    worker = Officer(login_as("freshstart-caseworker"))
    book(worker, sent)
    (appointment,) = _appointments(app, sent)
    return manager, worker, appointment


def _outcome(app, appointment) -> str | None:
    with app.app_context():
        return db.session.scalar(select(Appointment.outcome).where(Appointment.id == appointment.id))


def test_a_stale_attendance_write_without_its_version_is_refused(app, login_as, demo_data):
    from tests.referrals.test_routes import _prefix, record

    manager, worker, seen = _booked_appointment(app, login_as)
    record(worker, seen, "attended")
    p = _prefix(seen)
    r = manager.post(f"/referrals/appointments/{seen.public_id}/attendance",
                     {f"{p}-outcome": "did_not_attend", f"{p}-note": "Not here"}, expect=422)
    assert "Reload the page and make your change again" in _summary(r)
    assert _outcome(app, seen) == "attended"  # the other person's outcome stands
    manager.post(f"/referrals/appointments/{seen.public_id}/attendance",
                 {f"{p}-outcome": "did_not_attend", f"{p}-note": "Not here", f"{p}-version": ""}, expect=422)
    assert _outcome(app, seen) == "attended"


def test_every_form_with_a_version_refuses_a_post_without_it(app, login_as, demo_data):
    from tests.referrals.test_routes import _appointments

    _, worker, a = _booked_appointment(app, login_as)
    tomorrow = _d(clock.today() + timedelta(days=1))
    worker.post(f"/referrals/appointments/{a.public_id}/reschedule", {
        "on": tomorrow, "at": "10:00", "minutes": "60", "requested_by": "person", "reason": "Work"}, expect=422)
    worker.post(f"/referrals/appointments/{a.public_id}/cancel", {"party": "provider", "reason": "Unwell"},
                expect=422)
    (now,) = _appointments(app, _sent(app))
    assert now.version == a.version and now.starts_at == a.starts_at  # nothing changed
    # The group attendance form: one version per person.
    r = worker.post("/referrals/groups/new", {"title": "Workshop", "on": tomorrow, "at": "11:00", "minutes": "60",
                                              "mode": "in_person", "participants": _working(app)})
    session = r.headers["Location"].rsplit("/", 1)[1]
    html = worker.get(f"/referrals/groups/{session}").get_data(as_text=True)
    (k,) = re.findall(r'name="outcome_([0-9a-f]+)"', html)
    r = worker.post(f"/referrals/groups/{session}", {f"outcome_{k}": "attended", f"note_{k}": ""}, expect=422)
    assert "Reload the page and make your change again" in _summary(r)
    # A condition changed without its version.
    officer = Officer(login_as("officer-north"))
    cid = start(officer)
    offence(officer, cid)
    condition(officer, cid, COND_REHAB)
    (cond_id,) = _condition_ids(app, cid)
    edit = COND_REHAB | {"hours": "6", "due_on": _d(clock.today() + timedelta(weeks=8))}
    officer.post(f"/cases/{cid}/conditions/{cond_id}", edit, expect=422)
    officer.post(f"/cases/{cid}/conditions/{cond_id}", edit | {"version": "1"})


def _sent(app) -> str:
    from tests.referrals.conftest import load_world

    with app.app_context():
        found = str(load_world().sent.public_id)
        db.session.remove()
    return found


def _working(app) -> list[str]:
    from tests.referrals.conftest import load_world

    with app.app_context():
        found = [str(load_world().sent.public_id)]
        db.session.remove()
    return found


# --- size, file parts and repeated fields -----------------------------------------------------------------------


class _CountingStream(io.RawIOBase):
    """A request body of `size` bytes that counts how much of it the server reads."""

    def __init__(self, size: int):
        self.size, self.read_so_far = size, 0

    def readable(self):
        return True

    def seekable(self):  # the test client measures the stream before the request
        return True

    def tell(self):
        return self.read_so_far

    def seek(self, offset, whence=io.SEEK_SET):
        self.read_so_far = self.size if whence == io.SEEK_END else offset
        return self.read_so_far

    def readinto(self, buffer):
        n = min(len(buffer), self.size - self.read_so_far)
        buffer[:n] = b"a" * n
        self.read_so_far += n
        return n


@pytest.mark.parametrize("path", ["/sign-out", "/", "/sign-in"])
def test_a_body_over_the_limit_is_a_413_and_is_not_read(app, path):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = _CountingStream(30 * 1024 * 1024)
    r = app.test_client().post(path, input_stream=body, content_length=body.size,
                               content_type="application/x-www-form-urlencoded")
    assert r.status_code == 413
    assert "That is too large" in r.get_data(as_text=True)
    assert body.read_so_far <= limit
    # A body without a length (chunked), cut off at the limit.
    body = _CountingStream(30 * 1024 * 1024)
    r = app.test_client().post(path, input_stream=body, content_type="application/x-www-form-urlencoded",
                               environ_overrides={"wsgi.input_terminated": True})
    assert r.status_code == 413 and body.read_so_far <= limit + 64 * 1024


def test_the_limit_fits_the_largest_form(app):
    """Every form's text at its maximum length, each character a 4-byte one percent-encoded, fits the limit."""
    from wtforms.validators import Length

    from app.cases import decision_forms
    from app.cases import forms as case_forms
    from app.organisations import forms as organisation_forms
    from app.referrals import forms as referral_forms

    with app.test_request_context():
        largest = 0
        for module in (decision_forms, case_forms, organisation_forms, referral_forms):
            for cls in vars(module).values():
                if isinstance(cls, type) and hasattr(cls, "known_names") and cls.__module__ == module.__name__:
                    form = cls(meta={"csrf": False})
                    largest = max(largest, sum(v.max for f in form for v in f.validators if isinstance(v, Length)))
    assert largest >= 11_000 and largest * 12 * 2 < app.config["MAX_CONTENT_LENGTH"]


def test_file_parts_are_refused(officer):
    cid = start(officer)
    r = officer.client.post(f"/cases/{cid}/offences", data={"csrf_token": officer.token, "q": "shop",
                                                             "file": (io.BytesIO(b"MZ"), "a.exe")},
                            content_type="multipart/form-data")
    assert r.status_code == 400 and "does not accept file uploads" in r.get_data(as_text=True)


def test_a_field_sent_twice_is_refused(app, login_as, demo_data):
    from tests.referrals.test_routes import _prefix

    _, worker, a = _booked_appointment(app, login_as)
    p = _prefix(a)
    r = worker.client.post(f"/referrals/appointments/{a.public_id}/attendance", data={
        "csrf_token": worker.token, f"{p}-outcome": ["did_not_attend", "attended"], f"{p}-note": "x",
        f"{p}-version": str(a.version)})
    assert r.status_code == 422
    assert "the same answer more than once" in _summary(r) and _outcome(app, a) is None
    # Checkboxes take several values: a group with two of the same person's answers is not refused for that.
    r = worker.client.post("/referrals/groups/new", data={
        "csrf_token": worker.token, "title": "Workshop", "on": _d(clock.today() + timedelta(days=1)),
        "at": "11:00", "minutes": "60", "mode": "in_person", "participants": [*_working(app), str(uuid.uuid4())]})
    assert "more than once" not in r.get_data(as_text=True)


def test_only_fields_that_take_several_values_may_repeat(app):
    from werkzeug.datastructures import MultiDict

    from app.referrals.forms import GroupSessionForm

    sent = MultiDict([("title", "Workshop"), ("participants", "a"), ("participants", "b"),
                      ("on", "1"), ("on", "2"), ("on", "2030"), ("at", "10:00")])
    with app.test_request_context(method="POST", data=sent):
        assert GroupSessionForm(meta={"csrf": False}).repeated_fields() == []
    sent.add("title", "Another")
    sent.add("csrf_token", "x")
    sent.add("csrf_token", "y")
    with app.test_request_context(method="POST", data=sent):
        assert GroupSessionForm(meta={"csrf": False}).repeated_fields() == ["csrf_token", "title"]
