"""Plain English for the public: every page of the person cautioned and of the victim, and every message the
public can be sent, reads at a reading age of 10 or under (Flesch-Kincaid grade plus 5; the goal is about 9,
`bench/reading_age.py` prints the figures). The signed caution document is the legal text and is left out."""

from __future__ import annotations

import pytest

from bench.reading_age import LEGAL, measure, pages_of, public_messages
from bench.reading_age import main_text as text_of

MOST = 10


@pytest.mark.parametrize("persona", ["offender", "victim"])
def test_the_publics_pages_read_plainly(app, demo_data, persona):
    pages = pages_of(app.test_client(), persona)
    assert len(pages) >= 2, pages.keys()  # the home page and at least one page of their own
    ages = {path: measure(text_of(html))[0] for path, html in pages.items() if not path.endswith(LEGAL)}
    assert all(age <= MOST for age in ages.values()), ages


def test_the_publics_messages_read_plainly(app):
    with app.app_context():
        ages = {name: measure(text)[0] for name, text in public_messages(app)}
    assert len(ages) >= 10 and all(age <= MOST for age in ages.values()), ages
