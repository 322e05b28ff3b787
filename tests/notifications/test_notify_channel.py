"""The Notify channel through the real notifications-python-client, against the loopback Notify server."""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid

import jwt
import pytest
import requests

from app.notifications.channels import Outgoing, PermanentFailure, TransientFailure
from app.notifications.notify import NotifyChannel, callback_authorised, receipt

REMINDER_SMS = "2a8f1c1e-6b0e-4b59-9d7e-1f9c3c0a7a11"
REMINDER_EMAIL = "5d1e8a3b-7c2f-4e6a-8b9d-0c1f2e3d4a52"
GENERIC_SMS = "9b7c6d5e-4f3a-4b2c-8d1e-0f9a8b7c6d53"
GENERIC_EMAIL = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e54"
NUMBER = "07700900123"
ADDRESS = "sam.person@example.com"


def message(medium="sms", template="appointment_reminder", to=None, key=None, **extra) -> Outgoing:
    return Outgoing(
        key=key or f"notification-{uuid.uuid4()}",
        medium=medium,
        to=to or (NUMBER if medium == "sms" else ADDRESS),
        template=template,
        subject="Your appointment" if medium == "email" else "",
        body="Your appointment is on Tuesday at 10am.",
        personalisation=extra,
    )


@pytest.fixture
def templates():
    return {"appointment_reminder.sms": REMINDER_SMS, "appointment_reminder.email": REMINDER_EMAIL}


@pytest.fixture
def channel(notify_server, templates):
    channel = NotifyChannel(notify_server.api_key, notify_server.base_url, templates, timeout=2)
    yield channel
    channel.close()


def test_sms_is_sent_with_its_template_reference_and_text(channel, notify_server):
    outgoing = message("sms", case_reference="RES-1")
    reference = channel.send(outgoing)

    [received] = notify_server.messages
    assert received["type"] == "sms"
    assert received["to"] == NUMBER
    assert received["template_id"] == REMINDER_SMS
    assert received["reference"] == outgoing.key
    assert received["personalisation"] == {
        "case_reference": "RES-1",
        "subject": "",
        "body": "Your appointment is on Tuesday at 10am.",
    }
    assert reference == received["id"]


def test_email_is_sent_with_subject_and_body(channel, notify_server):
    outgoing = message("email")
    reference = channel.send(outgoing)

    [received] = notify_server.messages
    assert (received["type"], received["to"], received["template_id"]) == ("email", ADDRESS, REMINDER_EMAIL)
    assert received["reference"] == outgoing.key
    assert received["personalisation"]["subject"] == "Your appointment"
    assert received["personalisation"]["body"] == "Your appointment is on Tuesday at 10am."
    assert reference == received["id"]


def test_a_key_with_another_secret_is_refused_and_is_transient(notify_server, templates, caplog):
    wrong_key = f"resolve_test-{notify_server.service_id}-{uuid.uuid4()}"
    channel = NotifyChannel(wrong_key, notify_server.base_url, templates)
    with caplog.at_level(logging.ERROR, logger="app.notifications.notify"), pytest.raises(TransientFailure):
        channel.send(message("sms"))
    channel.close()

    assert notify_server.messages == []
    assert notify_server.refused == ["Invalid token: signature, api token not found"]
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "app.notifications.notify")
    assert "API key" in logged
    assert NUMBER not in logged


def test_a_key_for_another_service_is_refused(notify_server, templates):
    channel = NotifyChannel(f"resolve_test-{uuid.uuid4()}-{notify_server.secret}", notify_server.base_url, templates)
    with pytest.raises(TransientFailure):
        channel.send(message("email"))
    channel.close()
    assert notify_server.refused == ["Invalid token: service not found"]


def test_something_that_is_not_an_api_key_is_refused_at_start():
    with pytest.raises(ValueError, match="NOTIFY_API_KEY"):
        NotifyChannel("not-a-key", "http://127.0.0.1:9", {})


def test_an_invalid_number_is_permanent_and_its_reason_has_no_number(channel, notify_server):
    notify_server.invalid.add(NUMBER)
    with pytest.raises(PermanentFailure) as failure:
        channel.send(message("sms"))
    assert "phone number" in str(failure.value)
    assert NUMBER not in str(failure.value)
    assert notify_server.messages == []


def test_an_invalid_address_is_permanent_and_its_reason_has_no_address(channel, notify_server):
    notify_server.invalid.add(ADDRESS)
    with pytest.raises(PermanentFailure) as failure:
        channel.send(message("email"))
    assert "email address" in str(failure.value)
    assert ADDRESS not in str(failure.value)


