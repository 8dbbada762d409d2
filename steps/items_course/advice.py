"""The advice catalogue: what a learner's error most likely means, and what to change.

Each function takes an error (or its text) and returns advice as one or more lines ending in
a newline, or "" (or None) when it has none; the failure reports (``loading``, ``reports``,
``timeouts``) put the advice under the error. Three families:

* errors raised while a module of the learner's ``app`` is imported (``hint_for``);
* errors raised while a check runs the learner's code (``runtime_hint``);
* errors a library raises because of the learner's code (``framework_advice``), and the
  one-line reasons for them in the progress summary (``FRAMEWORK_ERRORS``).

A new kind of advice goes here, with a test in tests/test_course_plugin.py that makes the
mistake and reads the message.
"""

from __future__ import annotations

import builtins
import difflib
import importlib
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from items_course.code_advice import hint_from_the_learners_code, what_the_handler_returned
from items_course.course import EXPECTED_NAMES, PACKAGE
from items_course.learners_code import last_frame_in
from items_course.wording import a


# --- Names: what was probably meant ----------------------------------------------------
def close_to(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate NAME was most likely meant to be (a typo or a case slip), if any."""
    others = sorted({candidate for candidate in candidates if candidate != name})
    same_letters = [other for other in others if other.lower() == name.lower()]
    if same_letters:
        return same_letters[0]
    close = difflib.get_close_matches(name, others, n=1, cutoff=0.75)
    return close[0] if close else None


# Libraries whose names the article imports; a NameError for one of their names means a
# missing import line rather than a typo.
ARTICLE_LIBRARIES = ("sqlalchemy", "sqlalchemy.orm", "fastapi", "pydantic", "typing")


def library_with(name: str) -> str | None:
    """The first of the article's libraries that defines NAME, if any."""
    for library in ARTICLE_LIBRARIES:
        try:
            module = importlib.import_module(library)
        except ImportError:
            continue
        if hasattr(module, name):
            return library
    return None


# --- Errors raised while a learner's module is imported -----------------------------------
# Old habits that libraries warn about (and the checks turn warnings into errors): Pydantic
# v1's spellings, and FastAPI's start-up events from before lifespan.
DEPRECATED_HABITS = {
    "class-based `config`": (
        "That is Pydantic v1's style. In Pydantic 2 a model's settings go in its class body as "
        "`model_config = ConfigDict(...)`: `class Config: orm_mode = True` becomes "
        "`model_config = ConfigDict(from_attributes=True)` (from pydantic import ConfigDict).\n"
    ),
    "'orm_mode' has been renamed": (
        "Pydantic 2 calls it from_attributes: `model_config = ConfigDict(from_attributes=True)`.\n"
    ),
    "declarative_base()`` function is now available as sqlalchemy.orm": (
        "That import is SQLAlchemy 1's: the function now lives in sqlalchemy.orm. Change the "
        "import line: `from sqlalchemy.orm import declarative_base` (not "
        "sqlalchemy.ext.declarative).\n"
    ),
    "Using extra keyword arguments on `Field`": (
        "Field(...) has no such option (the warning names it under 'Extra keys'): Pydantic "
        "would keep it as documentation only and never apply it. Leave it out.\n"
    ),
    "The `root_path` parameter is deprecated": (
        "root_path tells FastAPI the path a proxy serves it under; it does not put the routes "
        "there. The lesson mounts the router under /api/v1 in main.py: "
        '`app.include_router(items_router, prefix="/api/v1")`, and `FastAPI(...)` without '
        "root_path.\n"
    ),
    "on_event is deprecated": (
        "FastAPI now runs start-up code in a lifespan, as the lesson's main.py does: "
        "`@asynccontextmanager async def lifespan(app: FastAPI):` creates the tables, then "
        "`yield`s; and `app = FastAPI(..., lifespan=lifespan)`.\n"
    ),
}
WARNINGS_ARE_ERRORS = (
    "(The checks treat warnings as errors: a deprecation warning is a library saying that a "
    "coming version will refuse this code, so it is fixed now.)\n"
)


def hint_for(error: BaseException, root: Path) -> str:
    """What probably went wrong, for the errors beginners meet most, as a line (or "")."""
    specific = hint_from_the_learners_code(error, root)
    if specific:
        return specific
    if isinstance(error, Warning):
        for clue, hint in DEPRECATED_HABITS.items():
            if clue in str(error):
                return hint + WARNINGS_ARE_ERRORS
        return WARNINGS_ARE_ERRORS
    if isinstance(error, ModuleNotFoundError) and error.name:
        return hint_for_missing_module(error.name, root)
    if isinstance(error, ImportError) and error.name:
        wanted = re.match(r"cannot import name '(\w+)'", str(error))
        source = sys.modules.get(error.name)
        if wanted is None or source is None:
            return ""
        name = wanted.group(1)
        if error.name == PACKAGE:
            # `from app import schema`: the learner's own files come before any library.
            own_files = sorted(path.stem for path in (root / PACKAGE).glob("*.py"))
            near = close_to(name, own_files)
            if near is not None:
                return (
                    f"Did you mean `{near}`? Your file is {PACKAGE}/{near}.py: "
                    f"`from {PACKAGE} import {near}`.\n"
                )
        near = close_to(name, dir(source))
        if near is not None:
            return f"Did you mean `{near}`? That is the name {error.name} defines.\n"
        own_module = _names_an_own_module_defines(name, error.name, source)
        if own_module:
            return own_module
        home = library_with(name)
        if home is not None and home != error.name:
            return f"`{name}` comes from {home}: `from {home} import {name}`.\n"
        return ""
    if isinstance(error, NameError) and error.name:
        frame = last_frame_in(error, root)
        own = [*frame.f_globals, *frame.f_locals] if frame is not None else []
        near = close_to(error.name, own)
        home = library_with(error.name)
        if near is None and home is not None:
            return (
                f"`{error.name}` comes from {home}, and the file does not import it: add it "
                f"to the import line at the top, e.g. `from {home} import {error.name}`.\n"
            )
        near = near or close_to(error.name, vars(builtins))
        return f"Did you mean `{near}`?\n" if near is not None else ""
    if isinstance(error, AttributeError) and error.name and error.obj is not None:
        near = close_to(error.name, dir(error.obj))
        return f"Did you mean `{near}`?\n" if near is not None else ""
    return ""


def _names_an_own_module_defines(name: str, module_name: str, source: object) -> str:
    """`from app.router import items_router`: the names app/router.py does define, and how to
    import one under the name the learner's code uses ("" for any other module)."""
    package, _, module = module_name.partition(".")
    expected = EXPECTED_NAMES.get(module, {}) if package == PACKAGE else {}
    defined = [
        (attribute, meaning)
        for attribute, meaning in expected.items()
        if hasattr(source, attribute)
    ]
    if not defined:
        return ""
    listed = ", ".join(f"`{attribute}` ({meaning})" for attribute, meaning in defined)
    return (
        f"{PACKAGE}/{module}.py has no `{name}`; it defines {listed}. To use another name "
        f"here, import it under that name: `from {module_name} import {defined[0][0]} as "
        f"{name}`.\n"
    )


def hint_for_missing_module(name: str, root: Path) -> str:
    """Advice for `import NAME` that found nothing: one of the learner's files, or a library."""
    own_files = sorted(path.stem for path in (root / PACKAGE).glob("*.py"))
    top, _, rest = name.partition(".")
    if top in own_files and not rest:
        return (
            f"`{name}` is your file {PACKAGE}/{name}.py: inside the {PACKAGE} package, import "
            f"it as `{PACKAGE}.{name}`, e.g. `from {PACKAGE}.{name} import ...` (as the "
            "lesson does).\n"
        )
    if top == PACKAGE and rest:
        near = close_to(rest, own_files)
        if near is not None:
            return f"Did you mean `{PACKAGE}.{near}`? There is no {PACKAGE}/{rest}.py.\n"
        return f"There is no {PACKAGE}/{rest}.py in {root}.\n"
    return (
        f"`{name}` is neither a file of your project nor installed in the Python that runs "
        f"the checks ({sys.executable}). If it is a library, install it there; if it is "
        "meant to be one of your files, check its name.\n"
    )


# --- Errors raised while a check runs the learner's code ----------------------------------
# Methods of a database session: called on something else, the arguments were mixed up.
SESSION_METHODS = {"query", "add", "commit", "refresh", "delete", "get", "execute", "scalars"}


def runtime_hint(error: BaseException, root: Path | None = None) -> str:
    """What probably went wrong, for errors beginners meet while a check runs (or "").

    ROOT is the learner's project folder: the advice can then read what their code passed.
    """
    specific = hint_from_the_learners_code(error, root) if root is not None else ""
    if specific:
        return specific
    if (
        isinstance(error, AttributeError)
        and error.name in SESSION_METHODS
        and not hasattr(error.obj, "bind")
    ):
        return (
            f"`.{error.name}(...)` was called on {a(type(error.obj).__name__)}, where a database "
            "session was expected: the arguments of a call above are in the wrong order "
            "(the lesson's functions take the session first: crud.update_item(db, item_id, "
            "item)).\n"
        )
    if "no such table" in str(error):
        return (
            "The database has no such table: nothing created it. What to check: main.py's "
            "lifespan runs Base.metadata.create_all(bind=engine) before `yield`, and "
            "FastAPI(..., lifespan=lifespan) uses it.\n"
        )
    not_null = re.search(r"NOT NULL constraint failed: items\.(\w+)", str(error))
    if not_null:
        return NOT_NULL_HINTS.get(not_null.group(1), "")
    if "Not a boolean value: '" in str(error):
        return (
            "A text was given where SQLAlchemy expects True or False: a Boolean column's "
            "default is the value True (`default=True`), not the text 'True'.\n"
        )
    return ""


# The database refused NULL in a column of items: why that column got none, and the fix.
NOT_NULL_HINTS = {
    "id": (
        "The database did not number the new item. SQLite numbers a row by itself only when "
        "its primary key is an INTEGER column: `id = Column(Integer, primary_key=True, "
        "index=True)`, with no BigInteger, autoincrement=False or default.\n"
    ),
    "description": (
        "The item had no description, which the lesson allows (it is optional), but the "
        "column refuses NULL. What to check in app/models.py: "
        "`description = Column(String, nullable=True)`.\n"
    ),
    "is_available": (
        "The item was saved without is_available, and the column refuses NULL with no "
        "default to fill in. What to check in app/models.py: "
        "`is_available = Column(Boolean, default=True)`.\n"
    ),
    "title": (
        "An item reached the database with no title. If this happened while updating one, "
        "every field the client did not send was written as None: "
        "item.model_dump(exclude_unset=True) gives only the fields sent.\n"
    ),
}
NOT_NULL_HINTS["price"] = NOT_NULL_HINTS["title"].replace("title", "price")


# --- Errors a library raises because of the learner's code --------------------------------
# Errors FastAPI raises because of the learner's code: (headline, what to check).
FRAMEWORK_ERRORS = {
    "ResponseValidationError": (
        "a handler returned something its response_model does not describe",
        "A handler returned something its response_model does not describe (the File line "
        "above names it). What to check, the likeliest first: for an id no item has, the "
        'handler must raise HTTPException(status_code=404, detail="Item not found") instead of '
        "returning None; it returns what the CRUD function gave (the stored item, or the "
        "list), not its own body parameter; and that body parameter has the schema the "
        "lesson gives (ItemCreate for POST): a schema with looser rules lets in values that "
        "ItemOut then refuses.",
    ),
}


# TypeErrors Starlette raises when main.py's lifespan does not have the shape it calls.
LIFESPAN_MISTAKES = (
    "'coroutine' object is not an async iterator",
    "lifespan() takes",
    # @contextmanager def lifespan(...): a context manager for `with`, not `async with`.
    "does not support the asynchronous context manager protocol",
)
LIFESPAN_ADVICE = (
    "app/main.py's lifespan does not have the shape FastAPI expects: when the app starts, "
    "FastAPI calls lifespan(app) and runs it up to its `yield` (what comes after runs at "
    "shutdown), with `async with`. What to check: the parameter `app`, the `yield`, "
    "`async def` and @asynccontextmanager (not @contextmanager) are all there:\n"
    "    @asynccontextmanager\n"
    "    async def lifespan(app: FastAPI):\n"
    "        Base.metadata.create_all(bind=engine)\n"
    "        yield"
)


# Alembic's warning when a migration's down_revision names no existing revision.
MISSING_REVISION = re.compile(r"Revision (\S+) referenced from .*-> (\S+) .*is not present")


def framework_advice(error: BaseException) -> str | None:
    """Advice for an error a library raised because of the learner's code, or None."""
    if type(error).__name__ == "ResponseValidationError":
        # The handler's own code says why its answer does not fit; else the likeliest causes.
        return what_the_handler_returned(error) or FRAMEWORK_ERRORS[type(error).__name__][1]
    if type(error).__name__ in FRAMEWORK_ERRORS:
        return FRAMEWORK_ERRORS[type(error).__name__][1]
    if isinstance(error, TypeError) and any(clue in str(error) for clue in LIFESPAN_MISTAKES):
        return LIFESPAN_ADVICE
    missing = MISSING_REVISION.search(str(error)) if isinstance(error, Warning) else None
    if missing:
        return (
            f"The migration {missing[2]} in alembic/versions/ has down_revision = "
            f"'{missing[1]}', and no migration has that revision id, so Alembic cannot put "
            "the migrations in order. What to check: the first migration's down_revision is "
            "None; each later one names the revision of the migration before it (the "
            "`revision = ...` line of that file)."
        )
    return None


# --- Learner code that never returns (see timeouts.py) ------------------------------------
def never_returned(function: str, where: str, seconds: float, at_import: bool) -> str:
    """The message for learner code that ran SECONDS without returning."""
    if at_import:
        return (
            f"Importing {where} did not finish within {seconds:g} s: the code at the top "
            "level of the file (outside any function) runs on import, and something there "
            "never ends. Look for a loop at the top level, or a call that waits forever."
        )
    return (
        f"{function} in {where} did not return within {seconds:g} s — look for a loop that "
        "never ends (a `while` whose condition stays true), or a query that waits on a lock."
    )
