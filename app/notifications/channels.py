"""How a message leaves the portal. One channel per deployment (`NOTIFICATION_CHANNEL`): `outbox` keeps it for
the development page, `smtp` sends email through an SMTP server, `notify` sends email and text messages through
GOV.UK Notify. A channel raises `TransientFailure` for what may work later (the dispatcher retries with backoff)
and `PermanentFailure` for what never will (an invalid number, a bounced address)."""

from __future__ import annotations

from dataclasses import dataclass, field


class TransientFailure(Exception):
    """Try again later: the service is down, slow, or asked us to slow down."""


class PermanentFailure(Exception):
    """This address or number will never work; retrying cannot help."""


@dataclass(frozen=True)
class Outgoing:
    key: str  # the notification's idempotency key: also the channel's reference, so a resend can be recognised
    medium: str  # "email" or "sms"
    to: str  # an email address or a phone number
    template: str  # the message's template key, e.g. "appointment_reminder"
    subject: str  # email only ("" for a text message)
    body: str  # the message as the recipient reads it, rendered from templates/messages/
    personalisation: dict = field(default_factory=dict)


class Channel:
    name = ""
    media: frozenset[str] = frozenset()  # what it can send: "email", "sms"

    def send(self, message: Outgoing) -> str:
        """Send one message; return the channel's reference for it."""
        raise NotImplementedError

    def already_sent(self, key: str) -> str | None:
        """The channel's reference if a message with this key was already accepted (after a crash between
        sending and recording it), or None when the channel cannot tell or has no such message."""
        return None


class OutboxChannel(Channel):
    """Development: nothing leaves; the development outbox page shows every message as its reader would."""

    name = "outbox"
    media = frozenset({"email", "sms"})

    def send(self, message: Outgoing) -> str:
        return f"outbox:{message.key}"

    def already_sent(self, key: str) -> str | None:
        return None  # nothing left the database, so a message held by a dead dispatcher was not sent


def from_config(config) -> Channel:
    """The deployment's channel, from NOTIFICATION_CHANNEL and its settings."""
    kind = config["NOTIFICATION_CHANNEL"]
    if kind == "smtp":
        from app.notifications.smtp import SmtpChannel

        return SmtpChannel(host=config["SMTP_HOST"], port=config["SMTP_PORT"], security=config["SMTP_SECURITY"],
                           username=config["SMTP_USERNAME"], password=config["SMTP_PASSWORD"],
                           sender=config["SMTP_FROM"], timeout=config["SMTP_TIMEOUT"])
    if kind == "notify":
        from app.notifications.notify import NotifyChannel

        return NotifyChannel(config["NOTIFY_API_KEY"], config["NOTIFY_BASE_URL"], config["NOTIFY_TEMPLATES"],
                             per_second=config["NOTIFY_PER_SECOND"])
    return OutboxChannel()
