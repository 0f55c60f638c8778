"""Home Assistant webhooks: one id per calling service, a body reader, and the URLs to show users."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
import logging
from typing import Any

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_bytes
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.util.json import json_loads

from .const import (
    CONF_ALLOW_EXTERNAL_WEBHOOKS,
    CONF_JELLYFIN,
    CONF_WEBHOOK_IDS,
    CONF_WEBHOOK_SECRETS,
    DOMAIN,
    MAX_BODY_BYTES,
)
from .core.parsers.jellyfin import repair_backslashes
from .webhook_auth import is_authorized

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
    secrets: Mapping[str, str] = options.get(CONF_WEBHOOK_SECRETS) or {}
    for service, webhook_id in webhook_ids.items():
        webhook.async_register(
            hass,
            DOMAIN,
            f"{title} ({service})",
            webhook_id,
            _Endpoint(service, secrets.get(service) or None, on_payload).async_handle,
            local_only=local_only,
            allowed_methods=["POST", "PUT"],
        )

    def unregister() -> None:
        for webhook_id in webhook_ids.values():
            webhook.async_unregister(hass, webhook_id)

    return unregister


@dataclass(frozen=True, slots=True)
class _Endpoint:
    """One service's webhook: who may post, and where the decoded body goes."""

    service: str
    secret: str | None
    on_payload: PayloadHandler

    async def async_handle(self, hass: HomeAssistant, webhook_id: str, request: web.Request) -> web.Response:
        """Check the secret and the size, decode the body as JSON whatever its Content-Type (Jellyfin sends
        text/plain), and pass it on.
        """
        service = self.service
        if not is_authorized(service, self.secret, request.headers):
            _LOGGER.warning("Refused a %s webhook without the right secret", service)
            return json_response(HTTPStatus.UNAUTHORIZED, "missing or wrong secret")
        raw = await _async_read_limited(request)
        if raw is None:
            _LOGGER.warning("Refused a %s webhook larger than %d bytes", service, MAX_BODY_BYTES)
            return json_response(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large")
        try:
            payload = _decode(service, raw)
        except ValueError:  # bad JSON, bad UTF-8, or nesting deeper than the decoder allows
            _LOGGER.warning("Ignored a %s webhook whose body is not JSON (%d bytes)", service, len(raw))
            return json_response(HTTPStatus.BAD_REQUEST, "body is not JSON")
        return await self.on_payload(service, payload, request.query.get(QUERY_4K, "").lower() in _TRUE)


def _decode(service: str, raw: bytes) -> Any:
    """The body as JSON; ValueError when it is not.

    Only for Jellyfin, and only once a plain decode failed: the plugin's template leaves a backslash in a Name or
    SeriesName unescaped, so such a body is decoded again with its stray backslashes escaped.
    """
    try:
        return json_loads(raw)
    except ValueError:
        if service != CONF_JELLYFIN:
            raise
        repaired = repair_backslashes(raw.decode("utf-8"))  # UnicodeDecodeError is a ValueError too
        if repaired is None:
            raise
        payload = json_loads(repaired)
        _LOGGER.debug("Read a Jellyfin webhook body after escaping backslashes its template left raw")
        return payload


async def _async_read_limited(request: web.Request) -> bytes | None:
    """The body, or None as soon as it is known to exceed MAX_BODY_BYTES (chunked bodies included)."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return None
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return bytes(body)


def json_response(status: HTTPStatus, message: str) -> web.Response:
    """A small JSON answer that tells the calling service what happened."""
    return web.Response(body=json_bytes({"message": message}), status=status, content_type="application/json")
