"""Diagnostics: the entry's settings and every tracked request, with secrets and addresses redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .const import CONF_REQUESTERS, CONF_WEBHOOK_IDS, CONF_WEBHOOK_SECRETS
from .runtime import StatusTrackerConfigEntry

# Webhook ids are secrets too: anyone who knows one can post to it. The requester mapping names people's emails.
TO_REDACT = {
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_URL,
    CONF_WEBHOOK_IDS,
    CONF_WEBHOOK_SECRETS,
    CONF_REQUESTERS,
}
REQUEST_TO_REDACT = {"requested_by_email"}


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: StatusTrackerConfigEntry) -> dict[str, Any]:
    """What a maintainer needs to understand a report."""
    runtime = entry.runtime_data
    downloads = runtime.downloads
    return {
        "entry": {
            "title": entry.title,
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": async_redact_data(dict(entry.options), TO_REDACT),
        },
        "services": {
            "last_webhook": dict(runtime.hub.last_webhook),
            "qbittorrent_polling": downloads is not None and downloads.last_poll_ok,
            "jellyfin_checks_ok": runtime.library.last_poll_ok,
            "library_monitor_delay": runtime.library.monitor_delay,
            "awaited_downloads": len(runtime.hub.awaited_downloads()),
            "awaiting_library": len(runtime.hub.awaiting_library()),
        },
        "store": await runtime.store.async_stats(),
        "tracker": {
            "requests": [
                async_redact_data(request.to_dict(), REQUEST_TO_REDACT) for request in runtime.hub.requests.values()
            ]
        },
    }
