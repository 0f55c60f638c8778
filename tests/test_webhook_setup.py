"""Zero-touch setup: the integration writes its webhook into Jellyseerr, Radarr, Sonarr and the Jellyfin plugin."""

from __future__ import annotations

import base64
from collections.abc import Generator
from datetime import timedelta
import json
from typing import Any
from unittest.mock import patch

from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import webhook
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.network import NoURLAvailableError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.status_tracker.const import (
    CONF_IS_4K,
    CONF_JELLYFIN_WEBHOOK,
    CONF_JELLYSEERR,
    CONF_RADARR,
    CONF_RADARR_2,
    CONF_SONARR,
    CONF_SONARR_2,
    CONF_WEBHOOK_SECRETS,
    DOMAIN,
)
from custom_components.status_tracker.core.webhook_setup import CONNECTION_NAME, JELLYFIN_TEMPLATE, SEERR_PAYLOAD

from .fakes.services import (
    RADARR_URL,
    SEERR_URL,
    SONARR_4K_URL,
    SONARR_URL,
    FakeArr,
    FakeJellyfinPlugin,
    FakeSeerr,
)
from .helpers import ENTRY_ID, FIXTURES, arr_field, restart

INTERNAL = "http://192.168.1.20:8123"
EXTERNAL = "https://ha.example.com"
RADARR_4K_URL = "http://192.168.1.11:7878"


def _url(base: str, service: str, suffix: str = "") -> str:
    ids = {"jellyseerr": "wh-jellyseerr-0001", "radarr": "wh-radarr-0002", "sonarr": "wh-sonarr-0003"}
    ids["jellyfin"] = "wh-jellyfin-0004"
    return f"{base}/api/webhook/{ids[service]}{suffix}"


def _schema() -> dict[str, Any]:
    schemas = json.loads((FIXTURES / "api_clients" / "radarr_notification_schema.json").read_text())
    return next(item for item in schemas if item["implementation"] == "Webhook")


class Stack:
    """The four fakes, reachable from the given Home Assistant addresses."""

    def __init__(self, mock: aioresponses, reachable: set[str]) -> None:
        self.reachable = reachable
        self.seerr = FakeSeerr(mock, reachable)
        self.radarr = FakeArr(mock, RADARR_URL, "radarr", reachable, _schema())
        self.sonarr = FakeArr(mock, SONARR_URL, "sonarr", reachable, _schema())
        self.sonarr_4k = FakeArr(mock, SONARR_4K_URL, "sonarr", reachable, _schema())
        self.jellyfin = FakeJellyfinPlugin(mock)

    def writes(self) -> int:
        fakes = (self.seerr, self.radarr, self.sonarr, self.sonarr_4k, self.jellyfin)
        return sum(len(fake.writes) for fake in fakes)


def reachable_from(*bases: str) -> set[str]:
    """Every webhook URL of these Home Assistant addresses (the 4K variant included)."""
    urls = {_url(base, service) for base in bases for service in ("jellyseerr", "radarr", "sonarr", "jellyfin")}
    return urls | {url + "?4k=1" for url in urls}


@pytest.fixture
def mock_services() -> Generator[aioresponses]:
    """Outgoing HTTP mocked; the local test server passes through."""
    with aioresponses(passthrough=["http://127.0.0.1"]) as mock:
        yield mock


@pytest.fixture
def connected_entry(entry_data: dict[str, Any]) -> MockConfigEntry:
    """An entry with every optional connection: Jellyseerr, Radarr, Sonarr and a 4K Sonarr, and the plugin."""
    data = {
        **entry_data,
        CONF_JELLYFIN_WEBHOOK: True,
        CONF_JELLYSEERR: {CONF_URL: SEERR_URL, CONF_API_KEY: "seerr-key-0123"},
        CONF_RADARR: {CONF_URL: RADARR_URL, CONF_API_KEY: "radarr-key-0123", CONF_IS_4K: False},
        CONF_SONARR: {CONF_URL: SONARR_URL, CONF_API_KEY: "sonarr-key-0123", CONF_IS_4K: False},
        CONF_SONARR_2: {CONF_URL: SONARR_4K_URL, CONF_API_KEY: "sonarr4k-key-0123", CONF_IS_4K: True},
    }
    return MockConfigEntry(domain=DOMAIN, title="Jellyfin", unique_id="server", data=data, entry_id=ENTRY_ID)


