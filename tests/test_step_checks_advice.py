"""The steps' own checks (steps/NN_name/tests/: each step's test module, with the helpers and
fixtures beside it), on a learner's mistakes: each test makes a mistake in a learner's
project, runs the step's checks on it as a learner does, and reads what the learner is told:
the check that should fail fails, and its message names the cause and the fix (some end in
the plugin's advice, which the step's check set off). A few make a change that Python and
Alembic accept, and the step's checks must accept it too.

The course plugin that runs them (its hints, its advice on library errors, the progress
summary) is tested in tests/test_course_plugin.py.
"""

import re
from pathlib import Path

import pytest

from tests.helpers.learner_projects import (
    DATABASE_PY,
    MODELS_PY,
    alembic_project,
    project_with,
    replace_in,
    snapshot_with_a_mistake,
)
from tests.helpers.learner_runs import run_pytest, summary_problems


# --- The checks' own messages, on a learner's slips --------------------------------------
@pytest.mark.slow
def test_a_refused_valid_body_gets_advice_on_the_fields_pydantic_named(tmp_path: Path) -> None:
    # PATCH fields without a default are required: an empty body {} is refused, so the
    # advice must come from the fields Pydantic complains about, not from the (empty) body.
    project = snapshot_with_a_mistake(
        tmp_path,
        "03_schemas",
        "schemas",
        "    title: str | None = None\n    description: str | None = None\n",
        "    title: str | None\n    description: str | None\n",
    )

    run = run_pytest("steps/03_schemas", "--app-dir", str(project), "-k", "item_update_remembers")

    assert "ItemUpdate refused a valid body:" in run.stdout, run.stdout
    advice = run.stdout.split("written like", 1)[-1]
    for field in ("description: str | None = None", "title: str | None = None"):
        assert field in advice, f"expected the advice to show {field!r}:\n{run.stdout}"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mistake", "missing"),
    [
        pytest.param(
            ("@router.patch(", "@router.put("), ["PATCH /api/v1/items/{item_id}"], id="put"
        ),
        pytest.param(
            ('APIRouter(prefix="/items", ', "APIRouter("),
            ["POST /api/v1/items/", "GET /api/v1/items/{item_id}"],
            id="no-prefix",
        ),
    ],
)
def test_a_route_the_checks_cannot_reach_is_named_once(
    tmp_path: Path, mistake: tuple[str, str], missing: list[str]
) -> None:
    # Without a matching route FastAPI answers 404 or 405, which every check used to blame on
    # its own subject (status codes, schemas, the 404 handling).
    project = snapshot_with_a_mistake(tmp_path, "05_router", "router", *mistake)

    run = run_pytest("steps/05_router", "--app-dir", str(project))

    assert "app/router.py does not serve the routes the checks call" in run.stdout, run.stdout
    assert summary_problems(run) == 1, f"expected one problem in the summary:\n{run.stdout}"
    for route in missing:
        assert f"    {route}\n" in run.stdout, f"expected {route} listed as missing:\n{run.stdout}"
    assert "What to check: status_code=" not in run.stdout, run.stdout


@pytest.mark.slow
def test_a_create_item_without_commit_gets_advice_not_a_traceback(tmp_path: Path) -> None:
    project = snapshot_with_a_mistake(
        tmp_path,
        "04_crud",
        "crud",
        "    db.add(db_item)\n    db.commit()\n",
        "    db.add(db_item)\n",
    )

    run = run_pytest("steps/04_crud", "--app-dir", str(project), "-k", "create_item")

    assert "What to check in create_item: db.add(db_item), then db.commit()" in run.stdout, (
        run.stdout
    )
    assert summary_problems(run) == 1, f"expected one problem in the summary:\n{run.stdout}"


@pytest.mark.slow
def test_step_01_names_a_missing_init_py_and_a_get_db_that_returns(tmp_path: Path) -> None:
    database = DATABASE_PY.replace(
        "    try:\n        yield db\n    finally:\n        db.close()\n", "    return db\n"
    )
    project = project_with(tmp_path, {"app/database.py": database})
    run = run_pytest("steps/01_database", "--app-dir", str(project))
    assert "Expected the file app/__init__.py" in run.stdout
    assert "Calling get_db() gave Session instead of a generator" in run.stdout
    assert "TypeError: 'Session' object is not an iterator" not in run.stdout


