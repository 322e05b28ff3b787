"""The SQL statements of one request, sorted by what they are for: the page's own reads and writes, the audit log's
(every view of personal data pays for it) and the server-side session's (every signed-in request pays for it).

The suite counts them per page (tests/counting.py). With STATEMENTS_HEADER set (development only), each response
says its own figures in an `X-Statements` header, for the page benchmark (bench/pages.py) to read under gunicorn.
"""

from __future__ import annotations

import re
from collections import Counter
from contextvars import ContextVar
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Engine

SESSION = re.compile(r"\buser_sessions\b", re.IGNORECASE)
AUDIT = re.compile(r"\baudit_(head|events)\b", re.IGNORECASE)
READ = re.compile(r"\s*(SELECT|WITH)\b", re.IGNORECASE)
COLUMNS = re.compile(r"^SELECT .*? FROM ")


@dataclass
class Statements:
    """What one block of code asked the database, by kind (each a list of SQL texts)."""

    read: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    audit_log: list[str] = field(default_factory=list)
    session_row: list[str] = field(default_factory=list)

    def add(self, sql: str) -> None:
        kind = (self.session_row if SESSION.search(sql) else self.audit_log if AUDIT.search(sql)
                else self.read if READ.match(sql) else self.written)
        kind.append(sql)

    @property
    def reads(self) -> int:
        return len(self.read)

    @property
    def writes(self) -> int:
        """The page's writes, audit rows included (not the session's)."""
        return len(self.written) + len(self.audit_log)

    @property
    def audit(self) -> int:
        return len(self.audit_log)

    @property
    def session(self) -> int:
        return len(self.session_row)

    def shape(self) -> tuple[int, int]:
        """What must not grow with the data: (reads, writes)."""
        return self.reads, self.writes

    def header(self) -> str:
        return f"reads={self.reads}; writes={self.writes}; audit={self.audit}; session={self.session}"

    def __str__(self) -> str:
        """The figures, then each distinct statement (its column list left out) with how many times it ran."""
        lines = [f"{self.reads} reads, {self.writes} writes ({self.audit} audit), {self.session} session"]
        for name, texts in (("read", self.read), ("write", self.written), ("audit", self.audit_log),
                            ("session", self.session_row)):
            short = Counter(COLUMNS.sub("SELECT … FROM ", " ".join(sql.split()))[:200] for sql in texts)
            lines += [f"  {name} x{n}: {sql}" for sql, n in short.items()]
        return "\n".join(lines)


_SEEN: ContextVar[Statements | None] = ContextVar("statements", default=None)


def _count(conn, cursor, sql, parameters, context, executemany) -> None:
    if (seen := _SEEN.get()) is not None:
        seen.add(sql)


class _Counting:
    """WSGI middleware: counts from before the session is read until the response starts (after it is saved)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        seen = Statements()
        token = _SEEN.set(seen)

        def starting(status, headers, exc_info=None):
            return start_response(status, [*headers, ("X-Statements", seen.header())], exc_info)

        try:
            return self.wsgi_app(environ, starting)
        finally:
            _SEEN.reset(token)


def init_app(app) -> None:
    """Count each request's statements and say them in `X-Statements` (STATEMENTS_HEADER, development only)."""
    if not app.config.get("STATEMENTS_HEADER"):
        return
    if not event.contains(Engine, "before_cursor_execute", _count):
        event.listen(Engine, "before_cursor_execute", _count)
    app.wsgi_app = _Counting(app.wsgi_app)