async def _addresses(hass: HomeAssistant, internal: str | None = INTERNAL, external: str | None = EXTERNAL) -> None:
    await async_process_ha_core_config(
        hass, {key: value for key, value in (("internal_url", internal), ("external_url", external)) if value}
    )


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def _issues(hass: HomeAssistant) -> dict[str, str]:
    return {
        issue_id: issue.translation_key or ""
        for (domain, issue_id), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN and issue_id.startswith("webhook_setup")
    }


async def test_first_setup_configures_every_service(
    hass: HomeAssistant, connected_entry: MockConfigEntry, mock_services: aioresponses
) -> None:
    """Internal URL first; each service gets exactly the configuration the tracker needs, others untouched."""
    await _addresses(hass)
    stack = Stack(mock_services, reachable_from(INTERNAL))
    await _setup(hass, connected_entry)

    (seerr,) = stack.seerr.writes
    assert seerr["enabled"] is True
    assert seerr["types"] == 222
    assert seerr["options"]["webhookUrl"] == _url(INTERNAL, "jellyseerr")
    assert json.loads(json.loads(seerr["options"]["jsonPayload"])) == SEERR_PAYLOAD
    assert stack.seerr.tests == [_url(INTERNAL, "jellyseerr")]  # tested before it was saved

    for fake, url in [
        (stack.radarr, _url(INTERNAL, "radarr")),
        (stack.sonarr, _url(INTERNAL, "sonarr")),
        (stack.sonarr_4k, _url(INTERNAL, "sonarr", "?4k=1")),
    ]:
        ((method, created),) = fake.writes
        assert method == "POST"
        assert created["name"] == CONNECTION_NAME
        assert arr_field(created, "url") == url
        assert arr_field(created, "method") == 1
        assert created["tags"] == []
        assert created["onGrab"] is created["onDownload"] is created["onManualInteractionRequired"] is True
        assert created.get("onRename") is not True
        # The user's other connection is left alone.
        assert fake.notifications[0]["name"] == "Discord"
        assert len(fake.ours()) == 1
    assert stack.sonarr.ours()[0]["onImportComplete"] is True
    assert stack.radarr.ours()[0]["onMovieDelete"] is True

    (configuration,) = stack.jellyfin.writes
    other, ours = configuration["GenericOptions"]
    assert other == {"WebhookName": "Other", "WebhookUri": "http://other/hook", "EnableWebhook": True}
    assert ours["WebhookUri"] == _url(INTERNAL, "jellyfin")
    assert ours["NotificationTypes"] == ["ItemAdded"]
    assert (ours["EnableMovies"], ours["EnableEpisodes"], ours["EnableSeries"]) == (True, True, True)
    assert _decoded(ours["Template"]) == JELLYFIN_TEMPLATE
    assert _issues(hass) == {}


def _decoded(value: str) -> str:
    return base64.b64decode(value).decode()


async def test_second_setup_changes_nothing(
    hass: HomeAssistant, connected_entry: MockConfigEntry, mock_services: aioresponses
) -> None:
    """With everything already right, a restart reads the settings and writes nothing, tests nothing."""
    await _addresses(hass)
    stack = Stack(mock_services, reachable_from(INTERNAL))
    await _setup(hass, connected_entry)
    writes, tests = stack.writes(), len(stack.seerr.tests)
    assert writes == 5
    await restart(hass, connected_entry)
    assert stack.writes() == writes
    assert len(stack.seerr.tests) == tests


