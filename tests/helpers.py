"""Helpers shared by test modules (no fixtures, no test functions)."""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

REAL_FIXTURES = Path(__file__).parent / "fixtures" / "real"


def real_files() -> list[str]:
    """Every payload of the real-payload corpus, as "service/name.json", sorted."""
    return sorted(path.relative_to(REAL_FIXTURES).as_posix() for path in REAL_FIXTURES.glob("*/*.json"))


def real_body(name: str) -> bytes:
    """A real payload's bytes exactly as stored ("service/name.json")."""
    return (REAL_FIXTURES / name).read_bytes()


def real_payload(name: str) -> Any:
    """A real payload, decoded."""
    return json.loads(real_body(name))


def real_readme_files() -> set[str]:
    """The files the corpus README's table has a row for."""
    text = (REAL_FIXTURES / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([^`]+\.json)` \|", text, flags=re.MULTILINE))
