"""Home Assistant webhooks: one id per calling service, from an HTTP request to the hub and back to an answer.

Each service's endpoint authorises the request (webhook_auth.py), limits and decodes its body; the receiver parses it
into events, hands them to the hub and answers what happened. The receiver also owns the "webhook missing" repair
issue: it raises it when a published change shows a service never called, and deletes it when the service does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
import logging
from typing import Any

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
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
from .core.changes import Change
from .core.models import AnimeRules
from .core.parsers import InvalidPayload, ParseResult, jellyfin, jellyseerr, radarr, sonarr
from .core.parsers.jellyfin import repair_backslashes
from .hub import Hub
from .repairs import async_create_webhook_issue, async_delete_webhook_issue, connected_services, missing_webhook
from .storage import StoreWriteError
from .webhook_auth import is_authorized

_LOGGER = logging.getLogger(__name__)

# (service, decoded body, from a 4K instance) -> answer
type PayloadHandler = Callable[[str, Any, bool], Awaitable[web.Response]]
type Parser = Callable[[Any, AnimeRules, bool], ParseResult]

# Only the *arr payloads cannot tell a 4K instance from a regular one; Jellyseerr says so itself.
PARSERS: Mapping[str, Parser] = {
    "jellyseerr": lambda payload, rules, _is_4k: jellyseerr.parse_result(payload, rules),
    "radarr": lambda payload, rules, is_4k: radarr.parse_result(payload, rules, is_4k=is_4k),
    "sonarr": lambda payload, rules, is_4k: sonarr.parse_result(payload, rules, is_4k=is_4k),
    "jellyfin": lambda payload, rules, _is_4k: jellyfin.parse_result(payload, rules),
}

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


@callback
def async_register_webhooks(hass: HomeAssistant, entry: ConfigEntry, hub: Hub) -> CALLBACK_TYPE:
    """Register every service's webhook and watch for missing ones; return the function that undoes both."""
    # Always a bool: current Home Assistant rejects None.
    local_only = not bool(entry.options.get(CONF_ALLOW_EXTERNAL_WEBHOOKS, False))
    webhook_ids: Mapping[str, str] = entry.data[CONF_WEBHOOK_IDS]
    secrets: Mapping[str, str] = entry.options.get(CONF_WEBHOOK_SECRETS) or {}
    receiver = _Receiver(hass, entry, hub, webhook_urls(hass, webhook_ids))
    for service, webhook_id in webhook_ids.items():
        webhook.async_register(
            hass,
            DOMAIN,
            f"{entry.title} ({service})",
            webhook_id,
            _Endpoint(service, secrets.get(service) or None, receiver.async_receive).async_handle,
            local_only=local_only,
            allowed_methods=["POST", "PUT"],
        )
    stop_watching = hub.async_add_changes_listener(receiver.async_check_missing)

    @callback
    def unregister() -> None:
        stop_watching()
        for webhook_id in webhook_ids.values():
            webhook.async_unregister(hass, webhook_id)

    return unregister


class _Receiver:
    """From a decoded body to the hub; and the repair issue of a service whose webhook never arrives."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, hub: Hub, urls: Mapping[str, str]) -> None:
        self._hass = hass
        self._entry = entry
        self._hub = hub
        # Where each service should post, shown in the repair issue.
        self._urls = urls

    async def async_receive(self, service: str, payload: Any, is_4k: bool) -> web.Response:
        """Parse one webhook body and apply it; the answer tells the service what happened."""
        hub = self._hub
        try:
            result = PARSERS[service](payload, hub.rules, is_4k)
        except InvalidPayload as err:
            _LOGGER.warning("Ignored a %s webhook: field %s %s", service, err.field, err.message)
            return json_response(HTTPStatus.UNPROCESSABLE_ENTITY, f"invalid field {err.field}: {err.message}")

        if service not in hub.last_webhook:
            async_delete_webhook_issue(self._hass, hub.entry_id, service)
        try:
            changes = await hub.async_webhook_received(service, () if result.ignored is not None else result.events)
        except StoreWriteError:
            # Not acknowledged: the sender shows the failure (the change is kept and written once the disk works).
            return json_response(HTTPStatus.SERVICE_UNAVAILABLE, "not saved: the disk could not be written")
        if result.ignored is not None:
            _LOGGER.debug("Ignored a %s webhook: %s", service, result.ignored)
            return json_response(HTTPStatus.OK, f"ignored: {result.ignored}")
        _LOGGER.debug("%s webhook: %d event(s), %d change(s)", service, len(result.events), len(changes))
        return json_response(HTTPStatus.OK, f"applied {len(changes)} change(s)")

    @callback
    def async_check_missing(self, changes: Sequence[Change]) -> None:
        """Raise the repair issue for a service whose webhook these changes show never reached us."""
        hub = self._hub
        connected = connected_services(self._entry.data)
        for change in changes:
            request = hub.get(change.request_id)
            if request is None:  # pragma: no cover - removed by a listener of the events just fired
                continue
            missing = missing_webhook(request, change.created, hub.last_webhook, connected)
            if missing and (url := self._urls.get(missing)):
                async_create_webhook_issue(self._hass, hub.entry_id, missing, url)


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