@pytest.mark.slow
def test_step_06_reports_a_missing_main_py_before_starting_uvicorn(tmp_path: Path) -> None:
    project = project_with(tmp_path, {"app/__init__.py": "", "app/database.py": DATABASE_PY})
    run = run_pytest("steps/06_main", "--app-dir", str(project), "-k", "uvicorn")
    assert "Step 06 (main) expects the file app/main.py" in run.stdout
    assert "Error loading ASGI app" not in run.stdout


# Learner mistakes an audit of the step checks found getting through (each once passed every
# check of its step): (step, module, the snapshot's text, the mistake, the check that must
# now fail, a phrase of its message).
CAUGHT_MISTAKES = [
    pytest.param(
        "01_database",
        "database",
        "        db.close()",
        "        db.commit()",
        "test_get_db_calls_close_on_the_session",
        "`commit()` or `rollback()` alone do not close it",
        id="01-commit-instead-of-close",
    ),
    pytest.param(
        "02_models",
        "models",
        "index=True, nullable=False)",
        "index=True, nullable=False, unique=True)",
        "test_two_items_may_share_a_title",
        "the title is UNIQUE",
        id="02-unique-title",
    ),
    pytest.param(
        "03_schemas",
        "schemas",
        "    title: str = Field(",
        "    title: str | None = Field(",
        "test_item_create_refuses_null_for_title_price_and_availability[title]",
        "Only the description may be null",
        id="03-nullable-title",
    ),
    pytest.param(
        "03_schemas",
        "schemas",
        "    is_available: bool | None = None\n",
        "    is_available: bool | None = None\n    id: int | None = None\n",
        "test_a_client_sends_exactly_the_four_fields[ItemUpdate]",
        "Extra: ['id']",
        id="03-id-in-item-update",
    ),
    pytest.param(
        "03_schemas",
        "schemas",
        "    id: int\n",
        "    id: int = 0\n",
        "test_item_out_always_has_an_id",
        "ItemOut's `id` has a default",
        id="03-id-default",
    ),
    pytest.param(
        "03_schemas",
        "schemas",
        "    title: str | None = None\n",
        "    title: str | None = Field(None, max_length=50)\n",
        "test_item_update_remembers_exactly_the_fields_sent",
        "ItemUpdate refused a valid body",
        id="03-short-patch-title",
    ),
    pytest.param(
        "04_crud",
        "crud",
        "models.Item.id == item_id",
        "models.Item.id >= item_id",
        "test_get_item_returns_none_for_a_missing_id",
        "it returned the item with id 3",
        id="04-get-item-not-equal",
    ),
    pytest.param(
        "04_crud",
        "crud",
        "models.Item(**item.model_dump())",
        "models.Item(title=item.title, price=item.price)",
        "test_create_item_stores_every_field_sent",
        "not only some of them",
        id="04-create-drops-fields",
    ),
    pytest.param(
        "04_crud",
        "crud",
        "    for key, value in update_data.items():\n        setattr(db_item, key, value)",
        "    db.query(models.Item).update(update_data)",
        "test_update_item_leaves_the_other_items_alone",
        "also changed item(s) [1, 3]",
        id="04-update-every-row",
    ),
    pytest.param(
        "04_crud",
        "crud",
        "db.query(models.Item).offset(skip)",
        "db.query(models.Item).filter(models.Item.is_available).offset(skip)",
        "test_get_items_lists_unavailable_items_too",
        "no .filter() in get_items",
        id="04-list-hides-unavailable",
    ),
    pytest.param(
        "04_crud",
        "crud",
        "skip: int = 0, limit: int = 20",
        "limit: int = 20, skip: int = 0",
        "test_get_items_takes_skip_before_limit",
        "the parameters in the lesson's order",
        id="04-limit-before-skip",
    ),
    pytest.param(
        "05_router",
        "router",
        ', tags=["Items"])',
        ")",
        "test_the_routes_are_grouped_under_items_in_the_docs",
        'carry the tag "Items"',
        id="05-no-tags",
    ),
    pytest.param(
        "05_router",
        "router",
        '@router.post("/", response_model=schemas.ItemOut, ',
        '@router.post("/", response_model=None, ',
        "test_each_route_documents_the_items_it_answers_with",
        "POST /api/v1/items/: no schema",
        id="05-post-without-response-model",
    ),
    pytest.param(
        "05_router",
        "router",
        "from app.database import get_db\n",
        "from app.database import SessionLocal\n\n\ndef get_db():\n    db = SessionLocal()\n"
        "    try:\n        yield db\n    finally:\n        db.close()\n",
        "test_the_routes_get_their_session_from_get_db",
        "do not get their session from app.database.get_db",
        id="05-own-get-db",
    ),
    pytest.param(
        "05_router",
        "router",
        '@router.patch("/{item_id}"',
        '@router.patch("/{item_id}/"',
        "test_patch_can_clear_the_description",
        'differ only by the "/" at the end',
        id="05-trailing-slash",
    ),
    pytest.param(
        "05_router",
        "router",
        "status_code=status.HTTP_201_CREATED)",
        "status_code=status.HTTP_201_CREATED, response_model_exclude_none=True)",
        "test_post_fills_in_the_defaults",
        "a field that is null is still part of the answer",
        id="05-exclude-none",
    ),
    pytest.param(
        "06_main",
        "main",
        "\n    yield",
        "",
        "test_starting_the_app_creates_the_items_table",
        "lifespan does not have the shape FastAPI expects",
        id="06-lifespan-without-yield",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("step", "module", "right", "wrong", "check", "phrase"), CAUGHT_MISTAKES)
def test_a_mistake_that_once_passed_its_step_is_caught_and_explained(
    tmp_path: Path, step: str, module: str, right: str, wrong: str, check: str, phrase: str
) -> None:
    project = snapshot_with_a_mistake(tmp_path, step, module, right, wrong)

    run = run_pytest(f"steps/{step}", "--app-dir", str(project), "-rfE")

    failed = re.findall(r"^(?:FAILED|ERROR) \S+::(\S+)", run.stdout, flags=re.MULTILINE)
    assert check in failed, f"expected {check} among the failed checks {failed}:\n{run.stdout}"
    assert phrase in run.stdout, f"expected the message to say {phrase!r}:\n{run.stdout}"


# --- Step 07: mistakes found by following the step's README ------------------------------
FIRST_MIGRATION = "alembic/versions/20261125_create_items_table.py"
MODELS_IMPORT = "from app import models  # noqa: F401"
# What `alembic revision --autogenerate` writes when it sees no difference.
EMPTY_DRAFT = '''"""create items table"""

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
'''


@pytest.mark.slow
def test_step_07_an_empty_migration_is_explained_and_never_passes(tmp_path: Path) -> None:
    # env.py without `from app import models`: Base.metadata is empty, so autogenerate wrote
    # an empty migration, and comparing the (empty) models with the (empty) database used to
    # pass while every other check blamed a correct env.py.
    project = alembic_project(tmp_path)
    replace_in(project / "alembic" / "env.py", MODELS_IMPORT, "# " + MODELS_IMPORT)
    (project / FIRST_MIGRATION).write_text(EMPTY_DRAFT, encoding="utf-8")

    run = run_pytest("steps/07_alembic", "--app-dir", str(project), "-m", "not slow")

    assert "No migration creates the items table" in run.stdout, run.stdout
    assert "alembic/env.py does not import app.models" in run.stdout, run.stdout
    comparison = "test_alembic.py::test_the_migrations_match_the_models"
    assert f"FAILED steps/07_alembic/tests/{comparison}" in run.stdout, (
        f"expected the comparison of models and migrations to fail, not pass:\n{run.stdout}"
    )
    assert summary_problems(run) == 1, f"expected one problem in the summary:\n{run.stdout}"


@pytest.mark.slow
def test_step_07_target_metadata_left_none_is_named_first(tmp_path: Path) -> None:
    # With `target_metadata = None` autogenerate refuses, so versions/ stays empty; telling
    # the learner to run autogenerate (what just failed) is no help.
    project = alembic_project(tmp_path)
    replace_in(
        project / "alembic" / "env.py",
        "target_metadata = Base.metadata",
        "target_metadata = None",
    )
    (project / FIRST_MIGRATION).unlink()

    run = run_pytest("steps/07_alembic", "--app-dir", str(project), "-m", "not slow")

    assert "still says `target_metadata = None`" in run.stdout, run.stdout
    assert summary_problems(run) == 1, f"expected one problem in the summary:\n{run.stdout}"


@pytest.mark.slow
def test_step_07_the_placeholder_url_of_alembic_ini_is_named(tmp_path: Path) -> None:
    # `alembic init` writes sqlalchemy.url = driver://...; the command then failed with 40
    # lines of traceback through Alembic and SQLAlchemy.
    project = alembic_project(tmp_path)
    replace_in(
        project / "alembic.ini",
        "[alembic]\n",
        "[alembic]\nsqlalchemy.url = driver://user:pass@localhost/dbname\n",
    )

    run = run_pytest("steps/07_alembic", "--app-dir", str(project), "-k", "from_the_project_folder")

    assert "alembic.ini still has the placeholder" in run.stdout, run.stdout
    assert "It happened in alembic/env.py, line " in run.stdout, run.stdout
    assert "site-packages" not in run.stdout, f"expected no library frames:\n{run.stdout}"


@pytest.mark.slow
def test_step_07_a_down_revision_naming_no_migration_is_explained(tmp_path: Path) -> None:
    # Alembic's own words ("Revision 0000 referenced from 0000 -> 0001 (head), … is not
    # present") came with 30 lines of pytest-alembic frames in each of 8 checks.
    project = alembic_project(tmp_path)
    [migration] = (project / "alembic" / "versions").glob("*.py")
    replace_in(migration, "down_revision: str | None = None", 'down_revision: str | None = "0000"')

    run = run_pytest("steps/07_alembic", "--app-dir", str(project), "-m", "not slow")

    assert "has down_revision = '0000', and no migration has that revision id" in run.stdout
    assert "site-packages" not in run.stdout, f"expected no library frames:\n{run.stdout}"


@pytest.mark.slow
def test_step_07_a_migration_not_saved_as_utf_8_is_named_with_its_line(tmp_path: Path) -> None:
    # An accented letter saved as Latin-1: the checks crashed on UnicodeDecodeError.
    project = alembic_project(tmp_path)
    [migration] = (project / "alembic" / "versions").glob("*.py")
    source = migration.read_text(encoding="utf-8")
    migration.write_bytes(source.replace('"""', '"""Caf\u00e9 items.\n', 1).encode("latin-1"))

    run = run_pytest("steps/07_alembic", "--app-dir", str(project), "-m", "not slow")

    assert (
        f"alembic/versions/{migration.name} is not saved as UTF-8: line 1 holds the byte 0xe9"
    ) in run.stdout, run.stdout
    assert "'Save with Encoding' and 'UTF-8'" in run.stdout, run.stdout
    assert "UnicodeDecodeError" not in run.stdout, run.stdout


@pytest.mark.slow
def test_step_07_a_migration_saved_with_a_byte_order_mark_passes(tmp_path: Path) -> None:
    # Some Windows editors write UTF-8 with a byte-order mark, which Python and Alembic
    # accept; the checks called it a syntax error at line 1.
    project = alembic_project(tmp_path)
    [migration] = (project / "alembic" / "versions").glob("*.py")
    migration.write_bytes(b"\xef\xbb\xbf" + migration.read_bytes())

    run = run_pytest("steps/07_alembic", "--app-dir", str(project))

    assert run.returncode == 0, run.stdout


@pytest.mark.slow
def test_step_07_alembic_files_inside_app_are_found_and_moved(tmp_path: Path) -> None:
    # `alembic init alembic` run inside app/: the files exist, one folder too deep.
    project = alembic_project(tmp_path)
    (project / "alembic.ini").rename(project / "app" / "alembic.ini")
    (project / "alembic").rename(project / "app" / "alembic")

    run = run_pytest("steps/07_alembic", "--app-dir", str(project))

    assert "they are inside app/: app/alembic.ini and app/alembic" in run.stdout, run.stdout
    assert "move alembic.ini and the alembic/ folder up one level" in run.stdout, run.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("setting", "relative"),
    [
        pytest.param(
            "script_location = %(here)s/alembic", "script_location = alembic", id="script"
        ),
        pytest.param("prepend_sys_path = %(here)s", "prepend_sys_path = .", id="sys-path"),
        pytest.param("path_separator = os\n", "", id="no-path-separator"),
    ],
)
def test_step_07_reads_alembic_ini_as_alembic_does_in_the_project_folder(
    tmp_path: Path, setting: str, relative: str
) -> None:
    # The older `alembic init` template writes relative paths (and no path_separator);
    # `alembic upgrade head` works from the project folder, and so must every check.
    project = alembic_project(tmp_path)
    replace_in(project / "alembic.ini", setting, relative)

    run = run_pytest("steps/07_alembic", "--app-dir", str(project))

    assert run.returncode == pytest.ExitCode.OK, run.stdout[-3000:]


