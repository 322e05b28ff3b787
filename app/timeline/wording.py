"""Each audience's words for an event, from the template of its kind: `templates/timeline/<kind>.txt`, rendered
with the event's `detail`, its `kind` and the `audience` reading it ("police", "provider", "offender", "victim",
"scrutiny"). An event stored with its words already written (before events were worded per audience) keeps them
in `detail["text"]`; `timeline/_text.txt` reads them, and words a kind that has no template of its own."""

from __future__ import annotations

from flask import current_app

from app.timeline.models import Audience, TimelineEvent

FALLBACK = "timeline/_text.txt"


def words(event: TimelineEvent, audience: Audience | None) -> str:
    """The event in the audience's words, on one line (a template may spread its branches over several)."""
    names = [FALLBACK] if "text" in event.detail else [f"timeline/{event.kind}.txt", FALLBACK]
    text = current_app.jinja_env.select_template(names).render(
        detail=event.detail, kind=event.kind, audience=audience.word if audience else "")
    return " ".join(text.split())


def register(app) -> None:
    app.add_template_filter(words)
