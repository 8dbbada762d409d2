"""Alembic runs this file for every command: it says which database to change and what the
models look like, so that `--autogenerate` can compare the two.

Two ways in:
- from the command line (`alembic upgrade head` in final/): the database is the app's
  (DATABASE_URL, else ./app.db), reached with the app's own engine settings;
- from Python (the app's start-up, the tests): the caller puts a connection, and possibly
  the metadata, in `config.attributes`, and this file uses them as they are.
"""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection, Engine, MetaData

config = context.config
given_connection = config.attributes.get("connection")

# Set up logging from alembic.ini only for the command line, not inside a running app.
if config.config_file_name is not None and given_connection is None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def target_metadata() -> MetaData:
    """The tables as the models describe them: what autogenerate compares the database with."""
    given = config.attributes.get("target_metadata")
    if isinstance(given, MetaData):
        return given
    from app import models  # noqa: F401  (importing the models puts their tables on Base.metadata)
    from app.database import Base

    return Base.metadata


def app_engine() -> Engine:
    """An engine for the URL given with `-x`/the config if any, else the app's own engine."""
    from app.database import engine, engine_for

    url = config.get_main_option("sqlalchemy.url")
    return engine_for(url) if url else engine


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata(),
        # SQLite cannot ALTER most columns in place; batch mode copies the table instead,
        # and does plain ALTERs on other databases.
        render_as_batch=True,
        # Autogenerate also compares server defaults (is_available's DEFAULT true).
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """`alembic upgrade head --sql`: print the SQL instead of running it."""
    context.configure(
        url=app_engine().url,
        target_metadata=target_metadata(),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    if isinstance(given_connection, Connection):
        run_migrations(given_connection)
        return
    engine = given_connection if isinstance(given_connection, Engine) else app_engine()
    with engine.connect() as connection:
        run_migrations(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
