"""The grader's modules (exercises/*.py) import each other without a cycle.

Every import counts, the ones inside functions too: an import hidden in a function body
still ties two modules together, and a cycle means neither can be read, tested or
changed without the other.
"""

from __future__ import annotations

import ast
from pathlib import Path

EXERCISES = Path(__file__).resolve().parents[1] / "exercises"


def imported_modules(source: str, ours: set[str]) -> set[str]:
    """The modules of OURS (names of exercises/*.py) that SOURCE imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from exercises import pool` names a module; `from exercises.pool import Job`
            # names the module before the dot.
            if node.module == "exercises":
                names = [f"exercises.{alias.name}" for alias in node.names]
            else:
                names = [node.module]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if len(parts) >= 2 and parts[0] == "exercises" and parts[1] in ours:
                found.add(parts[1])
    return found


def import_graph(folder: Path) -> dict[str, set[str]]:
    """Each module of FOLDER (by file name, without .py) and the modules of FOLDER it imports."""
    paths = sorted(folder.glob("*.py"))
    ours = {path.stem for path in paths}
    return {path.stem: imported_modules(path.read_text(encoding="utf-8"), ours) for path in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of GRAPH as the modules along it (the first again at the end), or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        path.append(module)
        for imported in sorted(graph.get(module, ())):
            cycle = visit(imported)
            if cycle is not None:
                return cycle
        path.pop()
        done.add(module)
        return None

    for module in sorted(graph):
        cycle = visit(module)
        if cycle is not None:
            return cycle
    return None


def test_the_grader_modules_import_each_other_without_a_cycle() -> None:
    graph = import_graph(EXERCISES)
    assert {"grade", "batch", "pool", "worker", "api", "unitrun", "outcome"} <= set(graph)
    cycle = find_cycle(graph)
    assert cycle is None, (
        "exercises/ has an import cycle (imports inside functions count): "
        + " -> ".join(f"{name}.py" for name in cycle)
        + ". Move what both sides need into a module that imports neither."
    )


def test_outcome_imports_nothing_of_ours() -> None:
    assert import_graph(EXERCISES)["outcome"] == set()


def test_an_import_inside_a_function_closes_a_cycle() -> None:
    # The check itself can fail: the shape grade.py and unitrun.py once had.
    grade = "from exercises import pool\ndef one():\n    from exercises import unitrun\n"
    unitrun = "import os\ndef grade_unit():\n    from exercises.grade import Outcome\n"
    ours = {"grade", "unitrun", "pool"}
    graph = {
        "grade": imported_modules(grade, ours),
        "unitrun": imported_modules(unitrun, ours),
        "pool": set(),
    }
    assert graph["grade"] == {"pool", "unitrun"}
    assert find_cycle(graph) == ["grade", "unitrun", "grade"]
    assert find_cycle({**graph, "unitrun": set()}) is None
