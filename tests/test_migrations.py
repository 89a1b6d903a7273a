"""The schema comes only from Alembic migrations: after `init-db` the database matches the models
exactly (a model changed without a migration fails here)."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import border_referral.screening.models  # noqa: F401  (every feature's tables on the metadata)
from border_referral.database import engine


def test_migrations_match_the_models(app):
    with app.app_context(), engine().connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = [d for d in compare_metadata(ctx, SQLModel.metadata)
                if not (isinstance(d, tuple) and d[0] == "remove_table" and d[1].name == "alembic_version")]
    assert diff == []