@pytest.mark.slow
def test_step_07_a_script_location_naming_no_folder_says_which_folder_it_is(
    tmp_path: Path,
) -> None:
    project = alembic_project(tmp_path)
    replace_in(project / "alembic.ini", "%(here)s/alembic", "%(here)s/migrations")

    run = run_pytest("steps/07_alembic", "--app-dir", str(project), "-m", "not slow")

    assert "alembic.ini says `script_location = %(here)s/migrations`" in run.stdout, run.stdout
    assert "write `script_location = %(here)s/alembic`" in run.stdout, run.stdout
    assert "Please use the 'init' command" not in run.stdout, run.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("right", "wrong", "explanation"),
    [
        pytest.param(
            "down_revision: str | None = None",
            'down_revision: str | None = "0001"',
            "20261125_create_items_table.py, line 14: revision '0001' has down_revision = '0001'",
            id="names-itself",
        ),
        pytest.param(
            "down_revision: str | None = None\n",
            "",
            "20261125_create_items_table.py has no `down_revision = ...` line",
            id="no-down-revision",
        ),
        pytest.param(
            'revision: str = "0001"',
            'revison: str = "0001"',
            "declares no `revision`, so Alembic does not know this migration's id. Line 13 "
            "assigns `revison`: a typo of revision?",
            id="misspelt-revision",
        ),
        pytest.param(
            '        sa.PrimaryKeyConstraint("id"),\n    )\n',
            '        sa.PrimaryKeyConstraint("id"),\n\n',
            "20261125_create_items_table.py has a syntax error at line 20",
            id="syntax-error",
        ),
    ],
)
def test_step_07_a_broken_chain_of_revisions_names_the_file_and_line(
    tmp_path: Path, right: str, wrong: str, explanation: str
) -> None:
    # pytest-alembic and Alembic frames (about 40 lines) came before Alembic's last line.
    project = alembic_project(tmp_path)
    replace_in(project / FIRST_MIGRATION, right, wrong)

    run = run_pytest("steps/07_alembic", "--app-dir", str(project), "-m", "not slow")

    assert explanation in run.stdout, run.stdout
    assert "site-packages" not in run.stdout, f"expected no library frames:\n{run.stdout}"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("right", "wrong", "explanation"),
    [
        pytest.param(
            "target_metadata = Base.metadata",
            "target_metadata = Base",
            "gives Alembic target_metadata = the declarative base class Base",
            id="the-base-class",
        ),
        pytest.param(
            "context.configure(connection=connection, target_metadata=target_metadata, ",
            "context.configure(connection=connection, ",
            "sets `target_metadata = Base.metadata` (line 17), but its context.configure(...) "
            "at line 28 is not given it",
            id="not-passed-on",
        ),
    ],
)
def test_step_07_advice_on_the_models_comparison_looks_at_what_env_py_gives_alembic(
    tmp_path: Path, right: str, wrong: str, explanation: str
) -> None:
    # Both used to be answered with "run autogenerate" or "set target_metadata =
    # Base.metadata", advice that fails the same way or that env.py already follows.
    project = alembic_project(tmp_path)
    replace_in(project / "alembic" / "env.py", right, wrong)

    run = run_pytest("steps/07_alembic", "--app-dir", str(project), "-k", "match_the_models")

    assert explanation in run.stdout, run.stdout


