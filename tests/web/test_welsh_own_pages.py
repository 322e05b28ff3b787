"""Welsh on the person cautioned's own pages: their case page (what they must do, appointments, reminders, who to
contact), the reminders and contact-details pages, the calendar feed page and the home page, in Welsh once they
choose it, and in English exactly as before when they choose English again."""

from __future__ import annotations

import re

from tests.conftest import csrf_from
from tests.web.test_welsh import _choose, _lang


def _without_tokens(page: str) -> str:
    """The page less what differs on every request: the CSRF token and the script nonce."""
    page = re.sub(r'name="csrf_token" value="[^"]*"', "", page)
    page = re.sub(r"X-CSRFToken&#34;: &#34;[^&]*&#34;", "", page)
    return re.sub(r'nonce="[^"]*"', "", page)


def _pages(client) -> dict[str, str]:
    home = client.get("/").get_data(as_text=True)
    case_path = re.search(r'href="(/my/cases/[^"#]+)"', home).group(1)
    paths = {"home": "/", "case": case_path, "reminders": f"{case_path}/reminders",
             "contact": f"{case_path}/contact-details", "feed": "/my/calendar-feed"}
    pages = {}
    for name, path in paths.items():
        response = client.get(path)
        assert response.status_code == 200, path
        pages[name] = response.get_data(as_text=True)
    return pages


def test_the_person_cautioneds_own_pages_are_in_welsh_and_english_is_unchanged(app, login_as, demo_data):
    client = login_as("offender")
    english = _pages(client)
    assert "What you must do" in english["case"] and "Who to contact" in english["case"]
    assert "How do you want to get reminders?" in english["reminders"]

    _choose(client, "cy", "/", csrf_token=csrf_from(english["home"]))
    welsh = _pages(client)
    assert all(_lang(page) == "cy" for page in welsh.values())
    case = welsh["case"]
    for said in ("Beth mae\u2019n rhaid i chi ei wneud", "Eich apwyntiadau", "Nodiadau atgoffa", "Gyda phwy i gysylltu",
                 "Eich cyswllt yn yr heddlu", "Sut rydych eisiau cael nodiadau atgoffa?", "Cadw fy newis"):
        assert said in case, said
    for said in ("What you must do", "Your appointments", "Who to contact", "Your police contact",
                 "How do you want to get reminders?", "Save my choice"):
        assert said not in case, said
    assert "Eich nodiadau atgoffa" in welsh["reminders"] and "Your reminders" not in welsh["reminders"]
    assert "Beth sy\u2019n anghywir gyda\u2019ch manylion cyswllt?" in welsh["contact"]
    assert "What is wrong with your contact details?" not in welsh["contact"]
    assert "Tanysgrifio i\u2019ch apwyntiadau" in welsh["feed"]
    assert "Subscribe to your appointments" not in welsh["feed"]
    assert "Cyfeirnod" in welsh["home"] and "What has happened so far" not in welsh["home"]

    # An empty answer is refused in Welsh.
    refused = client.post(re.search(r'action="([^"]+/contact-details)"', welsh["contact"]).group(1),
                          data={"csrf_token": csrf_from(welsh["contact"]), "what": " "})
    assert refused.status_code == 422
    assert "Dywedwch wrthym beth sy\u2019n anghywir gyda\u2019ch manylion cyswllt" in refused.get_data(as_text=True)

    _choose(client, "en", "/", csrf_token=csrf_from(welsh["home"]))
    again = _pages(client)
    assert {k: _without_tokens(v) for k, v in again.items()} == {k: _without_tokens(v) for k, v in english.items()}


