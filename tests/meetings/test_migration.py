"""Migrations of the meeting records on data written by the release before: 0010 (the chair of a
meeting) and 0015 (the records sealed at rest)."""
from __future__ import annotations

from sqlalchemy import text

from border_referral.database import session_scope
from tests.conftest import principal

MID = "0b6c3c1e-6f43-4d3e-9c55-1a2b3c4d5e6f"


def test_migration_0010_gives_existing_meetings_their_host_as_the_chairs_centre(old_release):
    from border_referral.cli import migrate
    from border_referral.meetings import services

    app, engine = old_release("0009")
    with app.app_context():
        with engine.connect() as conn:  # a meeting as release 0009 wrote it (no chair columns yet)
            ids = dict(conn.execute(text("SELECT code, id FROM centre WHERE code IN ('CR', 'TL')")).all())
            pid = conn.execute(text("SELECT id FROM partnership WHERE code = 'CR-TL'")).scalar_one()
            conn.execute(text(
                "INSERT INTO meeting (id, partnership_id, number, year, host_centre_id, starts_at, venue, languages, "
                "state, agenda_version, created_at, version) VALUES (:id, :p, 13, 2019, :tl, CURRENT_TIMESTAMP, "
                "'Tachileik', 'th,my', 'agenda_open', 1, CURRENT_TIMESTAMP, 1)"), {"id": MID, "p": pid, "tl": ids["TL"]})
            conn.commit()
        migrate(app, "head")
        with engine.connect() as conn:
            row = conn.execute(text("SELECT number, year, chair_name, chair_centre_id FROM meeting")).one()
        assert tuple(row) == (13, 2019, None, ids["TL"])
        with app.test_request_context(), session_scope() as s:
            tl = principal(s, "secretariat", "TL")
            m = services.meeting_for(s, tl, MID)
            assert m.venue == "Tachileik"
            services.set_chair(s, tl, m.id, {"chair": {"name": "U Aung", "centre": "CR"}, "version": 1})
            nxt = services.create_meeting(s, tl, {"partnership": "CR-TL", "starts_at": "2020-03-10T09:00",
                                                  "venue": "Tachileik"})
            assert nxt.number == 14 and nxt.chair_centre_id is not None
        with app.test_request_context(), session_scope() as s:
            assert services.meeting_for(s, principal(s, "secretariat", "CR"), MID).chair_name == "U Aung"
