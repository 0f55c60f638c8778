"""Fixtures for tests against a real qBittorrent (see tests/fakes/qbittorrent.py).

    async def test_x(qbittorrent_pair: QBittorrentPair) -> None:
        info_hash = await qbittorrent_pair.add_to_downloader(qbittorrent_pair.torrent_bytes, 2 * MIB)

- `qbittorrent_nox`: the executable's path. Skips the test when qbittorrent-nox is not installed, except with CI=true,
  where that is a failure (CI installs it in .ci/run through scripts/system-deps).
- `qbittorrent_pair`: a started seeder + downloader (function scope, ≈1.5 s with the default 32 MiB payload), killed
  and removed after the test, also when it fails. Works in plain tests and in tests that use `hass`: it enables
  sockets (pytest-socket's `socket_enabled`; Home Assistant's harness only allows 127.0.0.1, which is all it uses).
- `qbittorrent_payload_size`: override it in a test module to seed a different default payload size.

Every test that uses `qbittorrent_pair` or `qbittorrent_nox` gets the `real_qbittorrent` marker, and a failing test's
report carries the end of both instances' logs.
"""

from __future__ import annotations

from collections.abc import Generator
import os

import pytest

from tests.fakes.qbittorrent import DEFAULT_PAYLOAD_SIZE, QBittorrentPair, find_qbittorrent_nox

_PAIR = pytest.StashKey[QBittorrentPair]()
_REAL_FIXTURES = frozenset({"qbittorrent_pair", "qbittorrent_nox"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that starts a real qBittorrent, so `-m "not real_qbittorrent"` leaves them out."""
    for item in items:
        if _REAL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.real_qbittorrent)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the instances' logs to a failing test's report."""
    report: pytest.TestReport = yield
    pair = item.stash.get(_PAIR, None)
    if pair is not None and report.failed:
        report.sections.append(("qbittorrent-nox logs", pair.log_tail()))
    return report


@pytest.fixture
def qbittorrent_nox(socket_enabled: None) -> str:
    """Path of qbittorrent-nox; skip (fail under CI=true) when it is missing. Sockets are enabled for the test."""
    executable = find_qbittorrent_nox()
    if executable is None:
        reason = "qbittorrent-nox is not installed; install it with scripts/system-deps (as root) or apt-get"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: real-qBittorrent tests must run)")
        pytest.skip(reason)
    return executable


@pytest.fixture
def qbittorrent_payload_size() -> int:
    """Size of the payload the seeder seeds (override in a module for longer or shorter downloads)."""
    return DEFAULT_PAYLOAD_SIZE


@pytest.fixture
def qbittorrent_pair(
    request: pytest.FixtureRequest, qbittorrent_nox: str, qbittorrent_payload_size: int
) -> Generator[QBittorrentPair]:
    """A running seeder + downloader pair, the default payload seeded at 100 %."""
    with QBittorrentPair(payload_size=qbittorrent_payload_size, executable=qbittorrent_nox) as pair:
        request.node.stash[_PAIR] = pair
        try:
            yield pair
        finally:
            del request.node.stash[_PAIR]
