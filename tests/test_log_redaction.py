"""The entry's secrets never reach a log line of the modules that echo a service's own error text."""

from __future__ import annotations

import logging

from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.status_tracker.const import CONF_WEBHOOK_IDS

# The glue modules that log what Jellyseerr/Radarr/Sonarr answered; those texts may echo our webhook URL or key.
ECHOING_MODULES = ("catchup", "webhook_setup")


@pytest.mark.parametrize("module", ECHOING_MODULES)
async def test_a_service_error_echoing_a_secret_is_logged_redacted(
    hass: HomeAssistant, init_integration: MockConfigEntry, caplog: pytest.LogCaptureFixture, module: str
) -> None:
    """A service error that quotes the API key and the webhook URL is logged with both replaced."""
    api_key = init_integration.data[CONF_API_KEY]
    webhook_id = init_integration.data[CONF_WEBHOOK_IDS]["radarr"]
    logger = logging.getLogger(f"custom_components.status_tracker.{module}")
    with caplog.at_level(logging.WARNING):
        logger.warning("Could not catch up with %s: %s", "Radarr", f"401 key={api_key} url=/api/webhook/{webhook_id}")
    assert "Could not catch up with Radarr: 401 key=**REDACTED** url=/api/webhook/**REDACTED**" in caplog.text
    assert api_key not in caplog.text
    assert webhook_id not in caplog.text


async def test_no_filter_is_left_after_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """Once the entry is unloaded its secrets are no longer rewritten (nothing of it stays attached)."""
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    api_key = init_integration.data[CONF_API_KEY]
    with caplog.at_level(logging.WARNING):
        logging.getLogger("custom_components.status_tracker.catchup").warning("echo %s", api_key)
    assert f"echo {api_key}" in caplog.text
