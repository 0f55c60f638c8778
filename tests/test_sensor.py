"""Summary sensors: counts over every request, kept current and ageing without events."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from .helpers import MOVIE_FLOW, Services, load_json

PREFIX = "sensor.media_request_status_tracker_"
SUMMARY = ("active_requests", "downloading", "stuck_requests", "failed_requests", "available_in_the_last_24_h")


def counts(hass: HomeAssistant) -> dict[str, int]:
    return {key: int(hass.states.get(PREFIX + key).state) for key in SUMMARY}


async def test_summary_counts(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Active, downloading, stuck, failed and recently available requests, as they change."""
    services = Services(hass, hass_client_no_auth)
    assert counts(hass) == dict.fromkeys(SUMMARY, 0)
    assert hass.states.get(PREFIX + "active_requests").attributes["state_class"] == "measurement"

    await services.run(*MOVIE_FLOW, "jellyseerr/tv_auto_approved", "sonarr/grab_season_pack")
    declined = load_json("jellyseerr/movie_declined.json")
    declined["media"]["tmdbId"] = "999001"
    declined["subject"] = "Another Movie (2020)"
    declined["request"]["request_id"] = "77"
    await services.post("jellyseerr/movie_declined", declined)
    # Recounts are debounced to one a second, whatever the burst of webhooks.
    freezer.tick(timedelta(seconds=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert counts(hass) == {
        "active_requests": 1,
        "downloading": 0,
        "stuck_requests": 0,
        "failed_requests": 1,
        "available_in_the_last_24_h": 1,
    }

    # Ages out without any event: the periodic recount.
    freezer.tick(timedelta(hours=24, minutes=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert counts(hass)["available_in_the_last_24_h"] == 0
