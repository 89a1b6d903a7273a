"""Migration 0008 on data of release 0007: crossings get their borders, the demo set loads again."""
from sqlalchemy import text

from border_referral.database import session_scope


def test_migration_0008_gives_the_known_crossings_their_border(old_release):
    from border_referral.cli import migrate
    from border_referral.demo import seed

    app, engine = old_release("0007")
    with app.app_context():
        with engine.connect() as conn:  # a crossing an administrator added in release 0007
            conn.execute(text("INSERT INTO crossing_point (code, name_th, name_my, name_lo, name_en, active, version) "
                              "VALUES ('ABC-DEF', 'a', 'b', 'c', 'd', true, 1)"))
            conn.commit()
        migrate(app, "head")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT code, country_a, country_b FROM crossing_point ORDER BY code")).all()
        assert [tuple(r) for r in rows] == [("ABC-DEF", None, None), ("CKG-HXY", "TH", "LA"),
                                            ("MSI-TCL", "TH", "MM"), ("MST-MWD", "TH", "MM"),
                                            ("RNG-KTG", "TH", "MM")]
        with session_scope() as s:
            seed(s)  # loads again on the new schema; nothing to add
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM partnership_proposal")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM user_account WHERE email LIKE 'network.%'")).scalar() == 1
