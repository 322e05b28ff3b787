"""Server-side sessions: the cookie holds an opaque random token; the data lives in `user_sessions`.

Only the token's SHA-256 is stored, so a copy of the table cannot be replayed as cookies. Sign-in rotates the
token (no session fixation); sign-out deletes the row, so the old cookie stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete, update
from werkzeug.datastructures import CallbackDict

from app import clock
from app.auth.models import UserSession
from app.extensions import db

TOUCH_EVERY = timedelta(minutes=1)


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, data=None, token: str | None = None, row: UserSession | None = None):
        def on_update(_):
            self.modified = True

        super().__init__(data or {}, on_update)
        self.token = token
        self.row_user_id = row.user_id if row else None
        self.row_created_at = row.created_at if row else None
        self.row_last_seen = row.last_seen_at if row else None
        self.modified = False
        self.rotate_requested = False
        self.ended = False
        self.user_pk: int | None = self.row_user_id

    def rotate(self, user_pk: int | None) -> None:
        """Give the session a new id (call at sign-in) and bind it to the user for revocation."""
        self.rotate_requested = True
        self.user_pk = user_pk
        self.modified = True

    def end(self) -> None:
        """Forget this session on the server and in the browser."""
        self.clear()
        self.ended = True


class ServerSessionInterface(SessionInterface):
    def open_session(self, app, request):
        token = request.cookies.get(app.config["SESSION_COOKIE_NAME"])
        if not token or len(token) > 100:
            return ServerSession()
        row = db.session.get(UserSession, _key(token))
        now = clock.now()
        if row is None or row.expires_at <= now or now - row.last_seen_at > self._idle(app):
            return ServerSession()
        session = ServerSession(dict(row.data or {}), token, row)  # read the row before the rollback expires it
        db.session.rollback()  # end the read transaction; the request starts clean
        return session

    def save_session(self, app, session: ServerSession, response):
        name = app.config["SESSION_COOKIE_NAME"]
        cookie = {"domain": self.get_cookie_domain(app), "path": self.get_cookie_path(app),
                  "secure": self.get_cookie_secure(app), "httponly": True, "samesite": self.get_cookie_samesite(app)}
        # Whatever a route left uncommitted is abandoned: routes commit what they mean to keep.
        db.session.rollback()
        old_key = _key(session.token) if session.token else None
        if session.ended:
            if old_key:
                db.session.execute(delete(UserSession).where(UserSession.id == old_key))
                db.session.commit()
            response.delete_cookie(name, **cookie)  # with the same attributes, or a __Host- deletion is ignored
            return
        now = clock.now()
        if session.token is None and not session:
            return  # nothing worth a row yet
        if session.rotate_requested or session.token is None:
            if old_key:
                db.session.execute(delete(UserSession).where(UserSession.id == old_key))
            session.token = secrets.token_urlsafe(32)
            # A session without a user (one the portal refused, kept so that they can sign out) lasts no longer
            # than the idle limit.
            lasts = timedelta(hours=app.config["SESSION_MAX_HOURS"]) if session.user_pk else self._idle(app)
            db.session.add(UserSession(
                id=_key(session.token), user_id=session.user_pk, data=dict(session), created_at=now,
                last_seen_at=now, expires_at=now + lasts,
            ))
            db.session.commit()
            response.set_cookie(name, session.token, **cookie)
            response.vary.add("Cookie")
            return
        if session.modified or now - session.row_last_seen > TOUCH_EVERY:
            db.session.execute(
                update(UserSession).where(UserSession.id == old_key).values(data=dict(session), last_seen_at=now)
            )
            db.session.commit()

    @staticmethod
    def _idle(app) -> timedelta:
        return timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])


def end_all_sessions_for(user_pk: int) -> int:
    """Revoke every session of a user (e.g. when they are disabled). The caller commits."""
    return db.session.execute(delete(UserSession).where(UserSession.user_id == user_pk)).rowcount


def purge_expired() -> int:
    return db.session.execute(delete(UserSession).where(UserSession.expires_at <= clock.now())).rowcount
