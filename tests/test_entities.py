"""The device page and entity names (issue 16): two devices, names without the Jellyfin server's, posters or icons."""

from __future__ import annotations

from datetime import timedelta
import json

from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.history import get_significant_states
from homeassistant.const import ATTR_ENTITY_PICTURE, ATTR_FRIENDLY_NAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import async_wait_recording_done

from custom_components.status_tracker.const import DOMAIN

from .helpers import (
    DUNE_POSTER,
    ENTRY_ID,
    INTEGRATION,
    QBT_URL,
    SERVER_NAME,
    SHOKO_API_KEY,
    SHOKO_URL,
    Services,
    load_json,
    only_state,
    restart,
)

SUMMARY_KEYS = ("active_requests", "downloading", "stuck_requests", "failed_requests", "available_last_24_h")


def _version() -> str:
    return str(json.loads((INTEGRATION / "manifest.json").read_text(encoding="utf-8"))["version"])


async def test_summary_and_request_sensors_on_two_named_devices(
    hass: HomeAssistant, services: Services, device_registry: dr.DeviceRegistry, entity_registry: er.EntityRegistry
) -> None:
    """The counts on the tracker's device, the requests on theirs; model and version filled in; no server name."""
    await services.run("jellyseerr/movie_auto_approved")
    tracker = device_registry.async_get_device(identifiers={(DOMAIN, ENTRY_ID)})
    requests = device_registry.async_get_device(identifiers={(DOMAIN, f"{ENTRY_ID}_requests")})
    assert tracker is not None
    assert requests is not None
    assert (tracker.name, tracker.model, tracker.sw_version, tracker.entry_type) == (
        "Media Request Status Tracker",
        "Jellyseerr → Radarr → Sonarr → Jellyfin",
        _version(),
        dr.DeviceEntryType.SERVICE,
    )
    assert (requests.name, requests.via_device_id, requests.sw_version) == ("Media requests", tracker.id, _version())

    entities = er.async_entries_for_config_entry(entity_registry, ENTRY_ID)
    on_tracker = sorted(entry.unique_id for entry in entities if entry.device_id == tracker.id)
    assert on_tracker == sorted(f"{ENTRY_ID}_{key}" for key in SUMMARY_KEYS)
    state = only_state(hass)
    (dune,) = [entry for entry in entities if entry.device_id == requests.id]
    assert dune.entity_id == state.entity_id == "sensor.media_requests_dune_part_two_2024"

    # The device names the whole thing once; the entity names carry no server name.
    assert state.attributes[ATTR_FRIENDLY_NAME] == "Media requests Dune: Part Two (2024)"
    active = hass.states.get("sensor.media_request_status_tracker_active_requests")
    assert active is not None
    assert active.attributes[ATTR_FRIENDLY_NAME] == "Media Request Status Tracker Active requests"
    assert not [s.entity_id for s in hass.states.async_all("sensor") if SERVER_NAME in s.name]


async def test_model_names_the_optional_services(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    """qBittorrent and Shoko are in the model when the entry connects them."""
    data = {
        **mock_config_entry.data,
        "qbittorrent": {"url": QBT_URL},
        "shoko": {"url": SHOKO_URL, "api_key": SHOKO_API_KEY},
    }
    entry = MockConfigEntry(domain=DOMAIN, title=SERVER_NAME, data=data, entry_id=ENTRY_ID)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    tracker = device_registry.async_get_device(identifiers={(DOMAIN, ENTRY_ID)})
    assert tracker is not None
    assert tracker.model == "Jellyseerr → Radarr → Sonarr → qBittorrent → Shoko → Jellyfin"


async def test_no_poster_no_picture(hass: HomeAssistant, services: Services) -> None:
    """Without a poster the entity has no picture, so Home Assistant draws the state's icon."""
    await services.run("jellyseerr/movie_auto_approved")
    assert only_state(hass).attributes[ATTR_ENTITY_PICTURE] == DUNE_POSTER

    payload = load_json("jellyseerr/tv_auto_approved.json")
    payload["image"] = ""
    await services.post("jellyseerr/tv_auto_approved", payload)
    chernobyl = next(s for s in hass.states.async_all("sensor") if s.attributes.get("title") == "Chernobyl")
    assert ATTR_ENTITY_PICTURE not in chernobyl.attributes
    assert "poster_url" not in chernobyl.attributes


async def test_an_upgrade_keeps_entity_ids_and_moves_requests_to_their_device(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    services: Services,
) -> None:
    """An install from before (one device named after the server, ids with its name) keeps its entity ids."""
    await services.run("jellyseerr/movie_auto_approved")
    tracker = device_registry.async_get_device(identifiers={(DOMAIN, ENTRY_ID)})
    assert tracker is not None
    # What 0.1 left in the registries: the device named after the server, every entity on it, ids with its name.
    device_registry.async_update_device(tracker.id, name=SERVER_NAME, model=None, sw_version=None)
    old_ids = {}
    for entry in er.async_entries_for_config_entry(entity_registry, ENTRY_ID):
        old = entry.entity_id.replace("media_requests_", "living_room_jellyfin_").replace(
            "media_request_status_tracker_", "living_room_jellyfin_"
        )
        entity_registry.async_update_entity(entry.entity_id, new_entity_id=old, device_id=tracker.id)
        old_ids[entry.unique_id] = old

    await restart(hass, mock_config_entry)

    requests = device_registry.async_get_device(identifiers={(DOMAIN, f"{ENTRY_ID}_requests")})
    tracker = device_registry.async_get_device(identifiers={(DOMAIN, ENTRY_ID)})
    assert requests is not None
    assert tracker is not None
    assert (tracker.name, tracker.sw_version) == ("Media Request Status Tracker", _version())
    now = {entry.unique_id: entry for entry in er.async_entries_for_config_entry(entity_registry, ENTRY_ID)}
    assert {unique_id: entry.entity_id for unique_id, entry in now.items()} == old_ids
    assert hass.states.get("sensor.living_room_jellyfin_dune_part_two_2024").state == "approved"
    assert hass.states.get("sensor.living_room_jellyfin_active_requests").state == "1"
    request_devices = {entry.device_id for entry in now.values() if not entry.unique_id.endswith(SUMMARY_KEYS)}
    assert request_devices == {requests.id}


async def test_history_keeps_no_download_figures_or_episode_rows(
    recorder_mock: Recorder, hass: HomeAssistant, services: Services
) -> None:
    """What changes with every qBittorrent poll, and the per-episode rows, stay out of the recorder."""
    await services.run("jellyseerr/tv_auto_approved", "sonarr/grab_season_pack")
    entity_id = only_state(hass).entity_id
    assert {"episodes", "updated_at", "state_text"} <= set(only_state(hass).attributes)
    await async_wait_recording_done(hass)
    history = await recorder_mock.async_add_executor_job(
        get_significant_states, hass, dt_util.utcnow() - timedelta(hours=1), None, [entity_id]
    )
    recorded = history[entity_id][-1].attributes
    assert recorded["state_text"] == "4 queued"
    assert not {"episodes", "updated_at", "download_speed", "download_eta", "download_progress"} & set(recorded)
