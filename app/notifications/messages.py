"""Messages are files: templates/messages/<template>.<medium>.txt, rendered with the row's personalisation.
An email's first line is `Subject: ...`; an in-app message is the email's words. A text message must fit in two
fragments (306 GSM characters): tests render each with the longest values it can be given, in English and in
Welsh. A message is in its recipient's language (app/i18n.py), whoever renders it: the dispatcher, or a page
listing it."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale

from app import formats, i18n

SMS_LIMIT = 306


def render_for(notification) -> tuple[str, str]:
    """A message as its recipient reads it, in their language."""
    return render(notification.template, notification.medium, notification.personalisation,
                  locale=i18n.recipient_locale(notification))


def render(template: str, medium: str, personalisation: dict, *, locale: str = i18n.DEFAULT) -> tuple[str, str]:
    """(subject, body); the subject is "" for a text message."""
    source = "email" if medium == "in_app" else medium
    # The app's Jinja environment (its filters), without a request's context processors: a message knows only
    # its own personalisation.
    with force_locale(locale):
        text = current_app.jinja_env.get_template(f"messages/{template}.{source}.txt").render(
            **_in_locale(personalisation, locale)).strip()
    if source != "email":
        return "", text
    first, _, rest = text.partition("\n")
    if not first.startswith("Subject: "):  # the marker is not translated
        raise ValueError(f"messages/{template}.email.txt must start with a Subject: line")
    return first.removeprefix("Subject: ").strip(), rest.strip()


def _in_locale(personalisation: dict, locale: str) -> dict:
    """The days and times a row stores are English words ("Tuesday 15 June 2027", "2:30pm"): in another language
    they are written again in its words (called under force_locale)."""
    if locale == i18n.DEFAULT:
        return personalisation
    said = {"day": formats.said_day, "old_day": formats.said_day, "time": formats.said_time,
            "old_time": formats.said_time}
    return {k: said[k](v) if k in said and isinstance(v, str) else v for k, v in personalisation.items()}
