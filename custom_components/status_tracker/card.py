"""Serve the dashboard card and load it in every dashboard, when Home Assistant's frontend is there."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from homeassistant.components.http import StaticPathConfig
from homeassistant.core import HomeAssistant

from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)

CARD_FILE = Path(__file__).parent / "frontend" / "status-tracker-card.js"
CARD_URL = f"/{DOMAIN}/status-tracker-card.js"


async def async_register_card(hass: HomeAssistant, version: str) -> bool:
    """Register the card's static path and module URL; False when the frontend is not loaded (tests, headless)."""
    if "frontend" not in hass.config.components:
        return False
    # Imported here: the frontend is an after-dependency, absent from minimal setups.
    from homeassistant.components.frontend import add_extra_js_url  # noqa: PLC0415

    await hass.http.async_register_static_paths([StaticPathConfig(CARD_URL, str(CARD_FILE), True)])
    # The query makes browsers fetch the new card after an update despite the cache headers. The file's own digest
    # changes with every change of the card, also for copies installed by hand or from a branch whose manifest
    # version stayed the same.
    digest = await hass.async_add_executor_job(_digest, CARD_FILE)
    add_extra_js_url(hass, f"{CARD_URL}?v={version}-{digest}")
    _LOGGER.debug("Dashboard card served at %s", CARD_URL)
    return True


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
