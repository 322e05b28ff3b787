"""Welsh on the victim's own page (its headings, update choices and their errors, support and complaints) and in
the messages sent to a victim or a person whose case is finished, with English unchanged."""

from __future__ import annotations

import pytest

from app.notifications import messages
from tests.conftest import csrf_from
from tests.notifications.test_messages import GSM
from tests.victims.helpers import issued_with_kim, text
from tests.victims.test_victim_page import _ids

pytestmark = pytest.mark.calendar

COOKIE = "resolve_language"


def test_the_victims_page_and_its_errors_are_in_welsh_and_english_is_unchanged(app, demo_data, login_as):
    with app.app_context():
        ids = _ids(issued_with_kim())
    kim = login_as("victim")
    url = f"/my/victim-cases/{ids['case']}"
    english = text(kim.get(url).get_data(as_text=True))
    assert "Your case as a victim" in english and "You get updates on Resolve." in english
    assert "they must tell you within 5 working days" in english and "Help and support" in english
    assert "By text message (we do not have one for you)" in english and "Save my choice" in english

    page = kim.get("/").get_data(as_text=True)
    assert kim.post("/language", data={"locale": "cy", "next": url,
                                       "csrf_token": csrf_from(page)}).status_code == 303
    raw = kim.get(url).get_data(as_text=True)
    welsh = text(raw)
    assert '<html lang="cy"' in raw
    assert "Eich achos fel dioddefwr" in welsh and "Your case as a victim" not in welsh
    assert "Rydych yn cael diweddariadau ar Resolve." in welsh and "You get updates" not in welsh
    assert "o fewn 5 diwrnod gwaith" in welsh and "working days" not in welsh
    assert "Help a chymorth" in welsh and "Cyfiawnder adferol" in welsh and "Gofyn cwestiwn neu gwyno" in welsh
    assert "Ydych chi eisiau diweddariadau am yr achos?" in welsh and "Cadw fy newis" in welsh
    assert "Drwy neges destun (nid oes gennym un ar eich cyfer)" in welsh and "Mae gennyf ddiddordeb" in welsh
    assert "Save my choice" not in welsh and "I am interested" not in welsh

    bad = kim.post(f"{url}/updates", data={"csrf_token": csrf_from(raw), "updates": "yes"})
    assert bad.status_code == 422
    said = text(bad.get_data(as_text=True))
    assert "Dewiswch sut rydych eisiau cael diweddariadau" in said
    assert "Choose how you want to get updates" not in said

    kim.post("/language", data={"locale": "en", "next": url, "csrf_token": csrf_from(raw)})
    assert text(kim.get(url).get_data(as_text=True)) == english


@pytest.mark.parametrize(("template", "welsh", "english"), [
    ("victim_update", "Mae diweddariad am eich achos. Mewngofnodwch i Resolve i'w ddarllen: ",
     "There is an update about your case. Sign in to Resolve to read it: "),
    ("case_finished", "Resolve: rydych wedi gwneud popeth roedd rhaid i chi ei wneud.",
     "Resolve: you have done everything you had to do."),
])
def test_the_victims_and_finished_messages_in_welsh(app, template, welsh, english):
    values = {"link": "https://resolve.example/my", "reference": "NSP-1"}
    with app.test_request_context():
        _, sms = messages.render(template, "sms", values, locale="cy")
        subject, email = messages.render(template, "email", values, locale="cy")
        _, sms_en = messages.render(template, "sms", values, locale="en")
        subject_en, email_en = messages.render(template, "email", values, locale="en")
    assert sms.startswith(welsh) and english not in sms and set(sms) <= GSM | set("0123456789")
    assert sms_en.startswith(english)
    assert subject and subject != subject_en and "https://resolve.example/my" in email
    assert "Subject" not in email and subject_en in ("There is an update about your case",
                                                      "You have done everything you had to do")
    assert email_en.split("\n")[0] in ("There is an update about your case.",
                                       "You have done everything you had to do. There is nothing more you need to do.")
