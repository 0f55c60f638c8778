"""The optional links to Jellyseerr, Radarr, Sonarr and the Jellyfin webhook plugin (issue 8).

Through them the integration writes its own webhooks into those services (webhook_setup.py) and catches up with
what their webhooks missed (reconcile.py). Without them everything works as before, from webhooks pasted by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .catchup import ArrSource, Reconciler
from .clients.arr import ArrClient
from .clients.jellyfin import JellyfinClient
from .clients.seerr import SeerrClient
from .const import (
    ARR_SECTIONS,
    CONF_IS_4K,
    CONF_JELLYFIN_WEBHOOK,
    CONF_JELLYSEERR,
    CONF_REQUEST_TIMEOUT,
    CONF_WEBHOOK_IDS,
    CONF_WEBHOOK_SECRETS,
    DEFAULT_REQUEST_TIMEOUT,
    EVENT_REQUEST_STUCK,
)
from .runtime import StatusTrackerConfigEntry
from .webhook_setup import Target, WebhookSetup, arr_target, jellyfin_target, seerr_target


def _connections(hass: HomeAssistant, entry: StatusTrackerConfigEntry) -> tuple[list[Target], Reconciler]:
    """The optional connections: whose webhook settings the integration writes, and what it catches up from."""
    session = async_get_clientsession(hass)
    timeout = float(entry.options.get(CONF_REQUEST_TIMEOUT, DEFAULT_REQUEST_TIMEOUT))
    secrets: Mapping[str, str] = entry.options.get(CONF_WEBHOOK_SECRETS) or {}
    targets: list[Target] = []
    seerr = None
    if (seerr_conf := entry.data.get(CONF_JELLYSEERR) or {}).get(CONF_URL):
        seerr = SeerrClient(session, seerr_conf[CONF_URL], seerr_conf[CONF_API_KEY], timeout=timeout)
        targets.append(seerr_target(seerr, secrets.get("jellyseerr")))
    arrs: list[ArrSource] = []
    for key, app in ARR_SECTIONS.items():
        if (arr := entry.data.get(key) or {}).get(CONF_URL):
            source = ArrSource(
                key,
                ArrClient(session, arr[CONF_URL], arr[CONF_API_KEY], app, timeout=timeout),
                app,
                bool(arr.get(CONF_IS_4K)),
            )
            arrs.append(source)
            targets.append(arr_target(key, source.client, app, secrets.get(app), is_4k=source.is_4k))
    if entry.data.get(CONF_JELLYFIN_WEBHOOK):
        jellyfin = JellyfinClient(session, entry.data[CONF_URL], entry.data[CONF_API_KEY], timeout=timeout)
        targets.append(jellyfin_target(jellyfin, secrets.get("jellyfin")))
    return targets, Reconciler(hass, entry.runtime_data.hub, seerr, arrs)


def async_start_service_links(hass: HomeAssistant, entry: StatusTrackerConfigEntry) -> None:
    """Write our webhooks into the connected services and catch up with them, in the background; again when a
    request is flagged stuck (the catch-up only).
    """
    targets, reconciler = _connections(hass, entry)
    setup = WebhookSetup(hass, entry.entry_id, entry.data[CONF_WEBHOOK_IDS])
    entry.async_on_unload(setup.async_stop)
    if targets:
        entry.async_create_background_task(hass, setup.async_start(targets), "status_tracker webhook setup")
    if not reconciler.configured:
        return
    entry.async_create_background_task(hass, reconciler.async_run(), "status_tracker catch-up")

    @callback
    def on_stuck(event: Event[dict[str, Any]]) -> None:
        entry.async_create_background_task(hass, reconciler.async_run_if_due(), "status_tracker catch-up")

    entry.async_on_unload(
        hass.bus.async_listen(
            EVENT_REQUEST_STUCK, on_stuck, event_filter=callback(lambda data: data.get("entry_id") == entry.entry_id)
        )
    )
