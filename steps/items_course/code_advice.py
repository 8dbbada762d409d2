"""Advice from what the learner's code declares and passes, for errors a library raised.

A library describes the symptom in its own words: "module 'app.router' has no attribute
'_contains_router'", "Class 'builtins.int' is not mapped". The rules here look at the
learner's line and the values it named (with ``learners_code``) and say what was passed,
what was expected there, and what to write instead. Each rule returns its advice as lines
ending in a newline, or "" when the error is not its kind; ``hint_from_the_learners_code``
asks them in turn, before the general advice of ``advice`` (which calls it).

A new rule goes in ``_RULES``, with a test in tests/test_course_plugin.py that makes the
mistake and reads the message.
"""

from __future__ import annotations

import ast
import inspect
import re
import traceback
from collections.abc import Callable
from pathlib import Path
from types import FrameType, ModuleType

from items_course.learners_code import (
    function_in,
    keyword_given,
    learner_frames,
    line_with,
    names_for,
    names_in_line,
    shown_path,
    source_line,
)
from items_course.wording import a, describe_value

Rule = Callable[[BaseException, str, list[FrameType], Path | None], str]

# A library's private attribute, looked up on an object of the wrong kind: what the library
# expected there, and how the article gets it.
PRIVATE_LOOKUPS = {
    "_run_ddl_visitor": (
        "an Engine",
        "the engine of app/database.py (`from app.database import Base, engine`)",
    ),
    "_contains_router": ("an APIRouter", "the `router` object inside app/router.py"),
}
# Python's types, and the SQLAlchemy column types of the same meaning.
COLUMN_TYPES = {"float": "Float", "int": "Integer", "str": "String", "bool": "Boolean"}


def hint_from_the_learners_code(error: BaseException, root: Path | None) -> str:
    """Advice that names what the learner's line passed, for a library's error about it ("")."""
    frames = learner_frames(error, root)
    text = str(error)
    for rule in _RULES:
        hint = rule(error, text, frames, root)
        if hint:
            return hint
    return ""


def _raised_by_a_library(error: BaseException, root: Path | None) -> bool:
    """Whether the line that raised ERROR is a library's (not in the learner's files)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames or root is None:
        return True
    return not Path(frames[-1].filename).resolve().is_relative_to(root)


def _wrong_object(
    error: BaseException, text: str, frames: list[FrameType], root: Path | None
) -> str:
    """A library looked for an attribute on an object of the wrong kind (a module, a text)."""
    if not (isinstance(error, AttributeError) and error.name and error.obj is not None):
        return ""
    names = names_for(error.obj, frames)
    shown = describe_value(error.obj)
    where = f"`{names[0]}` is {shown}" if names else f"It got {shown}"
    if (
        error.name.startswith("_")
        and not error.name.startswith("__")
        and not isinstance(error.obj, (str, int, float))
        and _raised_by_a_library(error, root)
    ):
        expected, how = PRIVATE_LOOKUPS.get(
            error.name, ("an object of another type", "the object the lesson passes here")
        )
        inside = ""
        if isinstance(error.obj, ModuleType):
            matching = [
                attribute
                for attribute, value in vars(error.obj).items()
                if type(value).__name__ == expected.split()[-1]
            ]
            if matching:
                inside = f" ({error.obj.__name__}.{matching[0]} is one)"
        return (
            f"{where}, where the library expected {expected}{inside}: it looked for "
            f"`{error.name}`, which only {expected} has. What to pass instead: {how}.\n"
        )
    table = getattr(error.obj, "__table__", None)
    if hasattr(error.obj, "__mapper__") and table is not None and not isinstance(error.obj, type):
        columns = list(table.columns.keys())
        return (
            f"{where}, a stored item: it has the attributes of its columns "
            f"({', '.join(columns)}) and no method or attribute `{error.name}`. To change it "
            "field by field: `setattr(db_item, key, value)` for each key and value.\n"
        )
    if isinstance(error.obj, (str, int, float)) and frames and _raised_by_a_library(error, root):
        given = keyword_given(frames[-1].f_code.co_filename, error.obj)
        if given:
            keyword, line = given
            return (
                f"The library called `.{error.name}()` on {shown}, which is given as "
                f"`{keyword}={error.obj!r}` at line {line} of "
                f"{shown_path(frames[-1].f_code.co_filename, root)}: it expected another type "
                f"there, a list (`{keyword}=[{error.obj!r}]`).\n"
            )
    return ""


def _module_as_base(
    error: BaseException, text: str, frames: list[FrameType], root: Path | None
) -> str:
    """`class Item(database):`: a module given as a class's base."""
    if not (isinstance(error, TypeError) and "module() takes at most 2 arguments" in text):
        return ""
    if not frames:
        return ""
    bases = [
        name
        for name in names_in_line(frames[-1])
        if isinstance(frames[-1].f_globals.get(name), ModuleType)
    ]
    if not bases:
        return ""
    return (
        f"`{bases[0]}` is a module (a file), and a class can only inherit from a class: the "
        "Base it defines. `from app.database import Base`, then `class Item(Base):`.\n"
    )


