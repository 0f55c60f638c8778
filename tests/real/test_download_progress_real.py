"""Acceptance 3 of issue 4: a request follows a real, throttled qBittorrent download in Home Assistant.

A real qbittorrent-nox 4.5 pair on loopback (tests/fakes/qbittorrent.py): the seeder has a generated 32 MiB file,
the downloader the integration watches fetches it at 2.5 MiB/s (about 15 s). The webhooks are posted as Radarr and
Jellyseerr send them; the download poller polls the real WebUI with its real client.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.const import CONF_QBITTORRENT
from tests.fakes.qbittorrent import MIB, QBittorrentPair

from ..helpers import Services, load_json, only_state


@pytest.fixture
def entry_data(entry_data: dict[str, Any], qbittorrent_pair: QBittorrentPair) -> dict[str, Any]:
    """The entry points at the real downloader."""
    return {
        **entry_data,
        CONF_QBITTORRENT: {
            CONF_URL: qbittorrent_pair.url,
            CONF_USERNAME: qbittorrent_pair.username,
            CONF_PASSWORD: qbittorrent_pair.password,
        },
    }


@pytest.mark.timeout(120)
async def test_request_follows_a_real_download(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    qbittorrent_pair: QBittorrentPair,
) -> None:
    """GRABBING -> DOWNLOADING with rising progress -> DOWNLOADED, read from the entity."""
    services = Services(hass, hass_client_no_auth)
    await services.run("jellyseerr/movie_auto_approved")
    grab = load_json("radarr/grab.json")
    # Radarr reports qBittorrent's hash in upper case.
    grab["downloadId"] = qbittorrent_pair.info_hash.upper()
    status, _ = await services.post("radarr/grab", grab)
    assert status == 200
    assert only_state(hass).state == "grabbing"

    await qbittorrent_pair.add_to_downloader(qbittorrent_pair.torrent_bytes, int(2.5 * MIB))
    downloads = init_integration.runtime_data.downloads
    assert downloads is not None

    seen: list[tuple[str, float | None]] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        await downloads.async_poll()
        assert downloads.last_poll_ok
        state = only_state(hass)
        # The sensor shows progress as text with its unit ("45.0 %"); absent before the first poll.
        shown = state.attributes.get("download_progress")
        seen.append((state.state, float(shown.removesuffix(" %")) if shown is not None else None))
        if state.state == "downloaded":
            break
        await asyncio.sleep(1)

    states = [name for name, _ in seen]
    assert states[-1] == "downloaded", seen
    assert "downloading" in states, seen
    # Monotonic: never back to an earlier state, progress never decreasing.
    order = ["grabbing", "downloading", "downloaded"]
    assert [order.index(name) for name in states] == sorted(order.index(name) for name in states), seen
    progress = [value for _, value in seen if value is not None]
    assert progress == sorted(progress), seen
    rising = {value for name, value in seen if name == "downloading" and value is not None and 0 < value < 100}
    assert len(rising) >= 3, seen
    assert seen[-1][1] == 100
