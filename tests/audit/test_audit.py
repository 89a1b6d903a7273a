
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from border_referral import audit
from border_referral.audit.models import AuditRecord
from border_referral.database import engine


def _write(db, n):
    with db() as s:
        for i in range(n):
            audit.record(s, None, "test.event", ("thing", f"id-{i}"), {"n": i})


def test_records_are_chained(db):
    _write(db, 5)
    with db() as s:
        rows = s.execute(select(AuditRecord).order_by(AuditRecord.seq)).scalars().all()
        assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
        assert rows[0].prev_hash == "0" * 64
        assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:]))
        assert audit.verify(s).ok and audit.verify(s).checked == 5


def test_details_refuse_personal_data(db):
    with db() as s, pytest.raises(ValueError):
        audit.record(s, None, "test.event", None, {"full_name": "Somchai"})


def test_database_refuses_update_and_delete(app, db):
    _write(db, 1)
    with pytest.raises(DBAPIError):
        with db() as s:
            s.execute(text("UPDATE audit_record SET action = 'x'"))
    with pytest.raises(DBAPIError):
        with db() as s:
            s.execute(text("DELETE FROM audit_record"))


def _tamper(app, *statements):
    """Alter the log behind the application's back (as an attacker with database access would):
    each statement SQL text, or (SQL text, parameters)."""
    with app.app_context():
        eng = engine()
        with eng.begin() as conn:
            if eng.dialect.name == "sqlite":
                conn.execute(text("DROP TRIGGER IF EXISTS audit_record_no_update"))
                conn.execute(text("DROP TRIGGER IF EXISTS audit_record_no_delete"))
            else:
                conn.execute(text("ALTER TABLE audit_record DISABLE TRIGGER audit_record_append_only"))
            for statement in statements:
                sql, params = statement if isinstance(statement, tuple) else (statement, {})
                conn.execute(text(sql), params)


@pytest.mark.parametrize("sql, broken", [
    ("UPDATE audit_record SET details = '{\"n\": 99}' WHERE seq = 3", 3),
    ("DELETE FROM audit_record WHERE seq = 2", 2),
    ("DELETE FROM audit_record WHERE seq = 5", 5),
])
def test_verify_reports_the_first_broken_link(app, db, sql, broken):
    _write(db, 5)
    _tamper(app, sql)
    with db() as s:
        result = audit.verify(s)
    assert not result.ok and result.first_broken == broken
    runner = app.test_cli_runner()
    out = runner.invoke(args=["audit", "verify"])
    assert out.exit_code != 0 and f"record {broken}" in out.output


def test_cli_verify_ok(app, db):
    _write(db, 3)
    out = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert out.exit_code == 0 and "3 records" in out.output
