"""Counting the SQL statements of one request, sorted by what they are for (app/web/statements.py).

    with statements() as seen:
        client.get(url)
    assert seen.reads <= 8, seen

Only statements issued on the calling thread count: the suite's live server answers the sign-in back channel (and
anything else) in threads of its own. Statements on the server-side session (`user_sessions`) and on the audit
log (`audit_head`, `audit_events`) are kept apart from the page's own reads and writes, since every signed-in
request pays for the first and every view of personal data (app/audit/views.py) for the second.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from app.extensions import db
from app.web.statements import Statements


@contextmanager
def statements() -> Iterator[Statements]:
    """Collect the statements this thread sends through the app's engine (call inside an app context)."""
    seen, thread, engine = Statements(), threading.get_ident(), db.engine

    def listen(conn, cursor, sql, parameters, context, executemany):
        if threading.get_ident() == thread:
            seen.add(sql)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)
