"""Diagnostics carry the tracker, the database's figures and the options, never a secret or an address."""

from __future__ import annotations

import json
from typing import Any

from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.const import CONF_QBITTORRENT, CONF_SHOKO

from .helpers import (
    JELLYFIN_API_KEY,
    JELLYFIN_URL,
    MOVIE_FLOW,
    QBT_URL,
    SHOKO_API_KEY,
    SHOKO_URL,
    WEBHOOK_IDS,
    Services,
)

QBT_PASSWORD = "qbt-very-secret-pass"


@pytest.fixture
def entry_data(entry_data: dict[str, Any]) -> dict[str, Any]:
    """Every service configured, so every kind of secret is present."""
    return {
        **entry_data,
        CONF_QBITTORRENT: {CONF_URL: QBT_URL, CONF_USERNAME: "qbt-admin-user", CONF_PASSWORD: QBT_PASSWORD},
        CONF_SHOKO: {CONF_URL: SHOKO_URL, CONF_API_KEY: SHOKO_API_KEY},
    }


async def test_diagnostics_redacted(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """The output holds the requests and options; API keys, passwords, webhook ids and URLs are redacted."""
    assert await async_setup_component(hass, "diagnostics", {})
    await Services(hass, hass_client_no_auth).run(*MOVIE_FLOW[:2])
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    text = json.dumps(diagnostics)
    for secret in (
        JELLYFIN_API_KEY, JELLYFIN_URL, QBT_URL, QBT_PASSWORD, "qbt-admin-user", SHOKO_URL, SHOKO_API_KEY,
        *WEBHOOK_IDS.values(), "192.168.1.10",
    ):  # fmt: skip
        assert secret not in text, secret
    assert diagnostics["entry"]["data"][CONF_API_KEY] == "**REDACTED**"
    (request,) = diagnostics["tracker"]["requests"]
    assert request["title"] == "Dune: Part Two"
    assert request["state"] == "grabbing"
    assert [(entry["source"], entry["code"]) for entry in request["timeline"]] == [
        ("jellyseerr", "approved"),
        ("radarr", "grabbing"),
    ]
    assert diagnostics["services"]["awaited_downloads"] == 1
    assert set(diagnostics["services"]["last_webhook"]) == {"jellyseerr", "radarr"}
    # The database's own figures, counted in the file: one request, no episode rows, some pages on disk.
    store = diagnostics["store"]
    assert (store["requests"], store["episodes"]) == (1, 0)
    assert store["bytes_on_disk"] > 0
