"""Each step's checks are laid out so that a learner (or a maintainer) finds them at once.

- The README's check table names every check of the step, in the order the checks run.
- A check module opens with its checks: it defines checks and nothing else, but for the
  values a section of checks reads (its table of cases, its advice), which stand right above
  the checks that read them.
- A `conftest.py` under steps/ holds fixtures (and pytest's hooks), no other function or class:
  the helpers the checks call live in modules beside it, each named for its job.
"""

import ast
import re
from pathlib import Path
from typing import TypeGuard

import pytest

from tests.helpers.repository import REPO_ROOT
from tests.helpers.step_snapshots import STEPS

CHECK_ROW = re.compile(r"^\| `(test_\w+)`")
CONFTESTS = sorted((REPO_ROOT / "steps").glob("**/conftest.py"))


def _checks_in_order(step: str) -> list[str]:
    """The names of the step's checks, in the order pytest runs them."""
    names: list[str] = []
    for module in sorted((REPO_ROOT / "steps" / step / "tests").glob("test_*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        names += [node.name for node in tree.body if _is_check(node)]
    return names


def _is_check(node: ast.stmt) -> TypeGuard[ast.FunctionDef]:
    return isinstance(node, ast.FunctionDef) and node.name.startswith("test_")


def _is_fixture_or_hook(node: ast.stmt) -> bool:
    if not isinstance(node, ast.FunctionDef):
        return False
    decorators = [ast.unparse(decorator) for decorator in node.decorator_list]
    return node.name.startswith("pytest_") or any(
        re.match(r"pytest\.fixture\b", decorator) for decorator in decorators
    )


def _names_used(node: ast.stmt) -> set[str]:
    return {name.id for name in ast.walk(node) if isinstance(name, ast.Name)}


def _defined(node: ast.stmt) -> list[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return [target.id for target in targets if isinstance(target, ast.Name)]


def _what_stands_out_of_place(source: str) -> list[str]:
    """What a check module holds besides its checks and the tables right above them."""
    problems: list[str] = []
    body = [
        node
        for node in ast.parse(source).body
        if not isinstance(node, ast.Import | ast.ImportFrom)
        and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
    ]
    for index, node in enumerate(body):
        if _is_check(node):
            continue
        if isinstance(node, ast.Assign | ast.AnnAssign) and _defined(node):
            names = _defined(node)
            if any(set(names) & _names_used(check) for check in _checks_below(body, index)):
                continue
            problems.append(
                f"line {node.lineno}: {', '.join(names)} is not the table of the checks below it"
            )
            continue
        name = getattr(node, "name", type(node).__name__)
        problems.append(f"line {node.lineno}: {name} is not a check")
    return problems


def _checks_below(body: list[ast.stmt], index: int) -> list[ast.stmt]:
    """The checks that directly follow the values standing at BODY[INDEX] (a section's tables):
    from the first check after it up to the next statement that is not a check."""
    later = body[index + 1 :]
    while later and not _is_check(later[0]):
        if not isinstance(later[0], ast.Assign | ast.AnnAssign):
            return []
        later = later[1:]
    checks: list[ast.stmt] = []
    for node in later:
        if not _is_check(node):
            break
        checks.append(node)
    return checks


@pytest.mark.parametrize("step", STEPS)
def test_the_check_table_names_every_check_in_the_order_they_run(step: str) -> None:
    readme = (REPO_ROOT / "steps" / step / "README.md").read_text(encoding="utf-8")
    table = [match[1] for line in readme.splitlines() if (match := CHECK_ROW.match(line))]
    checks = _checks_in_order(step)
    assert checks, f"steps/{step}/tests holds no check"
    row = next(
        (n for n, pair in enumerate(zip(table, checks, strict=False)) if len(set(pair)) > 1), None
    )
    row = min(len(table), len(checks)) if row is None else row
    assert table == checks, (
        f"steps/{step}/README.md's check table should list the checks of steps/{step}/tests "
        f"in the order they run. Row {row + 1} of the table names "
        f"{table[row] if row < len(table) else 'nothing'}, where the check that runs there is "
        f"{checks[row] if row < len(checks) else 'none'}."
    )


@pytest.mark.parametrize("step", STEPS)
def test_a_check_module_opens_with_its_checks_and_holds_nothing_else(step: str) -> None:
    for module in sorted((REPO_ROOT / "steps" / step / "tests").glob("test_*.py")):
        problems = _what_stands_out_of_place(module.read_text(encoding="utf-8"))
        assert not problems, (
            f"{module.relative_to(REPO_ROOT)} should hold only its checks (and, right above "
            "them, the values they read); move fixtures to conftest.py and helpers to a module "
            "beside it:\n  " + "\n  ".join(problems)
        )


@pytest.mark.parametrize(
    "conftest", CONFTESTS, ids=lambda path: str(path.parent.relative_to(REPO_ROOT))
)
def test_a_conftest_under_steps_holds_fixtures_only(conftest: Path) -> None:
    tree = ast.parse(conftest.read_text(encoding="utf-8"))
    others = [
        f"line {node.lineno}: {node.name}"
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not _is_fixture_or_hook(node)
    ]
    assert not others, (
        f"{conftest.relative_to(REPO_ROOT)} should hold fixtures only; move these helpers to a "
        "module named for their job:\n  " + "\n  ".join(others)
    )


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (
            "def helper():\n    pass\n\ndef test_a():\n    helper()\n",
            "line 1: helper is not a check",
        ),
        ("CASES = [1]\n\ndef test_a():\n    pass\n", "line 1: CASES is not the table"),
        ("CASES = [1]\ndef test_a():\n    pass\nX = 2\ndef test_b(c=CASES):\n    pass\n", "CASES"),
        ("def test_a():\n    pass\n\nclass Helper:\n    pass\n", "line 4: Helper is not a check"),
    ],
    ids=["a-helper", "an-unused-table", "a-table-far-from-its-check", "a-class"],
)
def test_the_layout_rule_sees_what_stands_out_of_place(source: str, problem: str) -> None:
    problems = _what_stands_out_of_place(source)
    assert any(problem in found for found in problems), problems


def test_the_layout_rule_accepts_a_table_right_above_its_check() -> None:
    source = (
        '"""Checks."""\n\nimport pytest\n\nCASES = [1, 2]\nIDS = ["one", "two"]\n\n\n'
        '@pytest.mark.parametrize("case", CASES, ids=IDS)\ndef test_a(case):\n    pass\n'
    )
    assert _what_stands_out_of_place(source) == []


HELPER_MODULES = sorted(
    path
    for path in (REPO_ROOT / "steps").glob("0*/tests/*.py")
    if not path.name.startswith("test_") and path.name not in ("conftest.py", "__init__.py")
)


def _rewritten_by_its_package(helper: Path) -> bool:
    """Whether the package's __init__.py registers HELPER for pytest's assert rewriting."""
    package = ast.parse((helper.parent / "__init__.py").read_text(encoding="utf-8"))
    registered = [
        ast.unparse(call.args[0])
        for call in ast.walk(package)
        if isinstance(call, ast.Call)
        and ast.unparse(call.func).endswith("register_assert_rewrite")
        and call.args
    ]
    return f"f'{{__name__}}.{helper.stem}'" in registered


def test_every_helper_that_asserts_has_its_asserts_rewritten_like_the_checks() -> None:
    # pytest rewrites the asserts of test modules and conftest.py only: a helper's assert
    # would otherwise print its message laid out differently from the checks' own.
    assert len(HELPER_MODULES) > 10, "the steps' helper modules are not where this test looks"
    asserting = [
        helper
        for helper in HELPER_MODULES
        if any(
            isinstance(node, ast.Assert)
            for node in ast.walk(ast.parse(helper.read_text(encoding="utf-8")))
        )
    ]
    not_rewritten = [
        f'{helper.relative_to(REPO_ROOT)}: pytest.register_assert_rewrite(f"{{__name__}}.'
        f"{helper.stem}\") in its package's __init__.py"
        for helper in asserting
        if not _rewritten_by_its_package(helper)
    ]
    assert not not_rewritten, (
        "These helpers use assert, so pytest must be told to rewrite them before they are "
        "imported:\n  " + "\n  ".join(not_rewritten)
    )
