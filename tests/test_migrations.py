"""The migrated schema is the schema the models describe, on SQLite and on PostgreSQL.

`flask db check` compares tables, columns, types and indexes, but not the values a CHECK constraint allows: adding
a value to an enum passes it while the database still refuses that value. These tests read the constraints from
the database as Alembic left it and compare them with the enums. The migrations also go down to base and up again
on a scratch database, and must end where the models are.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from app import clock, create_app, demo
from app.audit import services as audit
from app.db import NAMING
from app.extensions import db

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
JSONB_REVISION = "0008"  # the migration that turns structured columns into JSONB on PostgreSQL

CONSTRAINT_START = re.compile(r'CONSTRAINT\s+"?(\w+)"?\s+CHECK\s*\(', re.IGNORECASE)
LITERAL = re.compile(r"'((?:[^']|'')*)'")


def _balanced(sql: str, start: int) -> str:
    """The text inside the parenthesis that opens just before `start`, skipping quoted strings."""
    depth, i, quote = 1, start, None
    while depth:
        ch = sql[i]
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        i += 1
    return sql[start:i - 1]


def check_constraints(conn) -> dict[tuple[str, str], str]:
    """(table, constraint name) -> the CHECK expression, as the database itself holds it."""
    found = {}
    if conn.dialect.name == "postgresql":
        rows = conn.execute(text(
            "SELECT rel.relname, con.conname, pg_get_constraintdef(con.oid) FROM pg_constraint con"
            " JOIN pg_class rel ON rel.oid = con.conrelid JOIN pg_namespace ns ON ns.oid = rel.relnamespace"
            " WHERE con.contype = 'c' AND ns.nspname = current_schema()"))
        for table, name, definition in rows:
            found[table, name] = definition
    else:
        rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL"))
        for table, sql in rows:
            for match in CONSTRAINT_START.finditer(sql):
                found[table, match.group(1)] = _balanced(sql, match.end())
    return found


def allowed_values(expression: str) -> set[str]:
    """The string literals of a CHECK expression: `kind IN ('a', 'b')` on SQLite,
    `((kind)::text = ANY ((ARRAY['a'::character varying, ...])::text[]))` on PostgreSQL."""
    return {value.replace("''", "'") for value in LITERAL.findall(expression)}


def enum_columns(metadata) -> list[tuple[sa.Table, sa.Column]]:
    return [(table, column) for table in metadata.sorted_tables for column in table.columns
            if isinstance(column.type, sa.Enum)]


def expected_constraint(table: sa.Table, column: sa.Column) -> str:
    return NAMING["ck"] % {"table_name": table.name, "constraint_name": column.type.name}


def enum_drift(conn, metadata) -> list[str]:
    """Every way the database's CHECK constraints differ from the models' enums, in words."""
    in_db = check_constraints(conn)
    problems = []
    for table, column in enum_columns(metadata):
        where = f"{table.name}.{column.name} ({column.type.enum_class.__name__})"
        if column.type.native_enum or not column.type.create_constraint:
            problems.append(f"{where}: not a str_enum (VARCHAR + CHECK constraint); use app.db.str_enum")
            continue
        name = expected_constraint(table, column)
        if (table.name, name) not in in_db:
            problems.append(f"{where}: the database has no CHECK constraint {name}")
            continue
        expression = in_db[table.name, name]
        if not re.search(rf"\b{re.escape(column.name)}\b", expression):
            problems.append(f"{where}: {name} does not check this column: {expression}")
        values = {member.value for member in column.type.enum_class}
        allowed = allowed_values(expression)
        if values != allowed:
            differences = [f"the database refuses {sorted(values - allowed)}"] if values - allowed else []
            differences += [f"the database allows {sorted(allowed - values)}"] if allowed - values else []
            problems.append(f"{where}: {name}: {' and '.join(differences)}, unlike the enum;"
                            " write a migration that recreates the constraint")
    declared = {(table.name, str(c.name)) for table in metadata.sorted_tables for c in table.constraints
                if isinstance(c, sa.CheckConstraint)}
    for table, name in sorted(set(in_db) - declared):
        problems.append(f"{table}: CHECK constraint {name} is in the database but not in the models")
    return problems


def test_enum_columns_are_found(app):
    names = {f"{table.name}.{column.name}" for table, column in enum_columns(db.metadata)}
    assert {"cases.status", "memberships.role", "appointments.status"} <= names


def test_every_enum_allows_exactly_the_values_its_check_constraint_allows(app):
    with app.app_context(), db.engine.connect() as conn:
        problems = enum_drift(conn, db.metadata)
    assert not problems, "\n".join(problems)


# --- upgrade, downgrade to base, upgrade again -------------------------------------------------------------------


@pytest.fixture
def scratch_app(app, tmp_path):
    """An app on an empty database of its own, never the suite's: a file on SQLite; on PostgreSQL the suite's
    database name plus `_roundtrip` on the same server, created here and dropped afterwards."""
    url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    admin = None
    if url.get_backend_name() == "postgresql":
        url = url.set(database=f"{url.database}_roundtrip")
        admin = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    else:
        url = url.set(database=str(tmp_path / "roundtrip.db"))
    scratch = create_app("test", {"SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
                                  "INSTANCE_PATH": str(tmp_path), "DEV_IDP_ENABLED": False})
    yield scratch
    with scratch.app_context():
        db.session.remove()
        db.engine.dispose()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()


def json_columns(metadata) -> list[tuple[sa.Table, sa.Column]]:
    return [(table, column) for table in metadata.sorted_tables for column in table.columns
            if isinstance(column.type, sa.JSON)]


def converted_columns(metadata) -> list:
    """The structured columns the JSONB migration converts: those that exist below it."""
    spec = importlib.util.spec_from_file_location("jsonb", Path(MIGRATIONS) / "versions" / f"{JSONB_REVISION}_jsonb.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return [(t, c) for t, c in json_columns(metadata) if (t.name, c.name) in set(migration.COLUMNS)]


def json_documents() -> dict:
    """(table, primary key, column) -> the value, for every row of the columns the JSONB migration converts."""
    found = {}
    with db.engine.connect() as conn:
        for table, columns in itertools.groupby(converted_columns(db.metadata), key=lambda pair: pair[0]):
            names = [column.name for _, column in columns]
            for row in conn.execute(sa.select(*table.primary_key.columns, *(table.c[n] for n in names))):
                key = tuple(row[:len(table.primary_key.columns)])
                found |= {(table.name, key, name): value for name, value in zip(names, row[len(key):], strict=True)}
    return found


def structured_types() -> set[str]:
    """The PostgreSQL types of the structured columns (nothing on SQLite, which has one JSON type)."""
    if db.engine.dialect.name != "postgresql":
        return set()
    with db.engine.connect() as conn:
        return {conn.scalar(text("SELECT data_type FROM information_schema.columns WHERE table_schema ="
                                 " current_schema() AND table_name = :t AND column_name = :c"),
                            {"t": table.name, "c": column.name}) for table, column in converted_columns(db.metadata)}


def test_every_structured_column_is_jsonb_on_postgresql(app):
    columns = json_columns(db.metadata)
    assert {"audit_events.detail", "screenings.answers", "user_sessions.data"} <= {
        f"{table.name}.{column.name}" for table, column in columns}
    plain = [f"{table.name}.{column.name}" for table, column in columns
             if not isinstance(column.type.dialect_impl(postgresql.dialect()), postgresql.JSONB)]
    assert plain == [], "use app.db.JSONDocument for structured columns"


def leftovers(conn) -> list[str]:
    """What a downgrade to base left behind, besides Alembic's own version table."""
    if conn.dialect.name == "postgresql":
        return list(conn.scalars(text(
            "SELECT 'relation ' || relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
            "   AND relname NOT IN ('alembic_version', 'alembic_version_pkc')"
            " UNION ALL SELECT 'function ' || proname FROM pg_proc"
            "   WHERE pronamespace = current_schema()::regnamespace"
            " UNION ALL SELECT 'type ' || typname FROM pg_type WHERE typnamespace = current_schema()::regnamespace"
            "   AND typtype IN ('e', 'd', 'r', 'm')")))
    return list(conn.scalars(text(
        "SELECT type || ' ' || name FROM sqlite_master WHERE name <> 'alembic_version' AND name NOT LIKE 'sqlite_%'")))