# --- Each step's advice, from what the learner's code declares ---------------------------
@pytest.mark.slow
@pytest.mark.parametrize(
    ("right", "wrong", "explanation"),
    [
        pytest.param(
            "        yield db\n    finally:",
            "        yield db\n    except Exception:\n        db.rollback()\n    finally:",
            "get_db caught it and did not raise it again, so the error vanished and the client "
            "would be told the request succeeded.\n  app/database.py, line 14: except Exception:",
            id="swallowed-exception",
        ),
        pytest.param(
            "    db = SessionLocal()\n",
            "    db = SessionLocal\n",
            "get_db yielded a sessionmaker instead of a Session",
            id="factory-yielded",
        ),
        pytest.param(
            "sessionmaker(autocommit=False, autoflush=False, bind=engine)",
            "sessionmaker(autocommit=True, autoflush=False, bind=engine)",
            "SessionLocal() could not make a session: ArgumentError: autocommit=True is no "
            "longer supported",
            id="autocommit",
        ),
        pytest.param(
            "autoflush=False, bind=engine)",
            "autoflush=False)",
            "SessionLocal = sessionmaker(...) in app/database.py has no bind=engine",
            id="no-bind",
        ),
        pytest.param(
            '{"check_same_thread": False}',
            '{"check_same_threads": False}',
            "which has no argument `check_same_threads`. Did you mean `check_same_thread`?",
            id="misspelt-connect-argument",
        ),
        pytest.param(
            "        db.close()",
            "        db.close",
            "In app/database.py, line 15, `db.close` has no parentheses",
            id="close-not-called",
        ),
    ],
)
def test_step_01_a_check_reports_what_get_db_and_sessionlocal_were_given(
    tmp_path: Path, right: str, wrong: str, explanation: str
) -> None:
    # Each used to surface as a bare StopIteration, a library traceback, or an
    # AttributeError from the check's own clean-up.
    database = DATABASE_PY.replace(right, wrong)
    assert database != DATABASE_PY
    project = project_with(tmp_path, {"app/__init__.py": "", "app/database.py": database})

    run = run_pytest("steps/01_database", "--app-dir", str(project))

    assert explanation in run.stdout, run.stdout
    assert "site-packages" not in run.stdout, f"expected no library frames:\n{run.stdout}"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("right", "wrong", "explanation"),
    [
        pytest.param('"items"', '"item"', 'Here: Item has __tablename__ = "item"', id="table-name"),
        pytest.param(
            "from app.database import Base",
            "from sqlalchemy.orm import declarative_base\nBase = declarative_base()",
            "Here: Item does not inherit from the Base of app/database.py",
            id="second-base",
        ),
        pytest.param(
            "String, index=True, nullable=False",
            "String, nullable=False",
            "items has an index on `id` only.",
            id="no-index",
        ),
        pytest.param(
            "Column(Float,",
            "Column(Integer,",
            "to be stored as Float, but the database says INTEGER. What to check",
            id="wrong-type",
        ),
        # This one and the next used to be told to add nullable=False, which the column had.
        pytest.param(
            "index=True, nullable=False)",
            'index=True, nullable=False, default="")',
            "the column is NOT NULL, but its default='' fills it in, so the item was stored with "
            "title ''",
            id="a-default-fills-a-not-null-column",
        ),
        pytest.param(
            "price = Column(Float, nullable=False)",
            'price = Column(Float, nullable=False, server_default="0")',
            "the column is NOT NULL, but its server_default='0' fills it in",
            id="a-server-default-fills-a-not-null-column",
        ),
        pytest.param(
            "price = Column(Float, nullable=False)",
            'price = Column(Float, nullable="False")',
            "declares price with nullable='False', which is not True or False",
            id="nullable-as-text",
        ),
        pytest.param(
            "title = Column(String,",
            'title = Column("name", String,',
            "Item.title is stored in a column called `name`",
            id="column-named-otherwise",
        ),
    ],
)
def test_step_02_says_what_the_model_declares_or_does_instead(
    tmp_path: Path, right: str, wrong: str, explanation: str
) -> None:
    models = MODELS_PY.replace(right, wrong)
    assert models != MODELS_PY
    project = project_with(
        tmp_path, {"app/__init__.py": "", "app/database.py": DATABASE_PY, "app/models.py": models}
    )

    run = run_pytest("steps/02_models", "--app-dir", str(project))

    assert explanation in run.stdout, run.stdout


