"""The sign-in machinery's housekeeping."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from app import clock
from app.auth.models import UserSession
from app.extensions import db
from app.jobs.registry import job


@job("purge-sessions", minutes=15)
def purge_sessions(app) -> int:
    """Delete sessions past their absolute expiry or idle for longer than the idle limit."""
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    now = clock.now()
    result = db.session.execute(
        delete(UserSession).where((UserSession.expires_at <= now) | (UserSession.last_seen_at < now - idle)))
    return result.rowcount
