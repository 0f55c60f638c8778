"""Issue 17: without the webhook plugin, AVAILABLE comes soon after real Jellyfin lists the item, with few lookups.

The Jellyfin fake lists a file LibraryMonitorDelay + a scan after its folder's last change, as the server does
(tests/fakes/jellyfin_library.py); time is frozen and moved a second at a time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.status_tracker.clients import InvalidAuthError, InvalidResponseError
from custom_components.status_tracker.clients.jellyfin import JellyfinClient
from custom_components.status_tracker.diagnostics import async_get_config_entry_diagnostics

from .fakes.jellyfin_library import FakeJellyfinLibrary, episode_item, movie_item, series_item
from .helpers import JELLYFIN_URL, Services, only_state, pack_file_import, pack_file_path, restart, tick

DUNE_PATH = "/data/media/movies/Dune - Part Two (2024)/Dune - Part Two (2024) Remux-2160p.mkv"
DUNE = movie_item("Dune: Part Two", "4b8a9c2d1e0f4a5b8c7d6e5f4a3b2c1d", DUNE_PATH, Tmdb="693134", Imdb="tt15239678")
CHERNOBYL = series_item("Chernobyl", "3c9e1a7b5d2f4e8a9b1c7f6e5d4c3b2a", Tmdb="87108", Tvdb="360893")


async def until_available(hass: HomeAssistant, freezer: FrozenDateTimeFactory, within: int) -> datetime:
    """Let time pass a second at a time until the request is AVAILABLE; when it became so."""
    for _ in range(within):
        if only_state(hass).state == "available":
            return dt_util.utcnow()
        await tick(hass, freezer, 1)
    pytest.fail(f"not available {within} s on: {only_state(hass).state}")


@pytest.mark.parametrize("phase", [0, 4, 9], ids=lambda s: f"import {s} s into a tick")
@pytest.mark.parametrize(
    ("monitor_delay", "readable"),
    [(60, True), (60, False), (10, True), (300, True)],
    ids=["default delay", "configuration unreadable", "10 s delay", "300 s delay"],
)
async def test_movie_available_within_15_s_of_the_listing(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    services: Services,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
    phase: int,
    monitor_delay: int,
    readable: bool,
) -> None:
    """Jellyfin lists the movie LibraryMonitorDelay + 5 s after the import (65 s by default); the lookups wait."""
    library = FakeJellyfinLibrary(http, monitor_delay=monitor_delay, scan=5, configuration=readable)
    await tick(hass, freezer, phase)
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download")
    library.add_file(DUNE)
    listed = library.listed_at(DUNE_PATH)

    available = await until_available(hass, freezer, monitor_delay + 120)

    assert listed <= available <= listed + timedelta(seconds=15)
    assert library.lookups_before(listed) <= 3
    # Read once (then hourly), not at each lookup.
    assert library.configuration_calls == 1


@pytest.mark.parametrize("phase", [0, 4, 9], ids=lambda s: f"import {s} s into a tick")
async def test_season_pack_imported_over_2_minutes(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    services: Services,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
    phase: int,
) -> None:
    """Four episodes imported 40 s apart: each restarts Jellyfin's timer, and the lookups count from the last."""
    library = FakeJellyfinLibrary(http, monitor_delay=60, scan=5)
    await tick(hass, freezer, phase)
    await services.run("jellyseerr/tv_auto_approved", "sonarr/grab_season_pack")
    for number in range(1, 5):
        if number > 1:
            await tick(hass, freezer, 40)
        await services.post("sonarr/download_pack_file_e01", pack_file_import(number))
        library.add_file(episode_item(CHERNOBYL, 1, number, pack_file_path(number)), CHERNOBYL)
        rows = {row["episode"]: row["state"] for row in only_state(hass).attributes["episodes"]}
        assert rows[number] == "importing"
    listed = library.listed_at(pack_file_path(4))

    available = await until_available(hass, freezer, 300)

    assert listed <= available <= listed + timedelta(seconds=15)
    assert library.lookups_before(listed) <= 3


async def test_a_restart_keeps_looking_up_what_waits(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    services: Services,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A request imported before a restart is looked up from when it last moved, not from the restart."""
    library = FakeJellyfinLibrary(http, monitor_delay=60, scan=5)
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download")
    library.add_file(DUNE)
    await tick(hass, freezer, 50)
    await restart(hass, init_integration)
    assert library.lookups == []

    available = await until_available(hass, freezer, 120)

    assert available <= library.listed_at(DUNE_PATH) + timedelta(seconds=15)


@pytest.mark.parametrize(
    ("answer", "delay"),
    [({"payload": {"LibraryMonitorDelay": 45, "LibraryUpdateDuration": 30}}, 45),
     ({"payload": {"LibraryMonitorDelay": "45"}}, 45), ({"payload": {"ServerName": "x"}}, None),
     ({"payload": {"LibraryMonitorDelay": "soon"}}, None)],
    ids=["int", "string", "absent", "garbage"],
)  # fmt: skip
async def test_client_reads_the_library_monitor_delay(
    session: aiohttp.ClientSession, answer: dict[str, Any], delay: int | None
) -> None:
    """`GET /System/Configuration`'s LibraryMonitorDelay (ServerConfiguration, PascalCase), None when not a number."""
    client = JellyfinClient(session, JELLYFIN_URL, "key")
    with aioresponses() as mocked:
        mocked.get(f"{JELLYFIN_URL}/System/Configuration", **answer)
        assert await client.async_get_library_monitor_delay() == delay
        ((_, url), (sent,)), *_ = mocked.requests.items()
    assert str(url) == f"{JELLYFIN_URL}/System/Configuration"
    assert sent.kwargs["headers"]["Authorization"] == 'MediaBrowser Token="key"'


@pytest.mark.parametrize(("answer", "error"), [({"status": 401}, InvalidAuthError), ({"body": "<html>"},
                         InvalidResponseError), ({"payload": []}, InvalidResponseError)])  # fmt: skip
async def test_client_configuration_errors(
    session: aiohttp.ClientSession, answer: dict[str, Any], error: type[Exception]
) -> None:
    """A refused key or an answer that is not a configuration raise the client's errors (the poller keeps 60 s)."""
    client = JellyfinClient(session, JELLYFIN_URL, "key")
    with aioresponses() as mocked:
        mocked.get(f"{JELLYFIN_URL}/System/Configuration", **answer)
        with pytest.raises(error):
            await client.async_get_library_monitor_delay()


@pytest.mark.parametrize(("readable", "shown"), [(True, (45, True)), (False, (60, False))])
async def test_diagnostics_show_the_delay_in_use(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    services: Services,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
    readable: bool,
    shown: tuple[int, bool],
) -> None:
    """A maintainer reading a report sees which LibraryMonitorDelay the lookups wait for, and where it came from."""
    library = FakeJellyfinLibrary(http, monitor_delay=45, scan=5, configuration=readable)
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab", "radarr/download")
    library.add_file(DUNE)
    await tick(hass, freezer, 20)
    # Called directly: the diagnostics HTTP view imports the supervisor client, which frozen time breaks.
    diagnostics = await async_get_config_entry_diagnostics(hass, init_integration)
    delay = diagnostics["services"]["library_monitor_delay"]
    assert (delay["seconds"], delay["read_from_jellyfin"]) == shown
