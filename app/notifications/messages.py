"""Messages are files: templates/messages/<template>.<medium>.txt, rendered with the row's personalisation.
An email's first line is `Subject: ...`; an in-app message is the email's words. A text message must fit in two
fragments (306 GSM characters): tests render each with the longest values it can be given."""

from __future__ import annotations

from flask import current_app

SMS_LIMIT = 306


def render(template: str, medium: str, personalisation: dict) -> tuple[str, str]:
    """(subject, body); the subject is "" for a text message."""
    source = "email" if medium == "in_app" else medium
    # The app's Jinja environment (its filters), without a request's context processors: a message knows only
    # its own personalisation.
    text = current_app.jinja_env.get_template(f"messages/{template}.{source}.txt").render(**personalisation).strip()
    if source != "email":
        return "", text
    first, _, rest = text.partition("\n")
    if not first.startswith("Subject: "):
        raise ValueError(f"messages/{template}.email.txt must start with a Subject: line")
    return first.removeprefix("Subject: ").strip(), rest.strip()
