"""Every part of a page sits in a landmark (axe's `region` rule): the back link is inside <main>, the development
identity provider's phase banner inside its header. The browser tests run axe itself on every page they visit."""

from __future__ import annotations

import re


def _inside(html: str, landmark: str, marker: str) -> bool:
    found = re.search(rf"<{landmark}\b.*?</{landmark}>", html, re.S)
    return bool(found) and marker in found.group(0)


def test_the_back_link_is_inside_main(login_as):
    html = login_as("officer-north").get("/cases/new").get_data(as_text=True)
    assert html.count("govuk-back-link") == 1 and _inside(html, "main", "govuk-back-link")


def test_a_page_without_a_back_link_keeps_mains_spacing(login_as):
    html = login_as("officer-north").get("/").get_data(as_text=True)
    assert '<main class="govuk-main-wrapper" id="main-content">' in html and "govuk-back-link" not in html


def test_the_development_providers_banner_is_in_its_header(client):
    start = client.get("/sign-in/dev-staff")
    page = client.get("/dev-idp" + start.headers["Location"].split("/dev-idp", 1)[1]).get_data(as_text=True)
    assert "govuk-phase-banner" in page and _inside(page, "header", "govuk-phase-banner")
