"""The notification jobs: plan reminders, and dispatch what is due."""

from __future__ import annotations

from app.notifications.models import Notification  # noqa: F401
