"""Figure h (issue 17): how soon after Jellyfin lists an imported item it is AVAILABLE, and how many lookups it took.

No webhook plugin: the library check alone ends the wait. The Jellyfin stand-in (tests/fakes/jellyfin_library.py)
lists a file as the server does, LibraryMonitorDelay (60 s, its default) plus a 5 s scan after the last change of
its folder. 10 movies are imported one a second (so each meets the 10 s poll tick at another moment), and 5 season
packs whose 4 episodes are imported 40 s apart; the clock is frozen and moved a second at a time.

The baseline, in the same run: the former schedule (10 s, 30 s, 1, 2 and 5 min apart from the first import, with no
regard for Jellyfin's delay), replayed by the same schedule class with those times, a delay of 0 and the first
import only. Run with `python -m benchmarks -k library` or `scripts/bench`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
import hashlib
import itertools
import json
import statistics
from typing import Any
from unittest.mock import patch

from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.core import library_timing
from custom_components.status_tracker.core.library_timing import LibrarySchedule
from custom_components.status_tracker.core.models import MediaRequest, RequestState
from tests.fakes.jellyfin_library import FakeJellyfinLibrary, episode_item, movie_item, series_item
from tests.helpers import pack_file_import, pack_file_path

from .bench_status_tracker import WEBHOOK_IDS, entry, fixture, setup, verdict
from .conftest import report

MOVIES = 10
SECONDS = 1200  # simulated, at most
PACKS = 5
PACK_EPISODES = 4
EPISODE_GAP = 40  # seconds between two episodes of a pack
MONITOR_DELAY, SCAN, SLOW_SCAN = 60, 5, 30
LISTING_TARGET, LOOKUPS_TARGET = 15, 3
ENTRY_NUMBERS = itertools.count()
FORMER_CHECKS = tuple(timedelta(seconds=s) for s in (10, 40, 100, 220, 520))
DUNE_HASH = "8c212779b4abde7c6bc608063a0d008b7e40ce32"
PACK_HASH = "c0ffee00deadbeef0123456789abcdef01234567"


@dataclass(slots=True)
class Outcome:
    """One imported request: when Jellyfin listed it, when it became AVAILABLE, its lookups and /Items requests."""

    listed: datetime
    available: datetime | None
    lookups_before: int
    lookups: int


def _renamed(payload: Any, swaps: dict[str, str]) -> Any:
    """The payload with its media's names and ids swapped (case-insensitive for the download hash)."""
    text = json.dumps(payload)
    for old, new in swaps.items():
        text = text.replace(old, new).replace(old.upper(), new.upper())
    return json.loads(text)


