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
