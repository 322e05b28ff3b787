"""The development outbox page, and GOV.UK Notify's delivery receipts."""

from __future__ import annotations

import logging
import uuid
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app import clock
from app.audit import views
from app.extensions import csrf, db
from app.notifications import messages, notify, services
from app.notifications.dispatch import mark_not_reaching
from app.notifications.models import Notification, NotificationStatus
from app.web.htmx import render

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
log = logging.getLogger(__name__)
SHOWN = 200


@bp.get("/dev-outbox")
@views.shows_personal_data
def dev_outbox():
    """Development only: every message as its reader would see it, newest first."""
    if not current_app.config["DEV_OUTBOX"]:
        abort(404)
    rows = db.session.scalars(select(Notification).order_by(Notification.created_at.desc(), Notification.id.desc())
                              .limit(SHOWN)).all()
    shown = [(n, *messages.render_for(n)) for n in rows]
    views.viewed_list("outbox.view", page="dev-outbox", purpose="development outbox", notifications=rows)
    return render("notifications/dev_outbox.html", shown=shown, limit=SHOWN)


@bp.post("/<notification_id>/read")
@login_required
@views.shows_no_personal_data
def mark_read(notification_id: str):
    """Mark one of my in-portal messages read, and go where it points (the case, the referral)."""
    try:
        public_id = uuid.UUID(notification_id)
    except ValueError:
        abort(404)
    n = services.mark_read(current_user, public_id)
    if n is None:
        abort(404)
    return redirect(_local(n.personalisation.get("link")) or url_for("web.home"), 303)


def _local(link: str | None) -> str | None:
    """Only a path on this portal: a message's link is followed here, never to another site."""
    if not link:
        return None
    path = urlsplit(link)
    return path.path if path.path.startswith("/") and not path.path.startswith("//") else None


@bp.post("/notify/receipt")
@csrf.exempt
@views.shows_no_personal_data
def notify_receipt():
    """Notify's delivery receipt: delivered, or failed for good (that address or number does not work)."""
    token = current_app.config["NOTIFY_CALLBACK_TOKEN"]
    if not token or not notify.callback_authorised(request.headers.get("Authorization"), token):
        abort(401)
    try:
        notify_id, outcome, reason = notify.receipt(request.get_json(silent=True))
    except ValueError:
        abort(400)
    n = db.session.scalar(select(Notification).where(Notification.reference == notify_id))
    if n is None:
        return "", 204  # not ours, or already gone: Notify must not retry
    if outcome == "delivered":
        n.status, n.delivered_at = NotificationStatus.DELIVERED, clock.now()
    elif outcome == "permanent" and n.status is not NotificationStatus.FAILED:
        n.status, n.last_error = NotificationStatus.FAILED, reason or "the address or number does not work"
        mark_not_reaching(n)
    elif outcome == "temporary":
        # Notify tried for 72 hours and gave up: the phone was off or the mailbox full. The message is failed,
        # and the contact point kept: it may work next time.
        n.status, n.last_error = NotificationStatus.FAILED, reason or "not delivered (temporary failure)"
    return "", 204
