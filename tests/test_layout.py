"""The test suite's own layout, read from the source.

Fixtures live in conftest.py files, helpers and constants in tests/helpers.py (the pure core's driver in
tests/core/helpers.py), stand-ins for the services in tests/fakes/. A test module is never imported: what two
modules share goes to one of those places, once.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).parent


def _is_test_module(path: Path) -> bool:
    return path.name == "conftest.py" or (path.name.startswith("test_") and path.suffix == ".py")


def _module_path(root: Path, dotted: str) -> Path | None:
    """The file of a module under `root` ("tests.test_flows" -> tests/test_flows.py), if it exists."""
    parts = dotted.split(".")
    if parts[0] != root.name:
        return None
    base = root.parent.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _imported_modules(root: Path, path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) of every module of `root`'s package a file imports, relative imports resolved."""
    package = ".".join(path.parent.relative_to(root.parent).parts)
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # `from . import test_flows` imports a module by its name.
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def imports_of_test_modules(root: Path) -> list[str]:
    """Every import of a test module (test_*.py, conftest.py) by any file under `root`."""
    offending = []
    for path in sorted(root.rglob("*.py")):
        for line, module in _imported_modules(root, path):
            target = _module_path(root, module)
            if target is not None and _is_test_module(target):
                offending.append(f"{path.relative_to(root.parent)}:{line} imports {module}")
    return offending


def _is_fixture(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(call, ast.Attribute) and call.attr == "fixture":
            return True
        if isinstance(call, ast.Name) and call.id == "fixture":
            return True
    return False


def _fixture_name(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call):
            for keyword in decorator.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    return node.name


def _fixtures(path: Path) -> list[tuple[str, bool]]:
    """(name, extends) of every fixture a module defines; `extends`: it requests the fixture it overrides."""
    found = []
    for node in ast.parse(path.read_text(encoding="utf-8"), str(path)).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _is_fixture(node):
            name = _fixture_name(node)
            arguments = [argument.arg for argument in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]]
            found.append((name, name in arguments))
    return found


def duplicate_fixtures(root: Path) -> list[str]:
    """Fixture names defined from scratch in more than one module under `root`.

    A module may narrow a shared fixture for its tests by overriding it with one that requests the fixture it
    overrides (pytest's override by extension: `def entry_data(entry_data)`, adding qBittorrent); that builds on the
    single definition instead of repeating it.
    """
    defined: defaultdict[str, list[str]] = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        for name, extends in _fixtures(path):
            if not extends:
                defined[name].append(str(path.relative_to(root.parent)))
    return [f"{name}: {', '.join(paths)}" for name, paths in sorted(defined.items()) if len(paths) > 1]


def misplaced_definitions(root: Path) -> list[str]:
    """Fixtures outside conftest.py and test modules; helpers (functions, classes, constants) in the root conftest."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if not _is_test_module(path):
            found += [f"{path.relative_to(root.parent)}: fixture {name}" for name, _ in _fixtures(path)]
    conftest = root / "conftest.py"
    if conftest.exists():
        for node in ast.parse(conftest.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if not (_is_fixture(node) or node.name.startswith("pytest_")):
                    found.append(f"{conftest.relative_to(root.parent)}: helper {node.name}")
            elif isinstance(node, ast.ClassDef | ast.Assign | ast.AnnAssign):
                found.append(f"{conftest.relative_to(root.parent)}: {ast.unparse(node).splitlines()[0]}")
    return found


def test_no_test_module_imports_another() -> None:
    assert imports_of_test_modules(TESTS) == []


def test_every_fixture_is_defined_once() -> None:
    assert duplicate_fixtures(TESTS) == []


def test_fixtures_live_in_conftest_and_helpers_in_helpers() -> None:
    assert misplaced_definitions(TESTS) == []


def test_the_checks_see_what_they_forbid(tmp_path: Path) -> None:
    """Each check reports a planted offence (so an empty answer above means something)."""
    root = tmp_path / "tests"
    (root / "core").mkdir(parents=True)
    for package in (root, root / "core"):
        (package / "__init__.py").write_text("")
    (root / "conftest.py").write_text(
        "import pytest\nWEBHOOK = 'x'\n\ndef load(name): ...\n\n"
        "@pytest.fixture\ndef http(): ...\n\n@pytest.fixture\ndef entry_data(): ...\n"
    )
    (root / "helpers.py").write_text("import pytest\n\n@pytest.fixture\ndef stray(): ...\n")
    (root / "test_flows.py").write_text(
        "from .conftest import WEBHOOK\nfrom pytest import fixture\n\n@fixture\ndef http(): ...\n"
    )
    (root / "test_sensor.py").write_text(
        "import pytest\nfrom . import test_flows\nfrom .helpers import load\n\n"
        "@pytest.fixture\ndef entry_data(entry_data): ...\n"
    )
    (root / "core" / "test_tracker.py").write_text(
        "import pytest\nfrom ..test_flows import http\nimport tests.test_sensor\n\n"
        "@pytest.fixture(name='http')\ndef _http(): ...\n"
    )

    assert imports_of_test_modules(root) == [
        "tests/core/test_tracker.py:2 imports tests.test_flows",
        "tests/core/test_tracker.py:3 imports tests.test_sensor",
        "tests/test_flows.py:1 imports tests.conftest",
        "tests/test_sensor.py:2 imports tests.test_flows",
    ]
    assert duplicate_fixtures(root) == ["http: tests/conftest.py, tests/core/test_tracker.py, tests/test_flows.py"]
    assert misplaced_definitions(root) == [
        "tests/helpers.py: fixture stray",
        "tests/conftest.py: WEBHOOK = 'x'",
        "tests/conftest.py: helper load",
    ]
