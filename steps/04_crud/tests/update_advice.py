"""What to change when an update is wrong: UPDATE_ADVICE, after what update_item's own code
(app/crud.py) shows to be the cause.

Used by the checks of update_item (test_crud.py).
"""

import ast
import inspect
import textwrap
from types import ModuleType

UPDATE_ADVICE = (
    "What to check in update_item: update_data = item.model_dump(exclude_unset=True) (not "
    "exclude_none=True, which also drops a field sent as None), setattr(db_item, key, value) "
    "for each of them, then db.commit() before db.refresh(db_item): refresh reloads the row "
    "from the database, so a change that was not committed is lost."
)


def update_item_source(crud: ModuleType) -> tuple[ast.FunctionDef | None, int]:
    """update_item's syntax tree and its first line in app/crud.py (None if unknown)."""
    try:
        lines, first = inspect.getsourcelines(crud.update_item)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        return None, 0
    function = tree.body[0] if tree.body else None
    return (function, first) if isinstance(function, ast.FunctionDef) else (None, 0)


def update_advice(crud: ModuleType) -> str:
    """UPDATE_ADVICE, after what update_item itself does that explains a wrong update."""
    function, first = update_item_source(crud)
    notes = []
    parameters = {argument.arg for argument in function.args.args} if function else set()
    for node in ast.walk(function) if function is not None else ():
        if not isinstance(node, ast.Call):
            continue
        line = first + node.lineno - 1
        name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        dropping = [
            keyword.arg
            for keyword in node.keywords
            if keyword.arg in ("exclude_defaults", "exclude_none")
        ]
        if name in ("model_dump", "dict") and dropping:
            notes.append(
                f"update_item calls {ast.unparse(node)} (app/crud.py line {line}): "
                f"{dropping[0]} leaves out a field the client sent with "
                + ("its default value" if dropping[0] == "exclude_defaults" else "the value None")
                + " (description=None, say), so that change is lost; exclude_unset=True keeps "
                "exactly the fields sent."
            )
        target = node.args[0] if node.args else None
        if (
            isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and isinstance(target, ast.Name)
            and target.id in parameters
        ):
            notes.append(
                f"{ast.unparse(node)} (app/crud.py line {line}) changes `{target.id}`, the "
                "function's own argument, not the stored item: setattr(db_item, key, value), "
                "on the item get_item found."
            )
    return "".join(note + "\n" for note in notes) + UPDATE_ADVICE