def _called_too_soon(
    error: BaseException, text: str, frames: list[FrameType], root: Path | None
) -> str:
    """A function called where it is handed over (`lifespan=lifespan()`), or create_all()."""
    called = re.search(r"([\w.]+)\(\) missing \d+ required positional argument", text)
    if not (isinstance(error, TypeError) and called):
        return ""
    name = called[1].rpartition(".")[2]
    if "required positional argument: 'bind'" in text:
        return (
            f"{name} needs the engine to work on: `{name}(bind=engine)` (engine from "
            "app/database.py).\n"
        )
    line = source_line(frames[-1]) if frames else ""
    handed = re.search(rf"(\w+)\s*=\s*{re.escape(name)}\(\s*\)", line)
    if handed is None:
        return ""
    return (
        f"`{handed[1]}={name}()` calls {name} right there, on this line; `{handed[1]}=` wants "
        f"the function itself, which is called later (FastAPI calls a lifespan when the app "
        f"starts, with the app): `{handed[1]}={name}`.\n"
    )


def _dependency_called(
    error: BaseException, text: str, frames: list[FrameType], root: Path | None
) -> str:
    """`Depends(get_db())`: FastAPI was given the generator, not the dependency."""
    generator = re.search(r"<generator object (\w+) at", text)
    if not (isinstance(error, TypeError) and "is not a callable object" in text and generator):
        return ""
    name = generator[1]
    at = ""
    if frames:
        file = frames[-1].f_code.co_filename
        number = line_with(file, f"Depends({name}()")
        at = f" (line {number} of {shown_path(file, root)})" if number else ""
    return (
        "Depends(...) takes the dependency itself, which FastAPI calls for every request: "
        f"`Depends({name})`, not `Depends({name}())`{at}.\n"
    )


def _session_without_depends(
    error: BaseException, text: str, frames: list[FrameType], root: Path | None
) -> str:
    """A handler parameter of type Session that FastAPI tries to read from the request."""
    field = re.search(r"check that <class '([\w.]+)'> is a valid Pydantic field type", text)
    if not (field and field[1].endswith("Session")):
        return ""
    return (
        "A handler parameter has the type Session but no Depends(...), so FastAPI tries to read "
        "a Session from the request. What to check: `DbSession = Annotated[Session, "
        "Depends(get_db)]` (or `db: Session = Depends(get_db)`) for each handler's db.\n"
    )


