"""Setup, unload, webhooks and storage of a config entry."""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path
from typing import Any

from aiohttp import ClientConnectionError
from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_API_KEY, EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.const import CONF_ALLOW_EXTERNAL_WEBHOOKS, DOMAIN

from .helpers import (
    DATABASE,
    JELLYFIN_API_KEY,
    STORE_KEY,
    SYSTEM_INFO,
    WEBHOOK_IDS,
    load_fixture,
    read_database,
    stored_requests,
    system_info,
)


async def post(
    client_factory: ClientSessionGenerator,
    service: str,
    body: bytes | str,
    *,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
    method: str = "POST",
) -> tuple[int, str]:
    client = await client_factory()
    response = await client.request(
        method,
        f"/api/webhook/{WEBHOOK_IDS[service]}",
        data=body,
        headers={"Content-Type": content_type, **(headers or {})},
    )
    return response.status, await response.text()


TEST_EVENTS = {
    "jellyseerr": "jellyseerr/test_notification.json",
    "radarr": "radarr/test.json",
    "sonarr": "sonarr/test.json",
    "jellyfin": "jellyfin/playback_start.json",
}


@pytest.mark.parametrize("service", list(WEBHOOK_IDS))
@pytest.mark.parametrize("method", ["POST", "PUT"])
async def test_webhook_test_events_answer_200(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    service: str,
    method: str,
) -> None:
    """Each service's test notification answers 200, records the call and creates nothing."""
    body = load_fixture(TEST_EVENTS[service])
    status, text = await post(hass_client_no_auth, service, body, method=method)
    assert status == HTTPStatus.OK
    assert "ignored" in text
    assert service in init_integration.runtime_data.hub.last_webhook
    assert not init_integration.runtime_data.hub.requests
    assert [state.entity_id for state in hass.states.async_all("sensor") if "request_id" in state.attributes] == []


