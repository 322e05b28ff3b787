"""Welsh: the language switch (a cookie signed out; the user's stored, audited choice signed in), <html lang>, the
public's pages and the messages sent to them in Welsh (tests/notifications/test_messages.py fits every text in
two fragments in both languages), refusals of a bad language or a return path off the site, dates in Welsh with
English unchanged, and a catalogue that holds every marked string and compiles."""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale
from sqlalchemy import select

from app import clock, i18n
from app.audit.models import AuditEvent
from app.auth.models import User
from app.cases import services as case_services
from app.extensions import db
from app.formats import london_datetime, long_date, time_of_day, weekday_date
from app.notifications import messages
from app.organisations.models import Role
from tests import factories
from tests.conftest import csrf_from
from tests.notifications.helpers import case_for, london, rows
from tests.notifications.test_messages import GSM, LONGEST, TEMPLATES

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "translations" / "cy" / "LC_MESSAGES" / "messages.po"
COOKIE = "resolve_language"


def _lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def _choose(client, locale, next_path="/sign-in", **extra):
    return client.post("/language", data={"locale": locale, "next": next_path, **extra})


# --- the switch -------------------------------------------------------------------------------------------------


def test_signed_out_the_switch_sets_a_cookie_and_the_page_is_in_welsh(app):
    client = app.test_client()
    english = client.get("/sign-in").get_data(as_text=True)
    assert _lang(english) == "en" and "Sign in to Resolve" in english
    assert re.search(r'<button[^>]*lang="cy"[^>]*>\s*Cymraeg\s*</button>', english)
    assert 'name="csrf_token"' not in english  # an anonymous page still creates no session

    chosen = _choose(client, "cy", "/sign-in?from=here")
    assert chosen.status_code == 303 and chosen.headers["Location"] == "/sign-in?from=here"
    cookies = chosen.headers.getlist("Set-Cookie")
    assert any(c.startswith(f"{COOKIE}=cy;") and "HttpOnly" in c and "SameSite=Lax" in c for c in cookies)
    assert not [c for c in cookies if c.startswith(app.config["SESSION_COOKIE_NAME"])]

    welsh = client.get("/sign-in").get_data(as_text=True)
    assert _lang(welsh) == "cy"
    assert "Mewngofnodi i Resolve" in welsh and "Neidio i\u2019r prif gynnwys" in welsh
    assert "Datganiad hygyrchedd" in welsh and "Sign in to Resolve" not in welsh
    assert re.search(r'<button[^>]*lang="en"[^>]*>\s*English\s*</button>', welsh)
    # Back to English, and the page is exactly as before.
    _choose(client, "en")
    assert client.get("/sign-in").get_data(as_text=True).count("Sign in to Resolve") == english.count(
        "Sign in to Resolve")


@pytest.mark.parametrize("next_path", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                       "javascript:alert(1)", "evil.example", "", None, "http:/x",
                                       "/\t/evil.example", "/\n/evil.example", "/ /evil.example"])
def test_the_return_path_must_be_a_path_on_this_site(app, next_path):
    client = app.test_client()
    data = {"locale": "cy"} | ({} if next_path is None else {"next": next_path})
    response = client.post("/language", data=data)
    assert response.status_code == 400
    assert "Set-Cookie" not in response.headers and "Location" not in response.headers


@pytest.mark.parametrize("locale", ["fr", "", "CY", "cy-GB", "en_GB", "x" * 500])
def test_a_language_the_portal_does_not_have_is_refused(app, locale):
    response = _choose(app.test_client(), locale)
    assert response.status_code == 400 and "Set-Cookie" not in response.headers