def _mapping_errors(
    error: BaseException, text: str, frames: list[FrameType], root: Path | None
) -> str:
    """SQLAlchemy refusing a model or a URL while app/models.py or database.py is imported."""
    if "could not assemble any primary key columns" in text:
        return (
            "Every table needs a primary key: `id = Column(Integer, primary_key=True, "
            "index=True)` in class Item.\n"
        )
    if "does not have a __table__ or __tablename__" in text:
        return 'Each model names its table: `__tablename__ = "items"` in class Item.\n'
    builtin = re.search(r"'SchemaItem' object, such as a .* expected, got <class '(\w+)'>", text)
    if builtin and builtin[1] in COLUMN_TYPES:
        name = COLUMN_TYPES[builtin[1]]
        return (
            f"`{builtin[1]}` is Python's type; a column's type comes from SQLAlchemy: `{name}` "
            f"(`from sqlalchemy import {name}`).\n"
        )
    if "Could not parse SQLAlchemy URL" in text:
        urls = [
            value
            for frame in reversed(frames)
            for value in [*frame.f_locals.values(), *frame.f_globals.values()]
            if isinstance(value, str) and "sqlite" in value and " " not in value
        ]
        shown = f"The URL {urls[0]!r} is" if urls else "The URL is"
        return (
            f"{shown} not one SQLAlchemy can read: a URL is written dialect://…, for an SQLite "
            "file 'sqlite:///./app.db' (a colon, then three slashes).\n"
        )
    return ""


def _session_errors(
    error: BaseException, text: str, frames: list[FrameType], root: Path | None
) -> str:
    """A session, or a model, given the wrong thing in the learner's CRUD code."""
    unmapped = re.search(r"Class '([\w.]+)' is not mapped", text)
    if unmapped:
        what = {"builtins.int": "a number (an id?)", "builtins.str": "a text"}.get(
            unmapped[1], f"{a(unmapped[1].rpartition('.')[2])} (a schema, not a model)"
        )
        line = source_line(frames[-1]) if frames else ""
        if ".delete(" in line:
            return (
                "db.delete() takes a stored object, a models.Item; this line gives it "
                f"{what}. Find the item first, then delete that: `db_item = get_item(db, "
                "item_id)`, then `db.delete(db_item)`.\n"
            )
        return (
            "db.add() takes a stored object, a models.Item; this line gives it "
            f"{what}. Make one from the body first: `db_item = "
            "models.Item(**item.model_dump())`, then `db.add(db_item)`.\n"
        )
    unpacked = re.search(r"argument after \*\* must be a mapping, not (\w+)", text)
    if isinstance(error, TypeError) and unpacked:
        return (
            f"`**` unpacks a dictionary, and {a(unpacked[1])} is not one; a Pydantic object "
            "gives its fields as a dictionary with model_dump(): "
            "`models.Item(**item.model_dump())`.\n"
        )
    namespace = re.search(r'Entity namespace for "(\w+)" has no property "(\w+)"', text)
    if namespace:
        return (
            f"filter_by(...) takes the names of the columns of {namespace[1]}, and "
            f"{namespace[2]} is none of them: `filter_by(id={namespace[2]})` (or "
            f"`filter(models.Item.id == {namespace[2]})`).\n"
        )
    return ""


def _calls_itself(
    error: BaseException, text: str, frames: list[FrameType], root: Path | None
) -> str:
    """A function that calls itself, often because it has the name of one it imports."""
    if not (isinstance(error, RecursionError) and frames):
        return ""
    innermost = frames[-1]
    name = innermost.f_code.co_name
    if name not in names_in_line(innermost):
        return ""
    file = innermost.f_code.co_filename
    imported = line_with(file, f"import {name}")
    if imported is None:
        return f"`{name}` calls itself, again and again, until Python gives up.\n"
    source = Path(file).read_text(encoding="utf-8").splitlines()[imported - 1]
    module = re.search(r"from\s+[\w.]*?(\w+)\s+import", source)
    through = (
        f"Call the other one through its module, `{module[1]}.{name}(...)` (with "
        f"`from app import {module[1]}`), as the lesson does."
        if module
        else "Give one of the two another name."
    )
    return (
        f"`{name}` calls itself, again and again, until Python gives up. The file imports a "
        f"{name} too (line {imported}), and the function defined later under the same name "
        f"hides it: `{name}(...)` here is this function itself. {through}\n"
    )


