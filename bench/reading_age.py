"""Reading age of what the public read: the pages of the person cautioned and of the victim, and the messages sent
to them.

    .venv/bin/python bench/reading_age.py 2>/dev/null   # a table; --text prints the text measured as well

It builds the demo on a temporary SQLite database, signs in as Jordan (the person cautioned) and Kim (the victim)
through the development identity provider, and follows the links from their home pages that stay on their own
pages (/, /my/...). The text of each page's <main> is measured (each heading, list item, label, cell and button
counted as a sentence of its own), and so is each message the public can be sent (rendered with everyday values, the
hardest-reading of the disposals' consequence texts). The formula is Flesch-Kincaid's
grade (`textstat`); the reading age is the grade plus 5, the usual conversion. The goal is about 9.
The signed caution document is the legal text the person signed, so it is listed but kept out of the summary.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import textstat

from app import create_app, demo
from app.cases import packs
from app.extensions import db
from app.notifications.messages import render
from tests.conftest import sign_in

GOAL = 9
BLOCKS = {"h1", "h2", "h3", "h4", "p", "li", "dt", "dd", "td", "th", "label", "legend", "button", "summary",
          "caption", "div", "span"}
SKIP = {"script", "style", "template", "svg"}
OWN = re.compile(r'href="(/(?:my/[^"#?]*)?)"')
LEGAL = ("/document",)
MESSAGES = Path(__file__).resolve().parent.parent / "templates" / "messages"
STAFF_MESSAGES = {"flag_raised", "outcome_due", "deadline_officer", "staff_invitation", "contact_change_asked",
                  "rearrange_asked", "victim_rj_interest"}
EVERYDAY = {"day": "Tuesday 8 December", "time": "10:30am", "old_day": "Monday 7 December", "old_time": "2pm",
            "days": 3, "place": "Fresh Start, 4 High Street, Northtown", "how": None, "provider": "Fresh Start",
            "phone": "01234 567890", "deadline": "Friday 26 February", "link": "https://resolve.example/i/ABCDEFGHJKMN",
            "code": "ABCD-EFGH-JKMN", "minutes": 15}


class MainText(HTMLParser):
    """The words inside <main>, with a full stop closing each block that has none, so a heading or a list item is
    not read as the start of one long sentence."""

    def __init__(self):
        super().__init__()
        self.depth = self.skipping = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.depth += 1
        elif tag in SKIP:
            self.skipping += 1

    def handle_endtag(self, tag):
        if tag == "main":
            self.depth -= 1
        elif tag in SKIP:
            self.skipping -= 1
        elif tag in BLOCKS and self.parts and not self.parts[-1].rstrip().endswith((".", "?", "!", ":")):
            self.parts.append(".")

    def handle_data(self, data):
        if self.depth and not self.skipping and data.strip():
            self.parts.append(data.strip())

    def text(self) -> str:
        joined = re.sub(r"\s+", " ", " ".join(self.parts))
        return re.sub(r"(\s*\.)+", ".", joined).replace(" .", ".")


def main_text(html: str) -> str:
    parser = MainText()
    parser.feed(html)
    return parser.text()


def measure(text: str) -> tuple[float, int]:
    text = re.sub(r"https?://\S+", "the link", text)  # read as "the link", not as a long word of many syllables
    grade = textstat.flesch_kincaid_grade(text)
    return grade + 5, textstat.lexicon_count(text)


def pages_of(client, persona: str) -> dict[str, str]:
    """Every page reachable from the persona's home by their own links, GET only."""
    home = sign_in(client, persona)
    seen, todo, found = {"/"}, [], {"/": home.get_data(as_text=True)}
    todo.extend(OWN.findall(found["/"]))
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code == 200 and response.mimetype == "text/html":
            found[path] = response.get_data(as_text=True)
            todo.extend(OWN.findall(found[path]))
    return found


def _sentences(text: str) -> str:
    """A message's lines, each a sentence (a subject line or "When: ..." has no full stop of its own)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(line if line.endswith((".", "?", "!", ":")) else f"{line}." for line in lines)


def public_messages(app) -> list[tuple[str, str]]:
    """Each message the public can be sent, rendered with everyday values and each disposal's consequence."""
    consequences = {d.reminder_text for r in packs.regimes().values() for p in r.versions
                    for d in p.disposal_types.values()}
    rendered = []
    with app.test_request_context():
        for path in sorted(MESSAGES.glob("*.txt")):
            template, medium = path.name.split(".")[:2]
            if template.startswith("_") or template in STAFF_MESSAGES:
                continue
            worst = max((_sentences("\n".join(render(template, medium, EVERYDAY | {"consequence": c})))
                         for c in consequences), key=lambda text: measure(text)[0])
            rendered.append((f"message {template}.{medium}", worst))
    return rendered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", action="store_true", help="print the text measured")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["RESOLVE_INSTANCE"] = tmp
        app = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/reading.db",
                                  "SERVER_NAME": "127.0.0.1:5000"})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
            demo.seed()
            db.session.commit()
            messages = public_messages(app)
            db.session.remove()
        rows = []
        for persona in ("offender", "victim"):
            for path, html in pages_of(app.test_client(), persona).items():
                path = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "<id>", path)
                rows.append((f"{persona} {path}", main_text(html)))
        rows.extend(messages)
        with app.app_context():
            db.engine.dispose()
    print(f"{'what':58} {'words':>6} {'reading age':>12}")
    counted = []
    for name, text in rows:
        age, words = measure(text)
        legal = any(name.endswith(end) for end in LEGAL)
        if not legal:
            counted.append((age, words))
        print(f"{name[:58]:58} {words:6} {age:12.1f}{'  (legal text, not in the summary)' if legal else ''}")
        if args.text:
            print(f"    {text}\n")
    total = sum(words for _, words in counted)
    print(f"\nweighted by words: reading age {sum(a * w for a, w in counted) / total:.1f}; "
          f"highest {max(a for a, _ in counted):.1f}; goal about {GOAL}")


if __name__ == "__main__":
    main()
