"""Keeping tokens out of the logs.

A sign-out sends the browser to the provider's end-session endpoint with the ID token as `id_token_hint` in the
query, and the ID token carries the person's name and email. Any request line that includes it (the development
provider is served by the portal's own server; a proxy or referrer can carry it too) would write it to the
access log. This filter rewrites every record of the access loggers before it is emitted: token parameters,
anything shaped like a JWT, the token in a staff invitation's link and in a calendar feed's address become "[redacted]".
"""

from __future__ import annotations

import logging
import re

_PARAMS = re.compile(r"\b((?:id_token_hint|id_token|access_token|refresh_token|code_verifier|client_assertion"
                     r"|logout_token)=)[^&\s\"']+")
_JWT = re.compile(r"\beyJ[\w-]*\.[\w-]+\.[\w-]*")
# The link of a staff invitation, and the address of a calendar feed, are their own secrets.
_INVITATION = re.compile(r"(/staff-invitations/|/calendar/)[^/?\s\"']+")
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def redact(text: str) -> str:
    return _INVITATION.sub(r"\1[redacted]", _JWT.sub("[redacted]", _PARAMS.sub(r"\1[redacted]", text)))


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install() -> None:
    """Attach the filter to the access loggers (once, however many apps are created)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
