"""Writes our webhook into each connected service's settings, the way Home Assistant's own Seerr integration does.

For each service: read its current settings, ask core/webhook_setup.py what to write (nothing when already right), and
write it to the first of Home Assistant's URLs (internal, then external) that the service can reach, as the
service's own test proves (Seerr's test endpoint; Radarr/Sonarr test on save). When none can, or the service
cannot be configured, a repair issue shows the URL to enter by hand; webhooks pasted by hand keep working
regardless. A service that does not answer is tried again later, with backoff.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
import logging
from typing import Any

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.network import NoURLAvailableError

from .clients import CannotConnectError, InvalidAuthError, ServiceError, WebhookRejectedError
from .clients.arr import ArrClient
from .clients.jellyfin import JellyfinClient
from .clients.seerr import SeerrClient
from .const import CONF_JELLYFIN_WEBHOOK, CONF_WEBHOOK_IDS, CONF_WEBHOOK_SECRETS
from .core.models import ArrApp
from .core.webhook_setup import SeerrTaken, arr_plan, jellyfin_plan, seerr_plan
from .repairs import (
    SERVICE_NAMES,
    async_connection_accepted,
    async_connection_refused,
    async_create_setup_issue,
    async_delete_setup_issue,
)
from .runtime import Clients
from .webhook import QUERY_4K

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Target:
    """One service to configure: which webhook it posts to and how to reach it."""

    key: str  # the entry data section, e.g. "radarr_2"; also the repair issue's service
    service: str  # whose webhook: "jellyseerr", "radarr", "sonarr" or "jellyfin"
    configure: Callable[[list[str]], Awaitable[str | None]]  # candidate URLs -> the URL now configured, None if none
    is_4k: bool = False


def candidate_urls(hass: HomeAssistant, webhook_id: str, *, is_4k: bool = False) -> list[str]:
    """Home Assistant's URLs for a webhook, internal first, without repeats."""
    urls: list[str] = []
    for prefer_external in (False, True):
        try:
            url = webhook.async_generate_url(hass, webhook_id, prefer_external=prefer_external)
        except NoURLAvailableError:
            continue
        url = f"{url}?{QUERY_4K}=1" if is_4k else url
        if url not in urls:
            urls.append(url)
    return urls


def seerr_target(client: SeerrClient, secret: str | None) -> Target:
    """Jellyseerr's webhook agent; tested through Seerr's own test endpoint before it is saved."""

    async def configure(urls: list[str]) -> str | None:
        current = await client.async_get_webhook()
        right, pending = _split([(url, seerr_plan(current, url, secret)) for url in urls])
        if right is not None:
            return right
        for url, plan in pending:
            try:
                await client.async_test_webhook(plan)
            except WebhookRejectedError as err:
                _LOGGER.debug("Jellyseerr could not reach %s: %s", _path_hidden(url), err)
                continue
            await client.async_set_webhook(plan)
            return url
        return None

    return Target("jellyseerr", "jellyseerr", configure)


def arr_target(key: str, client: ArrClient, app: ArrApp, secret: str | None, *, is_4k: bool) -> Target:
    """A Radarr/Sonarr Webhook connection; the *arr tests it when it is saved and refuses it if the test fails."""

    async def configure(urls: list[str]) -> str | None:
        notifications = await client.async_get_notifications()
        # The schema is only needed to write: whether ours is right does not depend on it.
        right, _ = _split([(url, arr_plan(app, notifications, {}, url, secret)) for url in urls])
        if right is not None:
            return right
        schema = await client.async_get_webhook_schema()
        _, pending = _split([(url, arr_plan(app, notifications, schema, url, secret)) for url in urls])
        for url, plan in pending:
            try:
                if plan.get("id"):
                    await client.async_update_notification(plan)
                else:
                    await client.async_create_notification(plan)
            except WebhookRejectedError as err:
                _LOGGER.debug("%s could not reach %s: %s", SERVICE_NAMES[app], _path_hidden(url), err)
                continue
            return url
        return None

    return Target(key, app, configure, is_4k)


def jellyfin_target(client: JellyfinClient, secret: str | None) -> Target:
    """The Jellyfin webhook plugin's Generic destination. The plugin has no test: the first URL is used."""

    async def configure(urls: list[str]) -> str | None:
        configuration = await client.async_get_webhook_plugin_configuration()
        if configuration is None:
            raise _PluginMissingError
        right, pending = _split([(url, jellyfin_plan(configuration, url, secret)) for url in urls])
        if right is not None:
            return right
        url, plan = pending[0]
        await client.async_set_webhook_plugin_configuration(plan)
        return url

    return Target("jellyfin", "jellyfin", configure)


type _Plans = list[tuple[str, dict[str, Any] | None]]


def _split(plans: _Plans) -> tuple[str | None, list[tuple[str, dict[str, Any]]]]:
    """The first URL the service already sends to correctly; else, per URL in order, the settings to write."""
    for url, plan in plans:
        if plan is None:
            return url, []
    return None, [(url, plan) for url, plan in plans if plan is not None]


