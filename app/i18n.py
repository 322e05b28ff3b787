"""English and Welsh. The portal's language for a request: the signed-in user's stored choice, else the language
cookie (people not signed in), else English. The browser's Accept-Language is not read: a shared or borrowed
phone says little about its reader, and a person's choice must not change behind their back. Messages are
rendered in their recipient's language (`recipient_locale`), whoever is looking at them."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request
from flask_login import current_user

from app.audit import services as audit

LOCALES = {"en": "English", "cy": "Cymraeg"}  # each language named in itself, as the switch shows it
DEFAULT = "en"
WELSH_WORDS = {"welsh", "cymraeg", "cy"}  # what an officer may have typed as a person's preferred language
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def N_(text: str) -> str:
    """Marks text for the catalogue that is stored or kept in English and translated where it is shown."""
    return text


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    if not has_request_context():
        return DEFAULT
    if current_user.is_authenticated:
        if current_user.locale in LOCALES:
            return current_user.locale
        if current_user.kind != "public":
            return DEFAULT  # staff pages are in English: a language cookie left on a shared computer is not theirs
    chosen = request.cookies.get(current_app.config["LANGUAGE_COOKIE_NAME"])
    return chosen if chosen in LOCALES else DEFAULT


def offers_choice(user) -> bool:
    """The switch is on the public's pages: signed out (sign-in, invitations, errors) or a member of the public.
    Staff pages stay in English."""
    return not user.is_authenticated or user.kind == "public"


def other_locale(locale: str) -> str:
    return "cy" if locale == "en" else "en"


def person_locale(person) -> str:
    """The language a person reads: their linked user's choice, else Welsh when their record says Welsh."""
    from app.auth.models import User
    from app.extensions import db

    if person.user_id is not None:
        user = db.session.get(User, person.user_id)
        if user is not None and user.locale in LOCALES:
            return user.locale
    return "cy" if (person.language or "").strip().lower() in WELSH_WORDS else DEFAULT


def recipient_locale(notification) -> str:
    """A message's language: its person's (the person cautioned or a victim), else its user's, else English."""
    from app.auth.models import User
    from app.extensions import db
    from app.people.models import Person

    if notification.person_id is not None:
        person = db.session.get(Person, notification.person_id)
        if person is not None:
            return person_locale(person)
    if notification.user_id is not None:
        user = db.session.get(User, notification.user_id)
        if user is not None and user.locale in LOCALES:
            return user.locale
    return DEFAULT


def same_site_path(value: str | None) -> str | None:
    """The page to go back to, if it is a path on this site ("/x?y"); None for anything else (another site,
    a scheme, "//host", a backslash some browsers read as a slash, or a tab, newline or other control character
    or space, which browsers strip from a URL: "/<tab>/host" would become "//host")."""
    if (not value or not value.startswith("/") or value.startswith("//") or "\\" in value
            or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in value)):
        return None
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else None


def here() -> str:
    """The page the switch comes back to: this one; for a page a form's POST rendered (a 422), the page the form
    was on, as the Referer names it, since the POST's address cannot be fetched again."""
    if request.method in ("GET", "HEAD"):
        return request.full_path if request.query_string else request.path
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path:
        return same_site_path(referrer.path + (f"?{referrer.query}" if referrer.query else "")) or "/"
    return "/"


def choose(user, locale: str) -> None:
    """A signed-in user's choice, stored and audited (flushed by the commit; the caller commits)."""
    if user.locale == locale:
        return
    audit.record("user.locale", actor=user, obj=user, detail={"from": user.locale, "to": locale})
    user.locale = locale


def set_cookie(response, locale: str) -> None:
    cfg = current_app.config
    response.set_cookie(cfg["LANGUAGE_COOKIE_NAME"], locale, max_age=timedelta(days=cfg["LANGUAGE_COOKIE_DAYS"]),
                        path="/", secure=cfg["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")


def compile_catalogues(only_if_stale: bool = True) -> list[Path]:
    """Compile each translations/<locale>/LC_MESSAGES/messages.po to its .mo (a build product, not committed):
    `make install` runs `pybabel compile`; the tests call this so that a fresh clone works too."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if only_if_stale and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalogue = read_po(source, locale=po.parts[-3])
        partial = mo.with_suffix(f".mo.{os.getpid()}")  # then renamed: a reader never sees half a file
        with partial.open("wb") as target:
            write_mo(target, catalogue)
        partial.replace(mo)
        written.append(mo)
    return written


NEEDS_TRANSLATION = "needs translation"


def mark_untranslated(po: Path | None = None) -> list[str]:
    """Give every entry with no translation the `#. needs translation` comment, and take it off translated ones.
    `pybabel update` rewrites such comments from the template, so run this after it (`flask translations mark`).
    Returns the untranslated messages."""
    from babel.messages.pofile import read_po, write_po

    po = po or TRANSLATIONS / "cy" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as source:
        catalogue = read_po(source, locale=po.parts[-3])
    untranslated = []
    for message in catalogue:
        if not message.id:
            continue
        message.auto_comments = [c for c in message.auto_comments if c != NEEDS_TRANSLATION]
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if not all(strings):
            message.auto_comments.append(NEEDS_TRANSLATION)
            untranslated.append(message.id if isinstance(message.id, str) else message.id[0])
    with po.open("wb") as target:
        write_po(target, catalogue, width=120, sort_output=True)
    return untranslated
