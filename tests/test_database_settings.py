"""Engine settings per database (issue 15): SQLite's durability is a choice written down, not an accident."""
import pytest
from sqlalchemy import text

from border_referral.database import make_engine


@pytest.mark.parametrize("setting, pragma", [("FULL", 2), ("NORMAL", 1)])
def test_sqlite_commits_reach_the_disk_as_configured(tmp_path, setting, pragma):
    eng = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}", synchronous=setting)
    try:
        with eng.connect() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar_one() == pragma
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    finally:
        eng.dispose()


def test_an_unknown_sqlite_durability_setting_is_refused(tmp_path):
    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS"):
        make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}", synchronous="OFF")


def test_the_default_is_full(app):
    assert app.config["SQLITE_SYNCHRONOUS"] == "FULL"