class _PluginMissingError(ServiceError):
    """The Jellyfin webhook plugin is not installed (or not active)."""


def _path_hidden(url: str) -> str:
    # The webhook id in the path is a secret: log the host only.
    return url.split("/api/webhook/", 1)[0]


class WebhookSetup:
    """Configures every target of one entry, once at setup and again after failures to connect."""

    RETRY_DELAYS = (60, 300, 900, 3600)  # seconds

    def __init__(self, hass: HomeAssistant, entry_id: str, webhook_ids: Mapping[str, str]) -> None:
        self._hass = hass
        self._entry_id = entry_id
        self._webhook_ids = webhook_ids
        # target key -> the URL configured there (diagnostics, tests)
        self.configured: dict[str, str] = {}
        self._attempt = 0
        self._cancel_retry: CALLBACK_TYPE | None = None

    async def async_start(self, targets: list[Target]) -> None:
        """Configure every target now; those whose service did not answer are tried again later."""
        retry = await self.async_run(targets)
        if not retry:
            return
        delay = self.RETRY_DELAYS[min(self._attempt, len(self.RETRY_DELAYS) - 1)]
        self._attempt += 1

        async def again(_now: datetime) -> None:
            self._cancel_retry = None
            await self.async_start(retry)

        self._cancel_retry = async_call_later(self._hass, delay, again)

    @callback
    def async_stop(self) -> None:
        """Cancel a pending retry (the entry unloads)."""
        if self._cancel_retry is not None:
            self._cancel_retry()
            self._cancel_retry = None

    async def async_run(self, targets: list[Target]) -> list[Target]:
        """Configure each target; the ones to try again later (their service did not answer)."""
        retry: list[Target] = []
        for target in targets:
            webhook_id = self._webhook_ids[target.service]
            urls = candidate_urls(self._hass, webhook_id, is_4k=target.is_4k)
            manual = urls[0] if urls else f"<your Home Assistant URL>{webhook.async_generate_path(webhook_id)}"
            name = SERVICE_NAMES[target.service]
            try:
                url = await target.configure(urls) if urls else None
            except SeerrTaken as err:
                _LOGGER.warning("Jellyseerr's webhook already sends elsewhere; left as it is")
                self._issue(target, "webhook_agent_taken", {"url": manual, "other": _path_hidden(err.url)})
                continue
            except _PluginMissingError:
                _LOGGER.info("The Jellyfin webhook plugin is not installed; Jellyfin is polled instead")
                self._issue(target, "jellyfin_plugin_missing", {"url": manual})
                continue
            except CannotConnectError as err:
                _LOGGER.debug("%s could not be configured now: %s", name, err)
                retry.append(target)
                continue
            except ServiceError as err:
                # A Jellyfin key refused here passed setup's check: it lacks administrator rights, which signing in
                # again with it would not fix.
                if isinstance(err, InvalidAuthError) and target.service != "jellyfin":
                    _LOGGER.warning("%s refused its API key; Home Assistant asks for a new one", name)
                    async_connection_refused(self._hass, self._entry_id, target.key)
                    continue
                _LOGGER.warning("%s could not be configured: %s", name, err)
                self._issue(target, "webhook_setup_failed", {"url": manual, "error": str(err)})
                continue
            if urls:  # the service answered with its key
                async_connection_accepted(self._hass, self._entry_id, target.key)
            if url is None:
                _LOGGER.warning("%s could not reach Home Assistant at any of its URLs", name)
                self._issue(target, "webhook_unreachable", {"url": manual})
                continue
            self.configured[target.key] = url
            async_delete_setup_issue(self._hass, self._entry_id, target.key)
        return retry

    @callback
    def _issue(self, target: Target, kind: str, placeholders: dict[str, str]) -> None:
        name = SERVICE_NAMES[target.service] + (" 4K" if target.is_4k else "")
        async_create_setup_issue(self._hass, self._entry_id, target.key, kind, {"service": name, **placeholders})


@callback
def async_start_webhook_setup(hass: HomeAssistant, entry: ConfigEntry, clients: Clients) -> None:
    """Write our webhooks into the connected services, in the background, until the entry unloads."""
    secrets: Mapping[str, str] = entry.options.get(CONF_WEBHOOK_SECRETS) or {}
    targets: list[Target] = []
    if clients.seerr is not None:
        targets.append(seerr_target(clients.seerr, secrets.get("jellyseerr")))
    targets += [arr_target(arr.key, arr.client, arr.app, secrets.get(arr.app), is_4k=arr.is_4k) for arr in clients.arrs]
    if entry.data.get(CONF_JELLYFIN_WEBHOOK):
        targets.append(jellyfin_target(clients.jellyfin, secrets.get("jellyfin")))
    setup = WebhookSetup(hass, entry.entry_id, entry.data[CONF_WEBHOOK_IDS])
    entry.async_on_unload(setup.async_stop)
    if targets:
        entry.async_create_background_task(hass, setup.async_start(targets), "status_tracker webhook setup")