async def test_changed_address_updates_in_place(
    hass: HomeAssistant, connected_entry: MockConfigEntry, mock_services: aioresponses
) -> None:
    """Home Assistant moved: each connection is updated (PUT, the same id), not duplicated."""
    await _addresses(hass)
    stack = Stack(mock_services, reachable_from(INTERNAL, "http://10.0.0.5:8123"))
    await _setup(hass, connected_entry)
    radarr_id = stack.radarr.ours()[0]["id"]

    await _addresses(hass, internal="http://10.0.0.5:8123")
    await restart(hass, connected_entry)
    assert stack.seerr.settings["options"]["webhookUrl"] == _url("http://10.0.0.5:8123", "jellyseerr")
    method, updated = stack.radarr.writes[-1]
    assert (method, updated["id"]) == ("PUT", radarr_id)
    assert arr_field(updated, "url") == _url("http://10.0.0.5:8123", "radarr")
    assert len(stack.radarr.ours()) == 1
    assert stack.jellyfin.configuration["GenericOptions"][1]["WebhookUri"] == _url("http://10.0.0.5:8123", "jellyfin")
    assert len(stack.jellyfin.configuration["GenericOptions"]) == 2


async def test_external_url_when_internal_is_unreachable(
    hass: HomeAssistant, connected_entry: MockConfigEntry, mock_services: aioresponses
) -> None:
    """The services' own tests decide: the internal URL fails, the external one is saved."""
    await _addresses(hass)
    stack = Stack(mock_services, reachable_from(EXTERNAL))
    await _setup(hass, connected_entry)
    assert stack.seerr.tests == [_url(INTERNAL, "jellyseerr"), _url(EXTERNAL, "jellyseerr")]
    assert stack.seerr.settings["options"]["webhookUrl"] == _url(EXTERNAL, "jellyseerr")
    assert arr_field(stack.radarr.ours()[0], "url") == _url(EXTERNAL, "radarr")
    assert _issues(hass) == {}


async def test_unreachable_home_assistant_falls_back_to_manual(
    hass: HomeAssistant, connected_entry: MockConfigEntry, mock_services: aioresponses
) -> None:
    """No address works: nothing is saved, and a repair issue per service shows the URL to enter by hand."""
    await _addresses(hass)
    stack = Stack(mock_services, set())
    await _setup(hass, connected_entry)
    assert stack.seerr.writes == []
    assert stack.radarr.writes == []
    assert stack.radarr.ours() == []
    issues = ir.async_get(hass)
    assert _issues(hass) == {
        f"webhook_setup_jellyseerr_{ENTRY_ID}": "webhook_unreachable",
        f"webhook_setup_radarr_{ENTRY_ID}": "webhook_unreachable",
        f"webhook_setup_sonarr_{ENTRY_ID}": "webhook_unreachable",
        f"webhook_setup_sonarr_2_{ENTRY_ID}": "webhook_unreachable",
    }
    issue = issues.async_get_issue(DOMAIN, f"webhook_setup_sonarr_2_{ENTRY_ID}")
    assert issue is not None
    assert issue.translation_placeholders == {"service": "Sonarr 4K", "url": _url(INTERNAL, "sonarr", "?4k=1")}

    # Fixed on the network side: the next setup configures them and the issues go away.
    stack.reachable |= reachable_from(INTERNAL)
    await restart(hass, connected_entry)
    assert _issues(hass) == {}
    assert len(stack.radarr.ours()) == 1


async def test_jellyseerr_webhook_of_something_else_is_left_alone(
    hass: HomeAssistant, connected_entry: MockConfigEntry, mock_services: aioresponses
) -> None:
    await _addresses(hass)
    stack = Stack(mock_services, reachable_from(INTERNAL))
    stack.seerr.settings = {
        "enabled": True,
        "types": 8,
        "options": {"webhookUrl": "http://notifier.lan:9000/hook", "jsonPayload": json.dumps("{}")},
    }
    await _setup(hass, connected_entry)
    assert stack.seerr.writes == []
    assert _issues(hass) == {f"webhook_setup_jellyseerr_{ENTRY_ID}": "webhook_agent_taken"}