def test_a_recipient_a_team_key_may_not_send_to_is_permanent(channel, notify_server):
    refusal = {"error": "BadRequestError", "message": "Can't send to this recipient using a team-only API key"}
    notify_server.fail_next(400, {"status_code": 400, "errors": [refusal]})
    with pytest.raises(PermanentFailure, match="team"):
        channel.send(message("sms"))


def test_a_template_id_notify_does_not_accept_is_permanent(notify_server):
    channel = NotifyChannel(notify_server.api_key, notify_server.base_url, {"*.sms": "not-a-uuid"})
    with pytest.raises(PermanentFailure, match="ValidationError"):
        channel.send(message("sms"))
    channel.close()


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_rate_limit_and_server_errors_are_transient(channel, notify_server, status):
    notify_server.fail_next(status)
    with pytest.raises(TransientFailure):
        channel.send(message("sms"))
    assert notify_server.messages == []
    channel.send(message("sms"))  # the failure was for one request only
    assert len(notify_server.messages) == 1


def test_a_proxy_page_instead_of_json_is_transient(channel, notify_server):
    notify_server.fail_next(502, "<html><body>Bad gateway</body></html>")
    with pytest.raises(TransientFailure, match="502"):
        channel.send(message("email"))


def test_a_refused_connection_is_transient(templates):
    with socket.socket() as bound:  # bound but not listening: connections to it are refused
        bound.bind(("127.0.0.1", 0))
        port = bound.getsockname()[1]
        channel = NotifyChannel(f"resolve_test-{uuid.uuid4()}-{uuid.uuid4()}", f"http://127.0.0.1:{port}", templates)
        with pytest.raises(TransientFailure, match="could not reach"):
            channel.send(message("sms"))
        with pytest.raises(TransientFailure):
            channel.already_sent("notification-1")
        channel.close()


def test_a_timeout_is_transient_and_already_sent_then_finds_the_message(notify_server, templates):
    channel = NotifyChannel(notify_server.api_key, notify_server.base_url, templates, timeout=0.5)
    notify_server.stall_next(10)  # Notify accepts it but answers too late; released by the fixture's reset
    outgoing = message("sms")
    with pytest.raises(TransientFailure, match="could not reach"):
        channel.send(outgoing)
    [accepted] = notify_server.messages
    assert channel.already_sent(outgoing.key) == accepted["id"]
    channel.close()


def test_no_template_configured_is_permanent(notify_server):
    templates = {"appointment_reminder.email": REMINDER_EMAIL}
    channel = NotifyChannel(notify_server.api_key, notify_server.base_url, templates)
    with pytest.raises(PermanentFailure, match=r"no Notify template configured for appointment_reminder\.sms"):
        channel.send(message("sms"))
    channel.close()
    assert notify_server.messages == []


def test_the_generic_template_is_used_when_there_is_no_specific_one(notify_server, templates):
    templates |= {"*.sms": GENERIC_SMS, "*.email": GENERIC_EMAIL}
    channel = NotifyChannel(notify_server.api_key, notify_server.base_url, templates)
    channel.send(message("sms", template="appointment_reminder"))
    channel.send(message("sms", template="caution_issued"))
    channel.send(message("email", template="caution_issued"))
    channel.close()
    assert [m["template_id"] for m in notify_server.messages] == [REMINDER_SMS, GENERIC_SMS, GENERIC_EMAIL]


def test_a_medium_notify_does_not_send_is_permanent(channel):
    with pytest.raises(PermanentFailure):
        channel.send(message("letter"))


def test_already_sent_finds_a_message_by_its_key(channel, notify_server):
    outgoing = message("sms")
    reference = channel.send(outgoing)
    channel.send(message("sms"))

    assert channel.already_sent(outgoing.key) == reference
    assert channel.already_sent("notification-never-sent") is None


def test_already_sent_cannot_tell_when_notify_fails(channel, notify_server):
    notify_server.fail_next(500, method="GET")
    with pytest.raises(TransientFailure):
        channel.already_sent("notification-1")


def post_sms(server, token, body=None):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    body = {"phone_number": NUMBER, "template_id": REMINDER_SMS} if body is None else body
    return requests.post(f"{server.base_url}/v2/notifications/sms", json=body, headers=headers, timeout=2)


