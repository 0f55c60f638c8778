"""Harness for the benchmarks: Home Assistant's pytest plugin, without its debug event loop, and a summary.

Import the integration before any `hass` fixture runs (see tests/conftest.py: the harness's testing_config would
shadow our `custom_components` package otherwise).
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator
import logging
from pathlib import Path
from unittest.mock import patch

from _pytest.terminal import TerminalReporter
from homeassistant.core import HomeAssistant
import pytest

import custom_components.status_tracker  # noqa: F401

# The harness logs at INFO; 10,000 "Registered new entity" lines would drown the figures.
logging.getLogger().setLevel(logging.WARNING)

# One line per figure, printed together at the end of the run.
FIGURES: list[str] = []


def report(line: str) -> None:
    """Print a figure now and keep it for the summary."""
    print(f"\n{line}", flush=True)
    FIGURES.append(line)


@pytest.fixture(autouse=True)
def enable_event_loop_debug(event_loop: asyncio.AbstractEventLoop) -> None:
    """Overrides the harness's fixture: asyncio debug mode would multiply every cost measured here."""
    event_loop.set_debug(False)


@pytest.fixture(autouse=True)
def _custom_integrations(request: pytest.FixtureRequest) -> None:
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


@pytest.fixture(autouse=True)
def _config_dir_per_test(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Each benchmark's Home Assistant keeps its files (the requests' database) in a directory of its own.

    The harness keeps Home Assistant's JSON stores in memory (`hass_storage`); the database is a real file.
    """
    if "hass" in request.fixturenames:
        hass: HomeAssistant = request.getfixturevalue("hass")
        hass.config.config_dir = str(tmp_path / "config")


@pytest.fixture(autouse=True)
def _jellyfin_answers_setup() -> Generator[None]:
    """Setting an entry up first asks Jellyfin for /System/Info; the benchmarks measure what follows, not that."""
    with patch("custom_components.status_tracker.async_check_jellyfin", autospec=True, return_value=None):
        yield


# pytest exports TerminalReporter only from 8.4 on; the 2025.4 leg has 8.3.
def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    """All figures, in order, after pytest's own report."""
    terminalreporter.section("status_tracker benchmarks")
    for line in FIGURES:
        terminalreporter.write_line(line)
