"""The package's layers, read from the source: what each module may import.

`core/` is the pure domain (models, events, tracker, parsers, ...): it must run without Home Assistant, aiohttp or
any module of the integration outside `core/`, so it is tested in milliseconds and reusable as is.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "custom_components" / "status_tracker"
CORE = PACKAGE / "core"


def _imports(path: Path) -> list[tuple[int, str]]:
    """(dots, module) of every import in a file; dots 0 for an absolute import."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(0, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
    return found


def _resolve(path: Path, dots: int, module: str) -> str:
    """An import as a path relative to the package ("core.models", "const") or absolute ("homeassistant.core")."""
    if dots == 0:
        return module
    base = path.parent
    for _ in range(dots - 1):
        base = base.parent
    parts = [*base.relative_to(PACKAGE).parts, *([module] if module else [])]
    return ".".join(parts)


def test_core_imports_nothing_of_home_assistant_nor_outside_core() -> None:
    offending = []
    for path in sorted(CORE.rglob("*.py")):
        for dots, module in _imports(path):
            target = _resolve(path, dots, module)
            outside = dots > 0 and not (target == "core" or target.startswith("core."))
            third_party = dots == 0 and target.split(".")[0] in {"homeassistant", "aiohttp", "custom_components"}
            if outside or third_party:
                offending.append(f"{path.relative_to(PACKAGE)} imports {'.' * dots}{module}")
    assert offending == []


def test_the_layer_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    """The check above reads imports the way they are written in core/ (guards against a check that sees nothing)."""
    tracker = CORE / "tracker.py"
    imports = {_resolve(tracker, dots, module) for dots, module in _imports(tracker)}
    assert "core.models" in imports
    assert "core.events" in imports


# Who may import whom, bottom to top. A module may import its own layer or a lower one, never a higher one.
_PLATFORMS = {"__init__", "sensor", "services", "config_flow", "diagnostics", "logbook", "backup"}


def _layer(module: str) -> int:
    """0: core, clients and constants; 2: Home Assistant platforms and entry points; 1: everything between."""
    top = module.split(".", maxsplit=1)[0]
    if top in {"core", "clients", "const"}:
        return 0
    if top in _PLATFORMS:
        return 2
    return 1


def _graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports at run time (TYPE_CHECKING imports are left out)."""
    modules = {
        ".".join(path.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__"): path
        for path in PACKAGE.rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        typing_only = {
            id(child)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for child in ast.walk(node)
        }
        targets: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in typing_only or not isinstance(node, ast.ImportFrom) or node.level == 0:
                continue
            base = _resolve(path, node.level, node.module or "")
            candidates = [base, *(f"{base}.{alias.name}".lstrip(".") for alias in node.names)]
            targets.update(candidate for candidate in candidates if candidate in modules and candidate != name)
        graph[name or "__init__"] = targets
    return graph


def test_no_module_imports_a_higher_layer() -> None:
    wrong = [
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for target in targets
        if _layer(target) > _layer(module)
    ]
    assert wrong == []


def test_no_import_cycle() -> None:
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target, [*stack, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_no_module_over_400_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE)): lines
        for path in PACKAGE.rglob("*.py")
        if (lines := len(path.read_text().splitlines())) > 400
    }
    assert long == {}