def test_another_site_cannot_set_a_visitors_language(app):
    response = app.test_client().post("/language", data={"locale": "cy", "next": "/"},
                                      headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403 and "Set-Cookie" not in response.headers


def test_signed_in_the_choice_is_stored_on_the_user_and_audited(app, login_as, demo_data):
    client = login_as("offender")
    home = client.get("/").get_data(as_text=True)
    assert "Cymraeg" in home and _lang(home) == "en"
    # Signed in, the switch needs the page's CSRF token.
    assert _choose(client, "cy", "/").status_code == 400
    chosen = _choose(client, "cy", "/", csrf_token=csrf_from(home))
    assert chosen.status_code == 303 and chosen.headers["Location"] == "/"
    with app.app_context():
        user = db.session.get(User, demo_data["offender"])
        assert user.locale == "cy"
        (row,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.locale")).all()
        assert row.actor_id == user.id and row.object_id == str(user.public_id)
        assert row.detail == {"from": None, "to": "cy"}
    page = client.get("/").get_data(as_text=True)
    assert _lang(page) == "cy" and "Allgofnodi" in page and "Eich achosion" in page
    # The stored choice wins over a cookie left on the phone.
    client.set_cookie(COOKIE, "en", domain="127.0.0.1")
    assert client.get_cookie(COOKIE, domain="127.0.0.1").value == "en"
    assert _lang(client.get("/").get_data(as_text=True)) == "cy"


def test_staff_pages_stay_in_english_without_the_switch(app, login_as):
    client = login_as("officer-north")
    client.set_cookie(COOKIE, "cy", domain="127.0.0.1")  # a cookie left on a shared computer
    page = client.get("/").get_data(as_text=True)
    assert _lang(page) == "en" and "Sign out" in page
    assert "Cymraeg" not in page and 'action="/language"' not in page
    refused = _choose(client, "cy", "/", csrf_token=csrf_from(page))
    assert refused.status_code == 403
    with app.app_context():
        assert factories.user("officer-north").locale is None


# --- the public's pages in Welsh ----------------------------------------------------------------------------------


@pytest.mark.calendar
def test_an_invitation_page_and_its_errors_are_in_welsh(app, demo_data):
    with app.app_context():
        case = factories.issued()
        code = factories.invitation(case)
        db.session.commit()
    client = app.test_client()
    _choose(client, "cy", f"/i/{code}")
    page = client.get(f"/i/{code}").get_data(as_text=True)
    assert _lang(page) == "cy"
    assert "Gwirio mai chi ydyw" in page and "Beth yw eich dyddiad geni?" in page and "Parhau" in page
    answered = client.post(f"/i/{code}/birth-date", data={"csrf_token": csrf_from(page),
                                                         "date_of_birth": ["", "", ""]})
    wrong = answered.get_data(as_text=True)
    assert answered.status_code == 422
    assert "Mae problem wedi codi" in wrong and "Rhowch eich dyddiad geni" in wrong
    assert "Gwall:" in wrong and "Diwrnod" in wrong and "Blwyddyn" in wrong and ">Day<" not in wrong
    # The switch on a page a POST rendered comes back to the page the form was on.
    def switch_after_post(referrer: str) -> str:
        again = client.post(f"/i/{code}/birth-date", headers={"Referer": referrer},
                            data={"csrf_token": csrf_from(page), "date_of_birth": ["", "", ""]})
        return re.search(r'name="next" value="([^"]*)"', again.get_data(as_text=True)).group(1)

    assert switch_after_post(f"http://{app.config['SERVER_NAME']}/i/{code}") == f"/i/{code}"
    assert switch_after_post(f"https://evil.example/i/{code}") == "/"
    entry = client.get("/invitation").get_data(as_text=True)
    assert "Rhowch eich cod gwahoddiad" in entry and "Cod gwahoddiad" in entry
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "Heb ddod o hyd i\u2019r dudalen" in missing.get_data(as_text=True)


# --- messages in the recipient's language -------------------------------------------------------------------------


@pytest.mark.calendar
def test_a_message_to_a_person_who_prefers_welsh_is_in_welsh(ctx, demo_data):
    with clock.frozen(london(2027, 6, 1, 9, 0)):
        case, sent = case_for("sms")
        # What the officer recorded with the person's details: their preferred language.
        case_services.update_offender(case, {"language": "Cymraeg"}, None, by=factories.user("officer-north"))
        factories.appointment(sent, london(2027, 6, 15, 14, 30))
    (first, *_) = [n for n in rows(template="appointment_reminder") if n.audience.value == "offender"]
    assert i18n.recipient_locale(first) == "cy"
    _, body = messages.render_for(first)
    assert body.startswith("Nodyn atgoffa: eich apwyntiad ymhen 7 diwrnod, Dydd Mawrth 15 Mehefin 2027 am "
                           "2:30yh")
    assert len(body) <= messages.SMS_LIMIT and set(body) <= GSM | set("0123456789")
    # The stored row is unchanged: English words, translated only as the message is written.
    assert first.personalisation["day"] == "Tuesday 15 June 2027"
    # The person's own choice, once they sign in, wins over what the record says.
    user = factories.public_user("welsh-reader", case, case.offender, Role.OFFENDER)
    i18n.choose(user, "en")
    db.session.flush()
    assert i18n.recipient_locale(first) == "en"
    assert messages.render_for(first)[1].startswith("Reminder: you have an appointment in 7 days, Tuesday 15 June")


@pytest.mark.parametrize("path", sorted(TEMPLATES.glob("*.email.txt")), ids=lambda p: p.name)
def test_every_email_has_a_subject_in_welsh_too(app, path):
    with app.test_request_context():
        subject, body = messages.render(path.name.split(".")[0], "email", LONGEST | {"reference": "NSP-1",
                                                                                     "consequence": "c"}, locale="cy")
    assert subject and body and "\n" not in subject


# --- dates --------------------------------------------------------------------------------------------------------


def test_dates_and_times_in_welsh_and_english_unchanged(app):
    moment = london(2026, 12, 3, 10, 30)
    with app.test_request_context():
        with force_locale("cy"):
            assert long_date(date(2026, 12, 3)) == "3 Rhagfyr 2026" == long_date("2026-12-03")
            assert weekday_date(date(2027, 6, 15)) == "Dydd Mawrth 15 Mehefin 2027"
            assert [time_of_day(time(h, m)) for h, m in ((10, 30), (10, 0), (12, 0), (0, 0), (15, 5))] == [
                "10:30yb", "10yb", "canol dydd", "canol nos", "3:05yh"]
            assert london_datetime(moment) == "3 Rhagfyr 2026 am 10:30yb"
        with force_locale("en"):
            assert long_date(date(2026, 12, 3)) == "3 December 2026"
            assert weekday_date(date(2027, 6, 15)) == "Tuesday 15 June 2027"
            assert london_datetime(moment) == "3 December 2026 at 10:30am"
            assert time_of_day(time(12)) == "midday"


# --- the catalogue ------------------------------------------------------------------------------------------------


def _marked() -> set[str]:
    """Every string marked in the source, extracted as `pybabel extract -F babel.cfg -k _l -k N_` does."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "N_": None, "lazy_gettext": None}
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _ids(catalogue) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}


def test_every_marked_string_is_in_the_catalogue_and_the_welsh_keeps_its_placeholders():
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f, locale="cy")
    with (ROOT / "translations" / "messages.pot").open("rb") as f:
        template = read_po(f)
    marked = _marked()
    assert marked - _ids(catalogue) == set(), "marked but not in the Welsh catalogue: run pybabel extract/update"
    assert marked - _ids(template) == set(), "marked but not in messages.pot: run pybabel extract"
    assert _ids(catalogue) - marked == set(), "in the catalogue but no longer marked: run pybabel update"
    placeholder = re.compile(r"%\((\w+)\)[sd]|%%")
    for m in catalogue:
        if not m.id:
            continue
        texts = m.string if isinstance(m.string, tuple | list) else (m.string,)
        source = m.id if isinstance(m.id, str) else m.id[0]
        for text in texts:
            if text:
                assert sorted(placeholder.findall(text)) == sorted(placeholder.findall(source)), source
            else:
                assert "needs translation" in m.auto_comments, f"untranslated but not marked: {source}"
    assert not catalogue.fuzzy


def test_the_catalogue_compiles_with_the_welsh_in_it(tmp_path, monkeypatch):
    monkeypatch.setattr(i18n, "TRANSLATIONS", tmp_path)
    target = tmp_path / "cy" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "messages.po").write_bytes(CATALOGUE.read_bytes())
    assert i18n.compile_catalogues() == [target / "messages.mo"]
    assert i18n.compile_catalogues() == []  # up to date: not written again
    with (target / "messages.mo").open("rb") as f:
        compiled = read_mo(f)
    assert compiled["Sign in"].string == "Mewngofnodi" and compiled["Sign out"].string == "Allgofnodi"


def test_the_untranslated_are_marked_for_a_translator_and_the_translated_are_not(tmp_path):
    po = tmp_path / "cy" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(CATALOGUE.read_text().replace("#. needs translation\n", ""))  # as `pybabel update` leaves it
    untranslated = i18n.mark_untranslated(po)
    assert "Sign in" not in untranslated and "You can try %(num)d more time." in untranslated
    assert po.read_text() == CATALOGUE.read_text()
