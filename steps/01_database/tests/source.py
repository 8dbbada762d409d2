"""What get_db's source shows: its syntax tree, its lines, and the slips the checks name there
(`db.close` without parentheses, an `except` that swallows the handler's error).

Used by the checks of test_database.py on how get_db closes the session after a request.
"""

import ast
import inspect
import textwrap
from types import ModuleType


def get_db_source(database: ModuleType) -> tuple[ast.FunctionDef | None, int]:
    """get_db's syntax tree and the line of app/database.py it starts at (None if unknown)."""
    try:
        lines, first = inspect.getsourcelines(database.get_db)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        return None, 0
    function = tree.body[0] if tree.body else None
    if not isinstance(function, ast.FunctionDef):
        return None, 0
    return function, first


def line_in_get_db(database: ModuleType, node: ast.AST) -> str:
    """'app/database.py, line 31: <the line>' for a node of get_db's tree."""
    lines, first = inspect.getsourcelines(database.get_db)
    number = first + getattr(node, "lineno", 1) - 1
    return f"app/database.py, line {number}: {lines[getattr(node, 'lineno', 1) - 1].strip()}"


def close_without_call(database: ModuleType) -> str:
    """The line where get_db names `x.close` without calling it ("" if there is none)."""
    function, _ = get_db_source(database)
    for node in ast.walk(function) if function is not None else ():
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "close"
        ):
            _, first = get_db_source(database)
            written = ast.unparse(node.value)
            return (
                f" In app/database.py, line {first + node.lineno - 1}, `{written}` has no "
                "parentheses: that only names the method, it does not call it. Write "
                f"`{written}()`."
            )
    return ""


def handlers_that_swallow(database: ModuleType) -> list[str]:
    """get_db's `except` blocks that do not end by raising again, as 'file, line: text'."""
    function, _ = get_db_source(database)
    swallowing = []
    for node in ast.walk(function) if function is not None else ():
        if isinstance(node, ast.ExceptHandler) and not any(
            isinstance(inner, ast.Raise) for inner in ast.walk(node)
        ):
            swallowing.append(line_in_get_db(database, node))
    return swallowing
