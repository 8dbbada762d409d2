"""Alembic runs this file for every command: it says which database to change and
what the models look like, so `--autogenerate` can compare the two."""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection, create_engine, pool

from app import models  # noqa: F401  (importing the models puts their tables on Base.metadata)
from app.database import SQLALCHEMY_DATABASE_URL, Base

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# What autogenerate compares the database with.
target_metadata = Base.metadata


def database_url() -> str:
    """The URL given with `-x`/the config if any, else the one the app itself uses."""
    return config.get_main_option("sqlalchemy.url") or SQLALCHEMY_DATABASE_URL


def run_migrations(connection: Connection) -> None:
    # render_as_batch: SQLite cannot ALTER most columns in place; batch mode copies the
    # table instead, and does nothing special on other databases.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """`alembic upgrade head --sql`: print the SQL instead of running it."""
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    # A caller may hand over its own engine (pytest-alembic does, in the step's checks).
    engine = config.attributes.get("connection") or create_engine(
        database_url(), poolclass=pool.NullPool
    )
    with engine.connect() as connection:
        run_migrations(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
