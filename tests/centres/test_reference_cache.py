"""Reference data is kept in each process and read again only when it changed (centres/cache.py):
another process's change is seen at the next unit of work, a rolled-back change is not, and a
unit of work that finds the stamp unchanged reads no reference table at all."""
import pytest
from sqlalchemy import delete, event, text

from border_referral.centres import services
from border_referral.centres.models import Centre, PartnershipMember
from border_referral.database import make_engine, session_scope

pytestmark = pytest.mark.usefixtures("demo")

REFERENCE_TABLES = ("country", "centre", "crossing_point", "partnership", "partnership_member", "centre_crossing")


def _partners(s, code):
    centre = next(c for c in services.centres(s) if c.code == code)
    return [c.code for c in services.partners_of(s, centre.id)]


class Statements:
    """The SQL an engine runs while the block is open."""

    def __init__(self, engine):
        self.engine, self.seen = engine, []

    def _on(self, conn, cursor, statement, *args):
        self.seen.append(statement.lower())

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._on)

    def reading(self, table):
        return [s for s in self.seen if s.lstrip().startswith("select") and f"from {table}" in s.replace('"', "")]


def test_a_second_unit_of_work_reads_no_reference_table(app, db):
    with db() as s:
        assert _partners(s, "CR") == ["HX", "TL"]  # fills the process's copy
    with Statements(app.extensions["br_engine"]) as sql, db() as s:
        cr = [c for c in services.centres(s) if c.code == "CR"][0]
        assert _partners(s, "CR") == ["HX", "TL"]
        assert [x.code for x in services.crossings_of(s, cr.id)] == ["CKG-HXY", "MSI-TCL"]
        assert s.get(Centre, cr.id) is cr  # attached to the session as a query's result would be
    assert [t for t in REFERENCE_TABLES if sql.reading(t)] == []
    assert len(sql.reading("reference_stamp")) == 1  # once per unit of work


def test_a_change_made_by_another_process_is_seen_at_the_next_unit_of_work(app, db):
    with db() as s:
        assert _partners(s, "MS") == ["MW"]
    # "Another process": its own engine (and so its own copy) on the same database.
    other = make_engine(app.config["DATABASE_URL"])
    try:
        with session_scope(other) as s:
            services.by_code(s, Centre, "MW").active = False
            services.by_code(s, Centre, "TL").name_en = "Tachileik (renamed)"
    finally:
        other.dispose()
    with db() as s:
        assert _partners(s, "MS") == []  # Myawaddy is no longer active
        assert [c.name_en for c in services.centres(s) if c.code == "TL"] == ["Tachileik (renamed)"]


def test_a_rolled_back_change_leaves_the_old_rows(app, db):
    with db() as s:
        assert _partners(s, "CR") == ["HX", "TL"]
    with pytest.raises(RuntimeError), db() as s:
        tl = services.by_code(s, Centre, "TL")
        tl.name_en = "Renamed and rolled back"
        assert [c.name_en for c in services.centres(s) if c.code == "TL"] == ["Renamed and rolled back"]
        raise RuntimeError("the request failed")
    with db() as s:
        assert [c.name_en for c in services.centres(s) if c.code == "TL"] != ["Renamed and rolled back"]


def test_a_bulk_delete_through_the_orm_gives_a_new_stamp(app, db):
    with db() as s:
        assert _partners(s, "CK") == ["HX"]
        before = s.execute(text("SELECT stamp FROM reference_stamp")).scalar()
    with db() as s:
        ck = services.by_code(s, Centre, "CK")
        s.execute(delete(PartnershipMember).where(PartnershipMember.centre_id == ck.id))
        assert _partners(s, "CK") == []  # seen at once within the same unit of work
    with db() as s:
        assert s.execute(text("SELECT stamp FROM reference_stamp")).scalar() != before
        assert _partners(s, "CK") == []


def test_an_unflushed_change_is_seen_by_the_same_unit_of_work(app, db):
    with db() as s:
        assert [c.code for c in services.centres(s, active_only=True)].count("MW") == 1
        mw = services.by_code(s, Centre, "MW")
        mw.active = False
        assert "MW" not in [c.code for c in services.centres(s, active_only=True)]
        assert _partners(s, "MS") == []


def test_a_statement_on_the_bare_table_gives_a_new_stamp_too(app, db):
    """demo.py adds crossings with an INSERT on the table (it works on older schemas too)."""
    from sqlalchemy import insert

    from border_referral.centres.models import CrossingPoint

    with db() as s:
        assert "TST-TWO" not in [c.code for c in services.crossings(s)]
    with db() as s:
        s.execute(insert(CrossingPoint.__table__).values(
            code="TST-TWO", name_th="ทดสอบ", name_my="စမ်း", name_lo="ທົດສອບ", name_en="Test", active=True, version=1))
    with db() as s:
        assert "TST-TWO" in [c.code for c in services.crossings(s)]
