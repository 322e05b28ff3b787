"""Counting the SQL statements of one request, sorted by what they are for.

    with statements() as seen:
        client.get(url)
    assert seen.reads <= 8, seen

Only statements issued on the calling thread count: the suite's live server answers the sign-in back channel (and
anything else) in threads of its own. Statements on the server-side session (`user_sessions`) and on the audit
log (`audit_head`, `audit_events`) are kept apart from the page's own reads and writes, since every signed-in
request pays for the first and every view of personal data (app/audit/views.py) for the second.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event

from app.extensions import db

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

    def __str__(self) -> str:
        """The figures, then each distinct statement (its column list left out) with how many times it ran."""
        lines = [f"{self.reads} reads, {self.writes} writes ({self.audit} audit), {self.session} session"]
        for name, texts in (("read", self.read), ("write", self.written), ("audit", self.audit_log),
                            ("session", self.session_row)):
            short = Counter(COLUMNS.sub("SELECT … FROM ", " ".join(sql.split()))[:200] for sql in texts)
            lines += [f"  {name} x{n}: {sql}" for sql, n in short.items()]
        return "\n".join(lines)


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