def test_migrations_upgrade_downgrade_to_base_and_upgrade_again_to_the_models_schema(scratch_app):
    with scratch_app.app_context():
        config = current_app.extensions["migrate"].migrate.get_config(MIGRATIONS)
        # Up one revision at a time, each undone and redone at once: a downgrade that leaves something behind (or
        # removes too much) makes the next upgrade fail here, naming the revision.
        scripts = ScriptDirectory.from_config(config)
        for revision in reversed(list(scripts.walk_revisions())):
            command.upgrade(config, revision.revision)
            command.downgrade(config, "-1")
            command.upgrade(config, revision.revision)
        demo.seed()  # the way down to base again, with rows in the tables this time
        db.session.commit()
        chain, documents = audit.verify(), json_documents()
        assert chain.ok and chain.checked, chain
        db.session.remove()
        # JSONB back to JSON and to JSONB again on PostgreSQL: every document, and so the audit chain, survives.
        command.downgrade(config, scripts.get_revision(JSONB_REVISION).down_revision)
        assert json_documents() == documents
        assert structured_types() <= {"json"}
        command.upgrade(config, "head")
        assert json_documents() == documents
        assert structured_types() <= {"jsonb"}
        assert audit.verify() == chain
        db.session.remove()
        command.downgrade(config, "base")
        with db.engine.connect() as conn:
            assert leftovers(conn) == []
        command.upgrade(config, "head")
        command.check(config)  # what `flask db check` runs: raises, listing them, if the schema differs
        with db.engine.connect() as conn:
            problems = enum_drift(conn, db.metadata)
    assert not problems, "\n".join(problems)


