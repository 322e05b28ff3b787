"""The GOV.UK Notify channel: email and text messages through Notify's API, with the pinned official client.

Each message goes to a Notify template chosen by `"<template>.<medium>"` (e.g. `"appointment_reminder.sms"`), or the
generic `"*.email"` / `"*.sms"` template whose content is `((subject))` and `((body))`. The portal renders the text
itself (templates/messages/) and always passes it as the `subject` and `body` personalisation, so a specific
template may use those or the message's own fields. The idempotency key travels as Notify's `reference`, which is
how `already_sent` recognises a message accepted before a crash.

Failures: a recipient Notify will never accept (an invalid number or address, or one a team-only key may not send
to) and any other 400 (the request as built will always be refused) are permanent; a refused API key (401/403),
the rate limit (429), a server error and a network failure are transient. Reasons never carry the recipient.

`receipt` and `callback_authorised` read Notify's delivery-receipt callback.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections.abc import Callable

from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from app.notifications.channels import Channel, Outgoing, PermanentFailure, TransientFailure

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.notifications.service.gov.uk"


class NotifyChannel(Channel):
    name = "notify"
    media = frozenset({"email", "sms"})

    def __init__(
        self,
        api_key: str,
        base_url: str,
        templates: dict[str, str],
        timeout: float = 5,
        per_second: float = 50,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        # A key is "<name>-<service id>-<secret>"; the client reads the last 73 characters.
        if not api_key or len(api_key) < 74 or api_key[-37] != "-" or api_key[-74] != "-":
            raise ValueError("NOTIFY_API_KEY is not a GOV.UK Notify API key")
        if per_second <= 0:
            raise ValueError("NOTIFY_PER_SECOND must be more than 0")
        self._api_key, self._base_url, self._timeout = api_key, base_url or DEFAULT_BASE_URL, timeout
        self.templates = dict(templates or {})
        # The client keeps a requests.Session and is not thread-safe: one per thread.
        self._local = threading.local()
        self._clients: list[NotificationsAPIClient] = []
        # Pacing: each request takes the next free slot, 1/per_second apart.
        self._interval = 1 / per_second
        self._sleep, self._monotonic = sleep, monotonic
        self._lock = threading.Lock()
        self._next_slot = float("-inf")

    # -- the Channel interface

    def send(self, message: Outgoing) -> str:
        if message.medium not in self.media:
            raise PermanentFailure(f"Notify does not send {message.medium}")
        template_id = self.template_for(message.template, message.medium)
        personalisation = message.personalisation | {"subject": message.subject, "body": message.body}
        client = self._client()
        if message.medium == "email":
            call, recipient = client.send_email_notification, {"email_address": message.to}
        else:
            call, recipient = client.send_sms_notification, {"phone_number": message.to}
        response = self._request(
            call, message, template_id=template_id, personalisation=personalisation, reference=message.key, **recipient
        )
        if not isinstance(response, dict) or not response.get("id"):
            raise TransientFailure("Notify's answer had no notification id")
        return str(response["id"])

    def already_sent(self, key: str) -> str | None:
        if not key:
            return None
        response = self._request(self._client().get_all_notifications, None, reference=key)
        for notification in (response or {}).get("notifications") or []:
            if notification.get("reference") == key and notification.get("id"):
                return str(notification["id"])
        return None

    # -- helpers

    def template_for(self, template: str, medium: str) -> str:
        template_id = self.templates.get(f"{template}.{medium}") or self.templates.get(f"*.{medium}")
        if not template_id:
            raise PermanentFailure(f"no Notify template configured for {template}.{medium}")
        return template_id

    def close(self) -> None:
        for client in self._clients:
            client.request_session.close()

    def _client(self) -> NotificationsAPIClient:
        client = getattr(self._local, "client", None)
        if client is None:
            client = NotificationsAPIClient(self._api_key, base_url=self._base_url, timeout=self._timeout)
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def _pace(self) -> None:
        with self._lock:
            now = self._monotonic()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self._interval
        if slot > now:
            self._sleep(slot - now)

    def _request(self, call, message: Outgoing | None, **kwargs):
        self._pace()
        try:
            return call(**kwargs)
        except APIError as error:  # HTTPError, HTTP503Error (also raised for no answer at all), InvalidResponse
            raise _failure(error, message) from None


def _errors(error: APIError) -> list[dict]:
    try:
        errors = error.response.json().get("errors")  # type: ignore[union-attr]
    except (AttributeError, TypeError, ValueError):
        return []
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _failure(error: APIError, message: Outgoing | None) -> Exception:
    status = error.status_code
    if error.response is None:
        return TransientFailure("could not reach Notify (no answer or timed out)")
    if status == 400 and message is not None:
        errors = _errors(error)
        for e in errors:
            text = str(e.get("message", ""))
            if text.startswith("phone_number"):
                return PermanentFailure("Notify says the phone number is not valid")
            if text.startswith("email_address"):
                return PermanentFailure("Notify says the email address is not valid")
            if "recipient" in text:
                return PermanentFailure("Notify may not send to this recipient with the API key in use (team or trial)")
        kinds = ", ".join(sorted({str(e.get("error", "")) for e in errors if e.get("error")})) or "no detail"
        log.warning("GOV.UK Notify refused a %s message for template %r (%s)", message.medium, message.template, kinds)
        return PermanentFailure(f"Notify refused the request ({kinds})")
    if status in (401, 403):
        log.error("GOV.UK Notify refused the API key (HTTP %s): check NOTIFY_API_KEY", status)
        return TransientFailure("Notify refused the API key")
    if status == 429:
        return TransientFailure("Notify's rate limit was reached")
    if status >= 500:
        return TransientFailure(f"Notify is unavailable (HTTP {status})")
    return TransientFailure(f"unexpected answer from Notify (HTTP {status})")


# -- delivery receipts

_TECHNICAL = "a technical problem between Notify and its provider"
_OUTCOMES = {
    "delivered": ("delivered", None),
    "permanent-failure": (
        "permanent",
        {
            "email": "the email address does not exist or refused the message",
            "sms": "the phone number does not exist or cannot receive messages",
        },
    ),
    "temporary-failure": (
        "temporary",
        {
            "email": "the inbox was full or the email could not be delivered yet",
            "sms": "the phone was off or out of signal until the message expired",
        },
    ),
    "technical-failure": ("temporary", {"email": _TECHNICAL, "sms": _TECHNICAL}),
}


def receipt(payload: dict) -> tuple[str, str, str | None]:
    """`(notify_id, outcome, reason)` from a delivery-receipt callback body; outcome is "delivered", "permanent"
    or "temporary" (a technical failure is temporary: Notify asks for the message to be sent again)."""
    if not isinstance(payload, dict):
        raise ValueError("a delivery receipt is a JSON object")
    notify_id, status = payload.get("id"), payload.get("status")
    if not isinstance(notify_id, str) or not notify_id.strip():
        raise ValueError("a delivery receipt needs an id")
    if not isinstance(status, str) or status not in _OUTCOMES:
        raise ValueError("a delivery receipt needs a known status")
    outcome, reasons = _OUTCOMES[status]
    if reasons is None:
        return notify_id, outcome, None
    medium = "sms" if payload.get("notification_type") == "sms" else "email"
    return notify_id, outcome, reasons[medium]


def callback_authorised(header_value: str | None, token: str) -> bool:
    """Whether the callback's Authorization header is `Bearer <token>` (Notify sends the token it was given)."""
    if not header_value or not token:
        return False
    return hmac.compare_digest(header_value.encode(), f"Bearer {token}".encode())
