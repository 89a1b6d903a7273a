"""Alembic environment: the engine comes from the app (cli.migrate) or from DATABASE_URL."""
from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import border_referral.audit.models  # noqa: F401  (register tables on the metadata)
import border_referral.auth.models  # noqa: F401
import border_referral.cases.models  # noqa: F401
import border_referral.centres.models  # noqa: F401
import border_referral.crypto.models  # noqa: F401
import border_referral.meetings.models  # noqa: F401
import border_referral.notifications.models  # noqa: F401
import border_referral.referrals.models  # noqa: F401
import border_referral.repatriation.models  # noqa: F401
import border_referral.screening.models  # noqa: F401

config = context.config
target_metadata = SQLModel.metadata


def _engine():
    eng = config.attributes.get("engine")
    if eng is not None:
        return eng
    from border_referral import settings
    from border_referral.database import make_engine

    return make_engine(settings.load()["DATABASE_URL"])


def run_migrations_online() -> None:
    eng = _engine()
    with eng.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a table by copying it into a new one ("batch" mode); with foreign keys
            # enforced, dropping the old copy of a table others point at (user_account, say) fails.
            # They are off while migrating (the pragma only works outside a transaction), checked
            # when done, and on again before the connection goes back to the pool.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=sqlite, compare_type=True)
        try:
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration leaves rows pointing at nothing: {broken[:5]}")
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


run_migrations_online()
