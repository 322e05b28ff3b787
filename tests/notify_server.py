"""A loopback server that speaks enough of GOV.UK Notify's v2 API for the Notify channel's tests.

It checks each request's JWT as Notify does (HS256 with the key's secret, `iss` the service id, `iat` within 30
seconds), validates the bodies, records what it accepts in `messages` and answers with Notify's shapes, including
its error bodies. A test scripts failures with `fail_next`, `stall_next` and the `invalid` set of recipients.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime

import jwt
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

JWT_BOUND_SECONDS = 30

ERROR_BODIES = {
    400: ("ValidationError", "phone_number Not a UK mobile number"),
    403: ("AuthError", "Invalid token: signature, api token not found"),
    429: ("RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"),
    500: ("Exception", "Internal server error"),
    503: ("Exception", "Service unavailable"),
}


def error_body(status: int, error: str | None = None, message: str | None = None) -> dict:
    default_error, default_message = ERROR_BODIES.get(status, ("Exception", "Error"))
    return {"status_code": status, "errors": [{"error": error or default_error, "message": message or default_message}]}


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class NotifyServer:
    def __init__(self):
        self.service_id = str(uuid.uuid4())
        self.secret = str(uuid.uuid4())
        self.api_key = f"resolve_test-{self.service_id}-{self.secret}"
        self.messages: list[dict] = []  # every accepted message, oldest first
        self.refused: list[str] = []  # the auth error message of every request refused for its token
        self.invalid: set[str] = set()  # addresses and numbers that always answer 400 ValidationError
        self._failures: list[tuple[str, int, dict | str]] = []
        self._stalls: list[float] = []
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self.wsgi_app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle and scripting

    def start(self) -> NotifyServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self.refused.clear()
            self.invalid.clear()
            self._failures.clear()
            self._stalls.clear()
            self._release.set()
            self._release = threading.Event()

    def fail_next(self, status: int, body: dict | str | None = None, method: str = "POST") -> None:
        """Answer the next authenticated request with this method with `status` and `body` (Notify's error body
        for the status by default; a string is sent as it is, as a proxy's HTML page would be)."""
        with self._lock:
            self._failures.append((method, status, error_body(status) if body is None else body))

    def stall_next(self, seconds: float) -> None:
        """Act on the next request at once but hold its answer for up to `seconds` (or until `reset`): a client
        that times out cannot tell whether the message was accepted."""
        with self._lock:
            self._stalls.append(seconds)

    # -- the API

    def wsgi_app(self, environ, start_response):
        with self._lock:
            stall, release = (self._stalls.pop(0) if self._stalls else 0), self._release
        response = self._answer(Request(environ))
        if stall:  # acted on, but the answer is late: what a client that timed out cannot know
            release.wait(stall)
        return response(environ, start_response)

    def _answer(self, request: Request) -> Response:
        refusal = self._authenticate(request.headers.get("Authorization"))
        if refusal:
            return refusal
        with self._lock:
            failure = next((f for f in self._failures if f[0] == request.method), None)
            if failure:
                self._failures.remove(failure)
        if failure:
            _, status, body = failure
            if isinstance(body, str):
                return Response(body, status=status, content_type="text/html")
            return _json(body, status)
        path, method = request.path.rstrip("/"), request.method
        if path in ("/v2/notifications/email", "/v2/notifications/sms"):
            if method != "POST":
                return _json(error_body(405, "MethodNotAllowed", "Method not allowed"), 405)
            return self._send(request, path.rsplit("/", 1)[1])
        if path == "/v2/notifications" and method == "GET":
            return self._list(request)
        if path.startswith("/v2/notifications/") and method == "GET":
            return self._get(path.rsplit("/", 1)[1])
        return _json(error_body(404, "NotFound", "The requested URL was not found on the server."), 404)

    def _authenticate(self, header: str | None) -> Response | None:
        if not header:
            return self._refuse(401, "Unauthorized: authentication token must be provided")
        scheme, _, token = header.partition(" ")
        if scheme != "Bearer" or not token:
            return self._refuse(401, "Unauthorized: authentication bearer scheme must be used")
        try:
            unverified = jwt.decode(token, options={"verify_signature": False}, algorithms=["HS256"])
        except jwt.PyJWTError:
            return self._refuse(403, "Invalid token: signature, api token not found")
        if unverified.get("iss") != self.service_id:
            return self._refuse(403, "Invalid token: service not found")
        try:
            claims = jwt.decode(
                token,
                key=self.secret,
                algorithms=["HS256"],
                options={"require": ["iss", "iat"], "verify_iat": False},
            )
        except jwt.PyJWTError:
            return self._refuse(403, "Invalid token: signature, api token not found")
        iat = claims["iat"]
        if not isinstance(iat, int | float) or abs(time.time() - iat) > JWT_BOUND_SECONDS:
            return self._refuse(403, "Error: Your system clock must be accurate to within 30 seconds")
        return None

    def _refuse(self, status: int, message: str) -> Response:
        with self._lock:
            self.refused.append(message)
        return _json(error_body(status, "AuthError", message), status)

    def _send(self, request: Request, kind: str) -> Response:
        field = "email_address" if kind == "email" else "phone_number"
        try:
            data = json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            return _json(error_body(400, "BadRequestError", "Invalid JSON supplied in POST data"), 400)
        if not isinstance(data, dict):
            return _json(error_body(400, "BadRequestError", "Invalid JSON supplied in POST data"), 400)
        problems = []
        if "template_id" not in data:
            problems.append("template_id is a required property")
        elif not _is_uuid(data["template_id"]):
            problems.append("template_id is not a valid UUID")
        if not isinstance(data.get(field), str) or not data[field].strip():
            problems.append(f"{field} is a required property")
        personalisation = data.get("personalisation", {})
        if not isinstance(personalisation, dict):
            problems.append(f"personalisation {personalisation!r} is not of type object")
        reference = data.get("reference")
        if reference is not None and not isinstance(reference, str):
            problems.append(f"reference {reference!r} is not of type string")
        if problems:
            errors = [{"error": "ValidationError", "message": p} for p in problems]
            return _json({"status_code": 400, "errors": errors}, 400)
        to = data[field]
        if to in self.invalid:
            reason = "Not a valid email address" if kind == "email" else "Not a UK mobile number"
            return _json(error_body(400, "ValidationError", f"{field} {reason}"), 400)
        notification_id = str(uuid.uuid4())
        record = {
            "id": notification_id,
            "type": kind,
            "to": to,
            "template_id": data["template_id"],
            "personalisation": personalisation,
            "reference": reference,
            "created_at": _now(),
        }
        with self._lock:
            self.messages.append(record)
        body = str(personalisation.get("body", ""))
        content = {"body": body}
        if kind == "email":
            content |= {"subject": str(personalisation.get("subject", "")), "from_email": "resolve@notifications.test"}
            content["one_click_unsubscribe_url"] = None
        else:
            content["from_number"] = "GOVUK"
        answer = {
            "id": notification_id,
            "reference": reference,
            "content": content,
            "uri": f"{self.base_url}/v2/notifications/{notification_id}",
            "template": self._template(data["template_id"]),
            "scheduled_for": None,
        }
        return _json(answer, 201)

    def _list(self, request: Request) -> Response:
        reference = request.args.get("reference")
        template_type = request.args.get("template_type")
        with self._lock:
            found = [
                m
                for m in reversed(self.messages)
                if (reference is None or m["reference"] == reference)
                and (template_type is None or m["type"] == template_type)
            ]
        return _json({"notifications": [self._notification(m) for m in found],
                      "links": {"current": f"{self.base_url}/v2/notifications"}}, 200)

    def _get(self, notification_id: str) -> Response:
        if not _is_uuid(notification_id):
            return _json(error_body(400, "ValidationError", "notification_id is not a valid UUID"), 400)
        with self._lock:
            found = next((m for m in self.messages if m["id"] == notification_id), None)
        if found is None:
            return _json(error_body(404, "NoResultFound", "No result found"), 404)
        return _json(self._notification(found), 200)

    def _template(self, template_id: str) -> dict:
        return {"id": template_id, "version": 1, "uri": f"{self.base_url}/v2/template/{template_id}/version/1"}

    def _notification(self, m: dict) -> dict:
        email = m["type"] == "email"
        return {
            "id": m["id"],
            "reference": m["reference"],
            "email_address": m["to"] if email else None,
            "phone_number": None if email else m["to"],
            "type": m["type"],
            "status": "created",
            "template": self._template(m["template_id"]),
            "body": str(m["personalisation"].get("body", "")),
            "subject": str(m["personalisation"].get("subject", "")) if email else None,
            "created_at": m["created_at"],
            "created_by_name": None,
            "sent_at": None,
            "completed_at": None,
        }


def _json(body: dict, status: int) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")
