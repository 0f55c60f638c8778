"""The pure core's test tools: fixtures by "service/name", a driver that feeds payloads through the parsers into a
tracker, and checks of the tracker's indexes. No fixtures, no test functions; shared helpers are in tests/helpers.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
from typing import Any

from custom_components.status_tracker.core.changes import Change
from custom_components.status_tracker.core.models import AnimeRules, MediaRequest
from custom_components.status_tracker.core.parsers import jellyfin, jellyseerr, radarr, sonarr
from custom_components.status_tracker.core.tracker import Tracker

from ..helpers import FIXTURES

RULES = AnimeRules()
T0 = datetime(2024, 5, 20, 18, 0, tzinfo=UTC)
_PARSERS = {
    "jellyseerr": jellyseerr.parse,
    "radarr": radarr.parse,
    "sonarr": sonarr.parse,
    "jellyfin": jellyfin.parse,
}


def load(path: str) -> Any:
    """A fixture by "service/name" (no .json)."""
    return json.loads((FIXTURES / f"{path}.json").read_text())


def load_text(path: str) -> str:
    """A fixture's text, byte for byte, by "service/name" (no .json)."""
    return (FIXTURES / f"{path}.json").read_text(encoding="utf-8")


class Driver:
    """Feeds fixtures to a tracker with a clock that ticks a minute per payload."""

    def __init__(self, tracker: Tracker | None = None) -> None:
        self.tracker = tracker or Tracker()
        self.now = T0

    def post(self, path: str, payload: Any = None) -> list[Change]:
        """Parse one fixture (or the given payload) as its service and apply every event."""
        service = path.split("/", 1)[0]
        data = load(path) if payload is None else payload
        self.now += timedelta(minutes=1)
        changes: list[Change] = []
        for event in _PARSERS[service](data, RULES):
            changes.extend(self.tracker.apply(event, self.now))
        return changes

    def run(self, *paths: str) -> list[Change]:
        """Post several fixtures in order; every change made."""
        return [change for path in paths for change in self.post(path)]

    def only(self) -> MediaRequest:
        """The single tracked request."""
        (request,) = self.tracker.requests.values()
        return request


def summary(tracker: Tracker) -> list[dict[str, Any]]:
    """Every request without its clock-dependent fields, nor its timeline (the order itself), for comparing runs in
    different orders.
    """
    clock = {
        "created_at",
        "updated_at",
        "available_at",
        "upgraded_at",
        "request_id",
        "state_changed_at",
        "moved_at",
        "stuck_since",
        "anime_matched_at",
        "timeline",
    }
    result = []
    for request in tracker.requests.values():
        data = {key: value for key, value in request.to_dict().items() if key not in clock}
        data["episodes"] = [
            {key: value for key, value in episode.items() if key not in {"available_at", "anime_matched_at"}}
            for episode in data.get("episodes", [])
        ]
        result.append(data)
    return result


_BEFORE_IMPORT = {"requested", "approved", "pending", "grabbing", "downloading", "downloaded"}
_LIBRARY_WAIT = {"importing", "anime_matching"}


def assert_queries_exact(tracker: Tracker) -> None:
    """The pollers' three queries equal what a full scan of every request says (brute force, independently)."""
    active, awaited, library = set(), set(), set()
    for rid, request in tracker.requests.items():
        if request.removed:
            continue
        if request.state.value not in {"available", "failed"}:
            active.add(rid)
        rows = list(request.episodes.values())
        if request.state.value in _LIBRARY_WAIT or any(row.state.value in _LIBRARY_WAIT for row in rows):
            library.add(rid)
        waiting = [(row.download_id, row.state.value) for row in rows] or [(request.download_id, request.state.value)]
        for download_id, state in waiting:
            hexadecimal = all(char in "0123456789abcdef" for char in download_id or "x")
            polled = download_id not in request.unpolled_download_ids
            if download_id and state in _BEFORE_IMPORT and len(download_id) in {40, 64} and hexadecimal and polled:
                awaited.add(download_id)
    assert set(tracker.active_ids()) == active
    assert len(tracker.active_ids()) == len(active)
    assert tracker.awaited_downloads() == frozenset(awaited)
    assert set(tracker.awaiting_library()) == library
    assert len(tracker.awaiting_library()) == len(library)
