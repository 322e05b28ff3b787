"""Every phone number shown is a tel: link that dials it: one filter, whatever spacing the number was written with."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.web.filters import phone_link
from tests.referrals.conftest import load_world


@pytest.mark.parametrize(("written", "dialled"), [
    ("08 08 16 89 111", "+448081689111"),  # Victim Support's number, written their way
    ("07700 900123", "+447700900123"),
    ("+44 7700 900 123", "+447700900123"),
    ("+44 20 7946 0000", "+442079460000"),
    ("0044 20-7946-0000", "+442079460000"),
])
def test_a_phone_number_becomes_a_tel_link_shown_as_written(written, dialled):
    assert str(phone_link(written)) == f'<a class="govuk-link" href="tel:{dialled}">{written}</a>'


def test_what_is_not_a_number_is_shown_as_text_and_escaped():
    assert str(phone_link("ask at reception <b>")) == "ask at reception &lt;b&gt;"
    assert str(phone_link(None)) == "" and str(phone_link("")) == ""


def test_the_victims_page_links_victim_supports_number(login_as):
    html = login_as("victim").get("/").get_data(as_text=True)
    assert '<a class="govuk-link" href="tel:+448081689111">08 08 16 89 111</a>' in html


def test_the_referral_shows_the_persons_phone_as_a_link(app, login_as, demo_data):
    with app.app_context():
        w = load_world()
        referral_id, phone = str(w.sent.public_id), w.sent.dataset["person"]["phone"]
        db.session.remove()
    assert phone
    html = login_as("freshstart-manager").get(f"/referrals/{referral_id}").get_data(as_text=True)
    dialled = "+44" + phone.replace(" ", "")[1:]
    assert f'<a class="govuk-link" href="tel:{dialled}">{phone}</a>' in html
