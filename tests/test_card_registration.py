"""The dashboard card: served and loaded when the frontend is there, harmless when it is not."""

from __future__ import annotations

import hashlib
from http import HTTPStatus
from pathlib import Path
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.card import CARD_FILE, CARD_URL
from custom_components.status_tracker.const import DOMAIN


async def test_card_registered_with_frontend(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """With the frontend loaded, the card file is served and its versioned URL added to every page."""
    hass.config.components.add("frontend")
    with patch("homeassistant.components.frontend.add_extra_js_url") as add_extra_js_url:
        assert await async_setup_component(hass, DOMAIN, {})
    (call,) = add_extra_js_url.call_args_list
    digest = hashlib.sha256(CARD_FILE.read_bytes()).hexdigest()[:12]
    assert call.args[1] == f"{CARD_URL}?v=0.1.0-{digest}"
    client = await hass_client_no_auth()
    response = await client.get(CARD_URL)
    assert response.status == HTTPStatus.OK
    assert await response.text() == CARD_FILE.read_text(encoding="utf-8")


async def test_setup_without_frontend(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Without the frontend (tests, headless installs) nothing is registered and setup still works."""
    assert "frontend" not in hass.config.components
    assert hass.services.has_service(DOMAIN, "get_requests")
    client = await hass_client_no_auth()
    response = await client.get(CARD_URL)
    assert response.status == HTTPStatus.NOT_FOUND


async def test_card_url_changes_with_the_card(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, tmp_path: Path
) -> None:
    """An edited card gets a new URL with the same manifest version, so no browser keeps the old one."""
    edited = tmp_path / "status-tracker-card.js"
    edited.write_text(CARD_FILE.read_text(encoding="utf-8") + "\n// edited\n", encoding="utf-8")
    hass.config.components.add("frontend")
    with (
        patch("custom_components.status_tracker.card.CARD_FILE", edited),
        patch("homeassistant.components.frontend.add_extra_js_url") as add_extra_js_url,
    ):
        assert await async_setup_component(hass, DOMAIN, {})
    (call,) = add_extra_js_url.call_args_list
    digest = hashlib.sha256(CARD_FILE.read_bytes()).hexdigest()[:12]
    assert call.args[1].startswith(f"{CARD_URL}?v=0.1.0-")
    assert not call.args[1].endswith(digest)