async def test_missing_jellyfin_plugin_is_reported(
    hass: HomeAssistant, entry_data: dict[str, Any], mock_services: aioresponses
) -> None:
    await _addresses(hass)
    FakeJellyfinPlugin(mock_services, installed=False)
    entry = MockConfigEntry(domain=DOMAIN, data={**entry_data, CONF_JELLYFIN_WEBHOOK: True}, entry_id=ENTRY_ID)
    await _setup(hass, entry)
    assert _issues(hass) == {f"webhook_setup_jellyfin_{ENTRY_ID}": "jellyfin_plugin_missing"}


async def test_service_down_is_retried_with_backoff(
    hass: HomeAssistant,
    entry_data: dict[str, Any],
    mock_services: aioresponses,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Radarr does not answer at setup: no issue yet, tried again a minute later, configured then."""
    await _addresses(hass)
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={**entry_data, CONF_RADARR: {CONF_URL: RADARR_URL, CONF_API_KEY: "radarr-key-0123"}},
        options={CONF_WEBHOOK_SECRETS: {"radarr": "s3cret"}},
        entry_id=ENTRY_ID,
    )
    # Down for the first attempt only (aioresponses answers registered responses in order).
    mock_services.get(f"{RADARR_URL}/api/v3/notification", status=503)
    radarr = FakeArr(mock_services, RADARR_URL, "radarr", reachable_from(INTERNAL), _schema())
    await _setup(hass, entry)
    assert radarr.writes == []
    assert _issues(hass) == {}

    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    ((method, created),) = radarr.writes
    assert method == "POST"
    assert arr_field(created, "password") == "s3cret"
    assert arr_field(created, "username").startswith("homeassistant-")
    assert _issues(hass) == {}


async def test_without_connections_nothing_is_called(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_services: aioresponses
) -> None:
    """Entries without the optional connections work as before: no settings API is touched."""
    assert not [key for key in mock_services.requests if "api/v" in str(key[1]) or "Plugins" in str(key[1])]


async def test_refused_api_key_is_reported_without_it(
    hass: HomeAssistant,
    entry_data: dict[str, Any],
    mock_services: aioresponses,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Radarr refuses the key: the refused-credentials issue names Radarr (not a setup failure); the key is nowhere."""
    await _addresses(hass)
    mock_services.get(f"{RADARR_URL}/api/v3/notification", status=401, repeat=True)
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={**entry_data, CONF_RADARR: {CONF_URL: RADARR_URL, CONF_API_KEY: "radarr-key-0123"}},
        entry_id=ENTRY_ID,
    )
    await _setup(hass, entry)
    assert _issues(hass) == {}
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"auth_failed_radarr_{ENTRY_ID}")
    assert issue is not None
    assert issue.translation_key == "auth_failed"
    assert issue.translation_placeholders == {"service": "Radarr"}
    assert "radarr-key-0123" not in caplog.text