# --- the audit chain re-keyed (0010) ---------------------------------------------------------------------------


def test_upgrading_re_keys_an_intact_audit_chain_and_refuses_a_broken_one(scratch_app):
    from app.db import UTCDateTime
    from tests.audit.test_tampering import GENESIS, _forged_hash

    document = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    events = sa.table("audit_events", *(sa.column(c) for c in (
        "seq", "actor_id", "action", "object_type", "object_id", "purpose", "prev_hash", "hash")),
        sa.column("occurred_at", UTCDateTime()), sa.column("detail", document), sa.column("recipients", document))
    with scratch_app.app_context():
        config = current_app.extensions["migrate"].migrate.get_config(MIGRATIONS)
        command.upgrade(config, "0009")
        prev, rows = GENESIS, []
        for seq in (1, 2):  # as a 0009 deployment chained them: plain SHA-256
            row = {"seq": seq, "occurred_at": clock.now(), "actor_id": None, "action": "test.row", "object_type": None,
                   "object_id": None, "purpose": None, "detail": {"n": seq}, "recipients": [], "prev_hash": prev}
            row["hash"] = prev = _forged_hash(row, prev)
            rows.append(row)
        db.session.execute(events.insert(), rows)
        db.session.execute(text("UPDATE audit_head SET seq = 2, last_hash = :h"), {"h": prev})
        db.session.commit()
        command.upgrade(config, "head")
        result = audit.verify()
        assert result.ok and result.checked == 2, result
        assert db.session.scalar(text("SELECT hash FROM audit_events WHERE seq = 2")) != prev  # now an HMAC
        db.session.remove()
        command.downgrade(config, "0009")  # back to the unkeyed chain; then a row is changed
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("SET LOCAL session_replication_role = replica"))
        db.session.execute(text("UPDATE audit_events SET action = 'test.forged' WHERE seq = 2"))
        db.session.commit()
        db.session.remove()
        with pytest.raises(RuntimeError, match="the audit chain is broken at row 2; it cannot be re-keyed"):
            command.upgrade(config, "head")
        db.session.remove()


# --- timeline audiences (0020) -------------------------------------------------------------------------------


def test_timeline_flags_become_audiences_and_summaries_their_text_and_back(scratch_app):
    from app.timeline.models import Audience, TimelineEvent
    from app.timeline.wording import words

    old_text = "Your conditions: 2 conditions to complete by 3 March 2027"
    with scratch_app.app_context():
        config = current_app.extensions["migrate"].migrate.get_config(MIGRATIONS)
        command.upgrade(config, "head")
        demo.seed()
        db.session.commit()
        db.session.remove()
        command.downgrade(config, "0019")  # what a deployment before 0020 held: flags and a summary
        issued = db.session.scalar(text("SELECT id FROM timeline_events WHERE kind = 'conditions_set'"))
        rows = {kind: (police, victim) for kind, police, victim in db.session.execute(text(
            "SELECT kind, visible_police, visible_victim FROM timeline_events"
            " WHERE kind IN ('caution_issued', 'case_opened')"))}
        assert {k: (bool(p), bool(v)) for k, (p, v) in rows.items()} == {
            "caution_issued": (True, True), "case_opened": (True, False)}
        db.session.execute(text("UPDATE timeline_events SET summary = :s, visible_provider = :t WHERE id = :id"),
                           {"s": old_text, "t": True, "id": issued})
        db.session.commit()
        db.session.remove()
        command.upgrade(config, "head")
        event = db.session.get(TimelineEvent, issued)
        assert event.detail["text"] == old_text  # kept, and read by the fallback template
        assert Audience(event.audiences) == Audience.POLICE | Audience.PROVIDER | Audience.OFFENDER
        with scratch_app.test_request_context():
            assert words(event, Audience.POLICE) == old_text
        untouched = db.session.scalars(sa.select(TimelineEvent).where(TimelineEvent.id != issued)).all()
        assert untouched and not [e.id for e in untouched if "text" in e.detail]
        db.session.remove()
        command.downgrade(config, "0019")
        back = db.session.execute(text("SELECT summary, detail FROM timeline_events WHERE id = :id"),
                                  {"id": issued}).one()
        detail = back.detail if isinstance(back.detail, dict) else json.loads(back.detail)  # SQLite: the text
        assert back.summary == old_text and "text" not in detail
        db.session.remove()