_RULES: tuple[Rule, ...] = (
    _wrong_object,
    _module_as_base,
    _called_too_soon,
    _dependency_called,
    _session_without_depends,
    _mapping_errors,
    _session_errors,
    _calls_itself,
)


def what_the_handler_returned(error: BaseException) -> str:
    """For FastAPI's ResponseValidationError: what the handler returned, from its code ("").

    FastAPI says the answer does not fit the response_model; the handler's own code says
    why: it returned an exception instead of raising it, or it has no `return` at all.
    """
    file = getattr(error, "endpoint_file", None)
    line = getattr(error, "endpoint_line", None)
    function = getattr(error, "endpoint_function", None)
    read_errors = getattr(error, "errors", None)
    errors = list(read_errors()) if callable(read_errors) else []
    value = errors[0].get("input") if errors and isinstance(errors[0], dict) else None
    where = f"{function} ({Path(file).name if file else 'app/router.py'}, line {line})"
    if isinstance(value, BaseException):
        return (
            f"The handler {where} returned {type(value).__name__}(...) instead of raising it: "
            "FastAPI sends what a handler returns as the answer. What to check: `raise "
            f'{type(value).__name__}(status_code=404, detail="Item not found")`.'
        )
    if value is not None or not file or not function:
        return ""
    handler = function_in(file, function)
    if handler is None or any(
        isinstance(node, ast.Return) and node.value is not None for node in ast.walk(handler)
    ):
        return ""  # it returns something, which was None: the general advice (404...) fits
    last = handler.body[-1] if handler.body else None
    call = ast.unparse(last.value) if isinstance(last, ast.Expr) else ""
    return (
        f"The handler {where} has no `return`, so it gives FastAPI None, where the answer "
        "must be what its response_model describes."
        + (f" Its last line computes the answer and drops it: `return {call}`." if call else "")
    )


def is_the_checks_code(filename: str | Path, check_file: Path) -> bool:
    """Whether FILENAME is the check's own code: its module, or a helper module or conftest.py
    beside it in the step's tests/ folder (where the checks keep what they share)."""
    return Path(filename).resolve().parent == check_file.resolve().parent


def a_checks_crash_on_a_learner_value(error: BaseException, check_file: Path) -> str:
    """When a check's own line crashed reading a value the learner's code gave it: which one.

    The checks say what a function returned before they use it; this is the net under the
    ones that do not: pytest would show the check's own code and `'NoneType' object has no
    attribute 'id'`, which reads as a bug of the check.
    """
    frames = traceback.extract_tb(error.__traceback__)
    if not (
        isinstance(error, AttributeError)
        and frames
        and is_the_checks_code(frames[-1].filename, check_file)
    ):
        return ""
    value = error.obj
    crashed = Path(frames[-1].filename).name
    if inspect.isfunction(value) or inspect.ismethod(value) or inspect.isbuiltin(value):
        kind = f"{describe_value(value)}, never called (a missing `()`)"
    elif value is None:
        kind = "None (a function with no `return` gives None)"
    elif hasattr(value, "model_dump"):
        kind = f"{a(type(value).__name__)}, a Pydantic schema (the body, not the stored item)"
    elif isinstance(value, (int, float, str, list, dict, tuple)):
        kind = describe_value(value)
    else:
        return ""
    return (
        f"The check read `.{error.name}` of a value your code gave it (at {crashed} line "
        f"{frames[-1].lineno}: `{frames[-1].line}`), and that value was {kind}.\n"
        "What to check: what the function under test returns; the step's README says what "
        "each function gives back.\n"
        "(The check's own line crashed on that value; --tb=long shows the traceback.)"
    )