async def test_setup_failure_shows_the_url_to_enter_by_hand(
    hass: HomeAssistant, entry_data: dict[str, Any], mock_services: aioresponses
) -> None:
    """An address that is not Radarr's API (404): a repair issue with the error and the URL to enter by hand."""
    await _addresses(hass)
    mock_services.get(f"{RADARR_URL}/api/v3/notification", status=404, repeat=True)
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={**entry_data, CONF_RADARR: {CONF_URL: RADARR_URL, CONF_API_KEY: "radarr-key-0123"}},
        entry_id=ENTRY_ID,
    )
    await _setup(hass, entry)
    assert _issues(hass) == {f"webhook_setup_radarr_{ENTRY_ID}": "webhook_setup_failed"}
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"webhook_setup_radarr_{ENTRY_ID}")
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["url"] == _url(INTERNAL, "radarr")
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_refused_api_key_starts_reauth_for_that_connection(
    hass: HomeAssistant, entry_data: dict[str, Any], mock_services: aioresponses
) -> None:
    """The second Radarr refuses its key: reauth asks for that key only, names it, stores only it and reloads."""
    await _addresses(hass)
    reachable = reachable_from(INTERNAL)
    radarr = FakeArr(mock_services, RADARR_URL, "radarr", reachable, _schema(), api_key="radarr-key-0123")
    radarr_4k = FakeArr(mock_services, RADARR_4K_URL, "radarr", reachable, _schema(), api_key="radarr4k-new-key")
    data = {
        **entry_data,
        CONF_JELLYFIN_WEBHOOK: False,
        CONF_RADARR: {CONF_URL: RADARR_URL, CONF_API_KEY: "radarr-key-0123", CONF_IS_4K: False},
        CONF_RADARR_2: {CONF_URL: RADARR_4K_URL, CONF_API_KEY: "radarr4k-old-key", CONF_IS_4K: True},
    }
    options = {CONF_WEBHOOK_SECRETS: {"radarr": "radarr-webhook-secret"}}
    entry = MockConfigEntry(domain=DOMAIN, title="Jellyfin", data=data, options=options, entry_id=ENTRY_ID)
    await _setup(hass, entry)
    assert [kind for kind, _ in radarr.writes] == ["POST"]
    assert radarr_4k.writes == []
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"auth_failed_radarr_2_{ENTRY_ID}")
    assert issue is not None
    assert issue.translation_placeholders == {"service": "Second Radarr"}

    result = await hass.config_entries.flow.async_configure(flows[0]["flow_id"])
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_connection"
    assert {str(key) for key in result["data_schema"].schema} == {CONF_API_KEY}
    assert result["description_placeholders"] is not None
    assert result["description_placeholders"]["service"] == "Second Radarr"
    assert result["description_placeholders"]["url"] == RADARR_4K_URL

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_API_KEY: "still-wrong"})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_API_KEY: "radarr_2_invalid_auth"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_API_KEY: "radarr4k-new-key"})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert dict(entry.data) == {**data, CONF_RADARR_2: {**data[CONF_RADARR_2], CONF_API_KEY: "radarr4k-new-key"}}
    assert dict(entry.options) == options
    # Reloaded with the new key: the second Radarr gets its connection, nothing is asked any more.
    assert [kind for kind, _ in radarr_4k.writes] == ["POST"]
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"auth_failed_radarr_2_{ENTRY_ID}") is None


async def test_no_home_assistant_address_known(
    hass: HomeAssistant, entry_data: dict[str, Any], mock_services: aioresponses
) -> None:
    """Without any URL for Home Assistant, nothing can be written: the issue shows the path to complete."""
    radarr = FakeArr(mock_services, RADARR_URL, "radarr", set(), _schema())
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={**entry_data, CONF_RADARR: {CONF_URL: RADARR_URL, CONF_API_KEY: "radarr-key-0123"}},
        entry_id=ENTRY_ID,
    )
    with patch.object(webhook, "async_generate_url", side_effect=NoURLAvailableError):
        await _setup(hass, entry)
    assert radarr.writes == []
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"webhook_setup_radarr_{ENTRY_ID}")
    assert issue is not None
    assert issue.translation_key == "webhook_unreachable"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["url"] == "<your Home Assistant URL>/api/webhook/wh-radarr-0002"


async def test_no_secret_reaches_the_logs(
    hass: HomeAssistant,
    connected_entry: MockConfigEntry,
    mock_services: aioresponses,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """At DEBUG, through failed tests, retries and a refused service: no API key, webhook id or secret in any log."""
    caplog.set_level("DEBUG")
    await _addresses(hass)
    secret_options = {CONF_WEBHOOK_SECRETS: {"radarr": "radarr-webhook-secret", "jellyseerr": "Bearer js"}}
    entry = MockConfigEntry(domain=DOMAIN, data=dict(connected_entry.data), options=secret_options, entry_id=ENTRY_ID)
    Stack(mock_services, set())  # nothing can reach Home Assistant: every test fails, with the URL in the error
    await _setup(hass, entry)
    assert len(_issues(hass)) == 4
    secrets = [
        "seerr-key-0123",
        "radarr-key-0123",
        "sonarr-key-0123",
        "sonarr4k-key-0123",
        "radarr-webhook-secret",
        "Bearer js",
        "wh-jellyseerr-0001",
        "wh-radarr-0002",
        "wh-sonarr-0003",
        "wh-jellyfin-0004",
    ]
    leaked = [secret for secret in secrets if secret in caplog.text]
    assert leaked == []