def test_the_server_checks_the_token_like_notify(notify_server):
    def token(**claims):
        return jwt.encode({"iss": notify_server.service_id, "iat": int(time.time())} | claims, notify_server.secret)

    assert post_sms(notify_server, token()).status_code == 201
    assert post_sms(notify_server, None).status_code == 401
    for bad in (
        token(iat=int(time.time()) - 60),  # older than 30 seconds
        token(iat=int(time.time()) + 60),  # from the future
        jwt.encode({"iss": notify_server.service_id}, notify_server.secret),  # no iat
        jwt.encode({"iss": notify_server.service_id, "iat": int(time.time())}, None, "none"),  # unsigned
        "not-a-jwt",
    ):
        answer = post_sms(notify_server, bad)
        assert answer.status_code == 403
        assert answer.json()["errors"][0]["error"] == "AuthError"
    assert len(notify_server.messages) == 1


def test_the_server_validates_bodies_like_notify(notify_server):
    token = jwt.encode({"iss": notify_server.service_id, "iat": int(time.time())}, notify_server.secret)
    for body in (
        {"phone_number": NUMBER},
        {"phone_number": NUMBER, "template_id": "reminder"},
        {"template_id": REMINDER_SMS},
        {"phone_number": NUMBER, "template_id": REMINDER_SMS, "personalisation": ["body"]},
        [],
    ):
        answer = post_sms(notify_server, token, body)
        assert answer.status_code == 400
        assert answer.json()["status_code"] == 400
    assert notify_server.messages == []


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def test_requests_are_paced_to_the_rate_limit(notify_server, templates):
    clock = FakeClock()
    channel = NotifyChannel(
        notify_server.api_key, notify_server.base_url, templates, per_second=5, sleep=clock.sleep,
        monotonic=clock.monotonic,
    )
    for _ in range(6):
        channel.send(message("sms"))
    assert clock.sleeps == [0.2] * 5
    assert len(notify_server.messages) == 6

    clock.now += 60  # after a quiet minute the next request goes at once, with no burst saved up
    channel.send(message("sms"))
    channel.send(message("sms"))
    channel.close()
    assert clock.sleeps == [0.2] * 6


def test_pacing_is_shared_by_threads(notify_server, templates):
    clock = FakeClock()
    lock = threading.Lock()

    def sleep(seconds):  # the fake clock does not move while threads race, so every wait is counted from 1000
        with lock:
            clock.sleeps.append(round(seconds, 6))

    channel = NotifyChannel(
        notify_server.api_key, notify_server.base_url, templates, per_second=10, sleep=sleep,
        monotonic=clock.monotonic,
    )
    threads = [threading.Thread(target=channel.send, args=(message("sms"),)) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    channel.close()
    assert sorted(clock.sleeps) == [0.1, 0.2, 0.3, 0.4]
    assert len(notify_server.messages) == 5


RECEIPT = {
    "id": "740e5834-3a29-46b4-9a6f-16142fde533a",
    "reference": "notification-1",
    "to": NUMBER,
    "status": "delivered",
    "created_at": "2017-05-14T12:15:30.000000Z",
    "completed_at": "2017-05-14T12:15:30.000000Z",
    "sent_at": "2017-05-14T12:15:30.000000Z",
    "notification_type": "sms",
}


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("delivered", "delivered"),
        ("permanent-failure", "permanent"),
        ("temporary-failure", "temporary"),
        ("technical-failure", "temporary"),
    ],
)
@pytest.mark.parametrize("notification_type", ["sms", "email"])
def test_receipt_reads_each_status(status, outcome, notification_type):
    to = NUMBER if notification_type == "sms" else ADDRESS
    notify_id, got, reason = receipt(RECEIPT | {"status": status, "notification_type": notification_type, "to": to})
    assert (notify_id, got) == (RECEIPT["id"], outcome)
    if outcome == "delivered":
        assert reason is None
    else:
        assert reason
        assert to not in reason


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "delivered",
        {k: v for k, v in RECEIPT.items() if k != "id"},
        {k: v for k, v in RECEIPT.items() if k != "status"},
        RECEIPT | {"id": ""},
        RECEIPT | {"id": 7},
        RECEIPT | {"status": "sending"},
        RECEIPT | {"status": None},
    ],
)
def test_receipt_refuses_malformed_payloads(payload):
    with pytest.raises(ValueError):
        receipt(payload)


@pytest.mark.parametrize(
    ("header", "token", "expected"),
    [
        ("Bearer s3cret-token", "s3cret-token", True),
        ("Bearer other-token", "s3cret-token", False),
        ("bearer s3cret-token", "s3cret-token", False),
        ("s3cret-token", "s3cret-token", False),
        ("Bearer s3cret-token ", "s3cret-token", False),
        ("Bearer é", "s3cret-token", False),
        (None, "s3cret-token", False),
        ("", "s3cret-token", False),
        ("Bearer ", "", False),
        (None, "", False),
    ],
)
def test_callback_authorised(header, token, expected):
    assert callback_authorised(header, token) is expected