async def test_webhook_json_sent_as_text_plain(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """The Jellyfin webhook plugin posts JSON as text/plain; it is still read."""
    status, text = await post(
        hass_client_no_auth, "jellyfin", load_fixture("jellyfin/playback_start.json"), content_type="text/plain"
    )
    assert status == HTTPStatus.OK
    assert "ignored" in text
    assert "jellyfin" in init_integration.runtime_data.hub.last_webhook


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"{'single': 'quotes'}", b'{"unterminated": ', b"\xff\xfe\x00garbage"],
)
async def test_webhook_rejects_non_json(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    body: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A body that is not JSON gets 400, changes nothing, and the log names the service only."""
    status, text = await post(hass_client_no_auth, "radarr", body)
    assert status == HTTPStatus.BAD_REQUEST
    assert "not JSON" in text
    assert init_integration.runtime_data.hub.last_webhook == {}
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("custom_components")]
    assert any("radarr webhook whose body is not JSON" in message for message in ours)
    assert not any(WEBHOOK_IDS["radarr"] in message for message in ours)


async def test_webhook_get_not_allowed(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Only POST and PUT are accepted."""
    client = await hass_client_no_auth()
    response = await client.get(f"/api/webhook/{WEBHOOK_IDS['sonarr']}")
    assert response.status == HTTPStatus.METHOD_NOT_ALLOWED


async def test_unload_unregisters_webhooks(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """After unload a POST no longer reaches the handler."""
    runtime = init_integration.runtime_data.hub
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED

    status, text = await post(hass_client_no_auth, "jellyseerr", "{}")
    # Home Assistant answers 200 to unknown ids so as not to reveal them; our handler's answer is absent.
    assert status == HTTPStatus.OK
    assert "accepted" not in text
    assert runtime.last_webhook == {}


async def test_store_saved_and_restored(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A webhook is on disk once answered (no unload needed), and comes back on the next setup."""
    await post(hass_client_no_auth, "sonarr", "{}")
    when = init_integration.runtime_data.hub.last_webhook["sonarr"]
    requests, meta = await hass.async_add_executor_job(read_database, Path(hass.config.path(DATABASE)))
    assert (requests, meta) == ([], {"last_webhook": {"sonarr": when}})

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.runtime_data.hub.last_webhook == {"sonarr": when}


async def test_remove_entry_deletes_store(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    hass_storage: dict[str, Any],
) -> None:
    """Removing the entry removes its database (and the WAL beside it) and any Store file or backup it left."""
    await post(hass_client_no_auth, "radarr", "{}")
    storage = Path(hass.config.path(".storage"))
    hass_storage[f"{STORE_KEY}.store_backup"] = {"version": 1, "minor_version": 2, "key": "x", "data": {}}
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert f"{STORE_KEY}.db" in await hass.async_add_executor_job(lambda: [path.name for path in storage.iterdir()])
    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    left = await hass.async_add_executor_job(lambda: [path.name for path in storage.iterdir()])
    assert [name for name in left if name.startswith(STORE_KEY)] == []
    assert f"{STORE_KEY}.store_backup" not in hass_storage


@pytest.mark.parametrize(
    ("options", "reaches_handler"),
    [
        ({}, False),
        ({CONF_ALLOW_EXTERNAL_WEBHOOKS: False}, False),
        ({CONF_ALLOW_EXTERNAL_WEBHOOKS: True}, True),
    ],
)
async def test_webhooks_local_only_by_default(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    options: dict[str, Any],
    reaches_handler: bool,
) -> None:
    """A caller outside the local network reaches the handler only when the option allows it."""
    # Trust the test client as a proxy so X-Forwarded-For sets the caller's address.
    assert await async_setup_component(
        hass, "http", {"http": {"use_x_forwarded_for": True, "trusted_proxies": ["127.0.0.1"]}}
    )
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(mock_config_entry, options=options)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    status, _ = await post(hass_client_no_auth, "radarr", "{}", headers={"X-Forwarded-For": "203.0.113.7"})
    assert status == HTTPStatus.OK
    assert ("radarr" in mock_config_entry.runtime_data.hub.last_webhook) is reaches_handler

    status, _ = await post(hass_client_no_auth, "sonarr", "{}", headers={"X-Forwarded-For": "192.168.1.20"})
    assert "sonarr" in mock_config_entry.runtime_data.hub.last_webhook


async def test_options_change_reloads_entry(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Changing options reloads the entry, so webhooks are registered again with them."""
    before = init_integration.runtime_data
    hass.config_entries.async_update_entry(init_integration, options={CONF_ALLOW_EXTERNAL_WEBHOOKS: True})
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.runtime_data is not before
    status, _ = await post(hass_client_no_auth, "jellyfin", "{}")
    assert status == HTTPStatus.OK
    assert "jellyfin" in init_integration.runtime_data.hub.last_webhook


async def test_store_written_on_home_assistant_stop(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A change not yet written (batched, as pollers' are) is written when Home Assistant stops, without waiting."""
    await post(hass_client_no_auth, "jellyseerr", load_fixture("jellyseerr/movie_auto_approved.json"))
    hub = init_integration.runtime_data.hub
    (rid,) = hub.requests
    await hub.async_mark_stuck([rid], dt_util.utcnow())
    (stored,) = await stored_requests(hass)
    assert (stored["title"], stored["state"], stored.get("stuck_since")) == ("Dune: Part Two", "approved", None)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    (stored,) = await stored_requests(hass)
    assert stored["stuck_since"] == hub.requests[rid].to_dict()["stuck_since"]


# --- test-before-setup (issue 12) ------------------------------------------------------------------------------------


@pytest.mark.jellyfin_setup_check
@pytest.mark.parametrize(
    ("answer", "error"),
    [({"exception": ClientConnectionError("refused")}, "ClientConnectionError"), ({"status": 503}, "HTTP 503")],
    ids=["down", "503"],
)
async def test_setup_waits_for_jellyfin(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    http: aioresponses,
    freezer: FrozenDateTimeFactory,
    answer: dict[str, Any],
    error: str,
) -> None:
    """Jellyfin out of reach at setup: the entry retries (saying why) and loads once Jellyfin answers."""
    http.get(SYSTEM_INFO, **answer)
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert mock_config_entry.error_reason_translation_key == "service_unavailable"
    assert mock_config_entry.error_reason_translation_placeholders == {"service": "Jellyfin", "error": error}
    assert mock_config_entry.reason == f"Jellyfin is unavailable: {error}"

    http.get(SYSTEM_INFO, payload=system_info())
    freezer.tick(60)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)  # Home Assistant retries in a background task
    assert mock_config_entry.state is ConfigEntryState.LOADED


@pytest.mark.jellyfin_setup_check
async def test_setup_with_a_refused_jellyfin_key_asks_for_a_new_one(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, http: aioresponses
) -> None:
    """Jellyfin refuses the key at setup: setup error, the reauthentication form for the Jellyfin key."""
    http.get(SYSTEM_INFO, status=401)
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    assert mock_config_entry.reason == "Jellyfin refused the saved credentials"  # rendered without the final "."
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["step_id"] == "reauth_confirm"

    # The same key works again (Jellyfin was restored): the entry loads without anything else changing.
    http.get(SYSTEM_INFO, payload=system_info(), repeat=True)
    result = await hass.config_entries.flow.async_configure(flows[0]["flow_id"], {CONF_API_KEY: JELLYFIN_API_KEY})
    await hass.async_block_till_done()
    assert result["reason"] == "reauth_successful"
    assert mock_config_entry.state is ConfigEntryState.LOADED