def _hash(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


def _movie_swaps(index: int) -> dict[str, str]:
    return {"Dune": f"Bench{index}", "693134": str(900_000 + index), "tt15239678": f"tt{9_100_000 + index}",
            DUNE_HASH: _hash("movie", index), '"request_id": "16"': f'"request_id": "{5_000 + index}"'}  # fmt: skip


def _pack_swaps(index: int) -> dict[str, str]:
    return {"Chernobyl": f"Benchshow{index}", "87108": str(800_000 + index), "360893": str(810_000 + index),
            "tt7366338": f"tt{9_200_000 + index}", "693223": f"7{index:02d}",  # the episodes' TVDB ids
            PACK_HASH: _hash("pack", index), '"request_id": "19"': f'"request_id": "{6_000 + index}"'}  # fmt: skip


@contextmanager
def former_schedule() -> Iterator[None]:
    """The schedule before issue 17, from the first import seen, without waiting for Jellyfin's delay."""
    first_note = LibrarySchedule.note

    def first_import_only(self: LibrarySchedule, request: MediaRequest, now: datetime) -> None:
        if self.next_lookup(request.request_id) is None:
            first_note(self, request, now)

    with (
        patch.object(library_timing, "AFTER_DELAY", FORMER_CHECKS),
        patch.object(library_timing, "DEFAULT_MONITOR_DELAY", 0),
        patch.object(LibrarySchedule, "note", first_import_only),
    ):
        yield


async def _play(
    hass: HomeAssistant,
    client_factory: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    *,
    movies: int = 0,
    packs: int = 0,
    scan: int = SCAN,
    former: bool,
) -> tuple[list[Outcome], float]:
    """Import the movies and packs into a fresh entry; each request's outcome, and /Items requests per request."""

    async def post(service: str, payload: Any) -> None:
        response = await client.post(f"/api/webhook/{WEBHOOK_IDS[service]}", json=payload)
        assert response.status == 200  # noqa: S101 - the scenario, not a figure

    async def second() -> None:
        freezer.tick(timedelta(seconds=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()

    with aioresponses(passthrough=["http://127.0.0.1"]) as http:
        library = FakeJellyfinLibrary(http, monitor_delay=MONITOR_DELAY, scan=scan, configuration=not former)
        config_entry = entry(f"01JSTATUSTRACKERBENCHLIB{next(ENTRY_NUMBERS):02d}")
        await setup(hass, config_entry)
        client = await client_factory()
        hub = config_entry.runtime_data.hub
        titles: dict[str, str] = {}  # title -> the path whose listing counts
        available: dict[str, datetime] = {}
        for second_at in range(SECONDS):
            if second_at < movies:
                swaps = _movie_swaps(second_at)
                for name in ("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download"):
                    await post(name.split("/")[0], _renamed(fixture(name), swaps))
                path = _renamed(fixture("radarr/download"), swaps)["movieFile"]["path"]
                title = f"Bench{second_at}: Part Two"
                library.add_file(movie_item(title, _hash("jf", title)[:32], path, Tmdb=swaps["693134"]))
                titles[title] = path
            for pack in range(packs):
                since = second_at - 2 * pack
                if since >= 0 and since % EPISODE_GAP == 0 and since // EPISODE_GAP < PACK_EPISODES:
                    number, swaps = since // EPISODE_GAP + 1, _pack_swaps(pack)
                    if number == 1:
                        for name in ("jellyseerr/tv_auto_approved", "sonarr/grab_season_pack"):
                            await post(name.split("/")[0], _renamed(fixture(name), swaps))
                    await post("sonarr", _renamed(pack_file_import(number), swaps))
                    title = f"Benchshow{pack}"
                    series = series_item(title, _hash("jf", title)[:32], Tmdb=swaps["87108"], Tvdb=swaps["360893"])
                    path = _renamed(pack_file_path(number), swaps)
                    library.add_file(episode_item(series, 1, number, path), series)
                    titles[title] = path
            for request in hub.requests.values():
                if request.state is RequestState.AVAILABLE and request.title not in available:
                    available[request.title] = dt_util.utcnow()
            if len(available) == movies + packs:
                break
            await second()
        await hass.config_entries.async_unload(config_entry.entry_id)
        await hass.async_block_till_done()
    outcomes = [
        Outcome(
            listed=(listed := library.listed_at(path)),
            available=available.get(title),
            lookups_before=library.lookups_before(listed, title),
            lookups=library.lookups_before(dt_util.utcnow() + timedelta(days=1), title),
        )
        for title, path in titles.items()
    ]
    return outcomes, library.items_calls / len(titles)


def _describe(outcomes: list[Outcome], items_calls: float) -> tuple[str, bool]:
    """ "listing -> AVAILABLE 3-12 s (mean 7.1), lookups before the listing 0-1 (...)": the line, and the verdict."""
    if any(outcome.available is None for outcome in outcomes):
        return "some never AVAILABLE", False
    waits = [(o.available - o.listed).total_seconds() for o in outcomes if o.available is not None]
    before = [o.lookups_before for o in outcomes]
    total = [o.lookups for o in outcomes]
    line = (
        f"listing -> AVAILABLE {min(waits):.0f}-{max(waits):.0f} s (mean {statistics.mean(waits):.1f}),"
        f" lookups before the listing {min(before)}-{max(before)}, lookups per request {statistics.mean(total):.1f},"
        f" /Items requests per request {items_calls:.1f}"
    )
    return line, max(waits) <= LISTING_TARGET and max(before) <= LOOKUPS_TARGET


async def test_h_library_timing(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, freezer: FrozenDateTimeFactory
) -> None:
    """Time from the listing to AVAILABLE and lookups per imported request, a movie and a season pack."""
    for kind, scenario in (
        (f"{MOVIES} movies imported 1 s apart", {"movies": MOVIES}),
        (f"the same with a {SLOW_SCAN} s scan", {"movies": MOVIES, "scan": SLOW_SCAN}),
        (f"{PACKS} season packs, {PACK_EPISODES} episodes {EPISODE_GAP} s apart", {"packs": PACKS}),
    ):
        now, calls = await _play(hass, hass_client_no_auth, freezer, **scenario, former=False)
        with former_schedule():
            before, old_calls = await _play(hass, hass_client_no_auth, freezer, **scenario, former=True)
        line, ok = _describe(now, calls)
        old_line, _ = _describe(before, old_calls)
        scan = scenario.get("scan", SCAN)
        report(
            f"h. library check, no webhook plugin, Jellyfin listing {MONITOR_DELAY} s + {scan} s scan after the last"
            f" import; {kind}: {line}; former schedule: {old_line} (targets <= {LISTING_TARGET} s,"
            f" <= {LOOKUPS_TARGET} lookups before) {verdict(ok)}"
        )