# The check's own crash on what a CRUD function returned, which step 04's checks used to show.
CHECKS_OWN_CRASH = "has no attribute 'id'"

# A mistake in a step's snapshot: (step, module, the snapshot's text, the mistake, the checks to
# run (-k), what their messages say, what they must not say). Each message looks at what the
# learner's code declares or does, where it used to give the step's general advice.
ADVICE_ON_A_MISTAKE = [
    pytest.param(
        "03_schemas",
        "schemas",
        "title: str = Field(...,",
        'title: str = Field(..., alias="name",',
        "create_accepts",
        ("`name` is the alias of the field title (Field(alias='name'))",),
        (),
        id="03-alias",
    ),
    pytest.param(
        "03_schemas",
        "schemas",
        "ConfigDict(from_attributes=True)",
        "ConfigDict(from_attribute=True)",
        "item_out_reads_every_field",
        (
            "model_config has `from_attribute`, which is no setting of Pydantic's (it ignores "
            "it): did you mean `from_attributes`?",
        ),
        (),
        id="03-misspelt-setting",
    ),
    pytest.param(
        "03_schemas",
        "schemas",
        "class ItemOut(ItemBase):",
        "class ItemOut(BaseModel):",
        "item_out_reads_every_field",
        (
            "ItemOut has no field is_available, price, title: the lesson's ItemOut inherits "
            "them, `class ItemOut(ItemBase):`.",
        ),
        (),
        id="03-item-out-without-the-base",
    ),
    pytest.param(
        "03_schemas",
        "schemas",
        "    is_available: bool = True\n",
        "    is_available: bool = False\n",
        "create_accepts",
        ("is_available: not sent, so its default gave False",),
        (),
        id="03-other-default",
    ),
    # ItemOut read the object but refused its price: the advice is the field's spelling.
    pytest.param(
        "03_schemas",
        "schemas",
        "price: float = Field(..., gt=0)",
        "price: int = Field(..., gt=0)",
        "item_out",
        (
            "ItemOut.model_validate(item) could not read an Item object",
            "price: float = Field(..., gt=0)",
        ),
        ("from_attributes=True",),
        id="03-item-out-refuses-a-field-not-from-attributes",
    ),
    # This one and the next crashed in the check's own code ("'function' object has no
    # attribute 'id'"); the other three of step 04 got the general advice.
    pytest.param(
        "04_crud",
        "crud",
        "    db.refresh(db_item)  # reload",
        "    return db_item.id\n    db.refresh(db_item)  # reload",
        "returns_it_with_an_id",
        ("returned the int 1, not the item (whose .id would hold it)",),
        (CHECKS_OWN_CRASH,),
        id="04-create-returns-the-id",
    ),
    pytest.param(
        "04_crud",
        "crud",
        "== item_id).first()",
        "== item_id).first",
        "returns_the_item_with_that_id",
        (
            "get_item(db, 2) returned the method Query.first itself, never called: a missing "
            "`()` (`.first()`)",
        ),
        (CHECKS_OWN_CRASH,),
        id="04-a-method-not-called",
    ),
    pytest.param(
        "04_crud",
        "crud",
        "    db_item = get_item(db, item_id)\n    if not db_item:\n        return None\n",
        "    db_item = get_item(db, item_id)\n",
        "update_item_returns_none",
        ("crashed: no item has id 2, so get_item gave None",),
        (CHECKS_OWN_CRASH,),
        id="04-update-without-the-none-check",
    ),
    pytest.param(
        "04_crud",
        "crud",
        "exclude_unset=True",
        "exclude_defaults=True",
        "clear_the_description",
        ("update_item calls item.model_dump(exclude_defaults=True) (app/crud.py line 30)",),
        (CHECKS_OWN_CRASH,),
        id="04-exclude-defaults",
    ),
    pytest.param(
        "04_crud",
        "crud",
        "setattr(db_item, key, value)",
        "setattr(item, key, value)",
        "only_a_price",
        (
            "setattr(item, key, value) (app/crud.py line 32) changes `item`, the function's own "
            "argument",
        ),
        (CHECKS_OWN_CRASH,),
        id="04-setattr-on-the-body",
    ),
    pytest.param(
        "05_router",
        "router",
        "Query(20, ge=1, le=100)",
        "Query(ge=1, le=100)",
        "json_array",
        (
            "declares the query parameter `limit` without a default",
            "What to check: `limit: int = Query(20, ge=1, le=100)`.",
        ),
        (),
        id="05-a-required-query-parameter-named-with-its-default",
    ),
    # It used to be told to call Base.metadata.create_all, which the lifespan did.
    pytest.param(
        "06_main",
        "main",
        "from app.database import Base, engine\n",
        "from sqlalchemy.orm import declarative_base\n\nfrom app.database import engine\n\n"
        "Base = declarative_base()\n",
        "creates_the_items_table",
        (
            "app/main.py's `Base` is not app.database's Base",
            "(a declarative base with no tables on it)",
        ),
        (),
        id="06-a-second-base-in-main-py",
    ),
    # The lines of a wrong update, as step 04's README quotes them (they come from
    # items_course/item_values.py, which steps 04 and 05 share).
    pytest.param(
        "04_crud",
        "crud",
        "item.model_dump(exclude_unset=True)",
        "item.model_dump(exclude_none=True)",
        "update_item_can_clear_the_description",
        ("description: sent None, but it holds 'Will be removed'",),
        (),
        id="04-an-update-that-drops-a-null",
    ),
    pytest.param(
        "04_crud",
        "crud",
        "item.model_dump(exclude_unset=True)",
        '{**item.model_dump(exclude_unset=True), "is_available": True}',
        "only_a_price_keeps_the_other_fields",
        ("is_available: was not sent, yet it changed from False to True",),
        (),
        id="04-an-update-that-changes-a-field-not-sent",
    ),
    pytest.param(
        "05_router",
        "crud",
        "item.model_dump(exclude_unset=True)",
        "item.model_dump(exclude_none=True)",
        "patch_can_clear_the_description",
        ("description: sent None, but it holds 'Will be removed'",),
        (),
        id="05-a-patch-that-drops-a-null",
    ),
    # Routes are listed one path a line, methods in alphabetical order: a set printed as it
    # is ({'GET', 'POST'}) came out in a different order from run to run.
    pytest.param(
        "06_main",
        "main",
        'prefix="/api/v1"',
        'prefix="/api"',
        "mounted_under_api_v1",
        (
            "Expected these paths and methods:",
            "/api/v1/items/{item_id}  DELETE, GET, PATCH\n",
            "but the application has:",
            "/api/items/{item_id}  DELETE, GET, PATCH\n",
        ),
        (),
        id="06-routes-under-another-prefix",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("step", "module", "right", "wrong", "check", "said", "not_said"), ADVICE_ON_A_MISTAKE
)
def test_a_steps_advice_looks_at_what_the_learners_code_declares_or_does(
    tmp_path: Path,
    step: str,
    module: str,
    right: str,
    wrong: str,
    check: str,
    said: tuple[str, ...],
    not_said: tuple[str, ...],
) -> None:
    project = snapshot_with_a_mistake(tmp_path, step, module, right, wrong)

    run = run_pytest(f"steps/{step}", "--app-dir", str(project), "-k", check)

    for phrase in said:
        assert phrase in run.stdout, f"expected the message to say {phrase!r}:\n{run.stdout}"
    for phrase in not_said:
        assert phrase not in run.stdout, f"expected no {phrase!r} in:\n{run.stdout}"
