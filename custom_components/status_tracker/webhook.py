"""Home Assistant webhooks: one id per calling service, a body reader, and the URLs to show users."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from http import HTTPStatus
import json
import logging
from typing import Any

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.core import HomeAssistant
from homeassistant.helpers.network import NoURLAvailableError

from .const import CONF_ALLOW_EXTERNAL_WEBHOOKS, CONF_WEBHOOK_IDS, DOMAIN

_LOGGER = logging.getLogger(__name__)

# (service, decoded body, from a 4K instance) -> answer
type PayloadHandler = Callable[[str, Any, bool], Awaitable[web.Response]]

# A second Radarr/Sonarr instance for 4K posts to the same URL with ?4k=1 appended.
QUERY_4K = "4k"
_TRUE = frozenset({"1", "true", "yes", "on"})


def webhook_urls(hass: HomeAssistant, webhook_ids: Mapping[str, str]) -> dict[str, str]:
    """The URL each service must call, falling back to the path when HA has no URL configured."""
    urls: dict[str, str] = {}
    for service, webhook_id in webhook_ids.items():
        try:
            urls[service] = webhook.async_generate_url(hass, webhook_id, prefer_external=False)
        except NoURLAvailableError:
            urls[service] = f"<your Home Assistant URL>{webhook.async_generate_path(webhook_id)}"
    return urls


def async_register_webhooks(
    hass: HomeAssistant,
    title: str,
    data: Mapping[str, Any],
    options: Mapping[str, Any],
    on_payload: PayloadHandler,
) -> Callable[[], None]:
    """Register every service's webhook; return the function that unregisters them."""
    # Always a bool: current Home Assistant rejects None.
    local_only = not bool(options.get(CONF_ALLOW_EXTERNAL_WEBHOOKS, False))
    webhook_ids: Mapping[str, str] = data[CONF_WEBHOOK_IDS]
    for service, webhook_id in webhook_ids.items():
        webhook.async_register(
            hass,
            DOMAIN,
            f"{title} ({service})",
            webhook_id,
            partial(_async_handle, service, on_payload),
            local_only=local_only,
            allowed_methods=["POST", "PUT"],
        )

    def unregister() -> None:
        for webhook_id in webhook_ids.values():
            webhook.async_unregister(hass, webhook_id)

    return unregister


async def _async_handle(
    service: str,
    on_payload: PayloadHandler,
    hass: HomeAssistant,
    webhook_id: str,
    request: web.Request,
) -> web.Response:
    """Decode the body as JSON whatever its Content-Type (Jellyfin sends text/plain) and pass it on."""
    raw = await request.read()
    try:
        payload = json.loads(raw)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
        _LOGGER.warning("Ignored a %s webhook whose body is not JSON (%d bytes)", service, len(raw))
        return json_response(HTTPStatus.BAD_REQUEST, "body is not JSON")
    return await on_payload(service, payload, request.query.get(QUERY_4K, "").lower() in _TRUE)


def json_response(status: HTTPStatus, message: str) -> web.Response:
    """A small JSON answer that tells the calling service what happened."""
    return web.json_response({"message": message}, status=status)
