"""Repair issues for what only the user can fix: missing webhooks, services out of reach for long, refused credentials.

Each kind is one issue per entry and service, raised with the text of its translation key and deleted by the code
path that sees the cause gone.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import ARR_SECTIONS, CONF_RADARR_2, CONF_SONARR_2, DOMAIN, REAUTH_CONNECTION
from .core.models import MediaRequest, MediaType, RequestState

SERVICE_NAMES = {"jellyseerr": "Jellyseerr", "radarr": "Radarr", "sonarr": "Sonarr", "jellyfin": "Jellyfin"}


def connection_name(key: str) -> str:
    """What the user calls a connection section ("jellyseerr", "radarr_2", ...): its form's name, e.g. Second Radarr."""
    name = SERVICE_NAMES[ARR_SECTIONS.get(key, key)]
    return f"Second {name}" if key in (CONF_RADARR_2, CONF_SONARR_2) else name


def missing_webhook(
    request: MediaRequest, created: bool, heard_from: Collection[str], connected: Collection[str]
) -> str | None:
    """The service whose webhook should have reached us for this request but never has, if any.

    Radarr/Sonarr only with evidence that the media went through it: the service is one of the entry's `connected`
    services, or the request records a Grab or an import (caught up from the service's history). Media added by
    hand, or by a user without Radarr/Sonarr, becomes available with neither: that is no missing webhook.
    """
    if created and request.jellyseerr_request_id is None and "jellyseerr" not in heard_from:
        return "jellyseerr"  # a request we only know from Radarr/Sonarr
    if request.state is RequestState.AVAILABLE:
        arr = "radarr" if request.media_type is MediaType.MOVIE else "sonarr"
        went_through = bool(request.download_ids or request.final_paths)
        if arr not in heard_from and (arr in connected or went_through):
            return arr  # it got all the way without a single Grab or import webhook
    return None


def connected_services(data: Mapping[str, object]) -> frozenset[str]:
    """The *arr services an entry's data connects (a Radarr/Sonarr section with a URL): they are in use for sure."""
    sections = ((app, data.get(key)) for key, app in ARR_SECTIONS.items())
    return frozenset(app for app, section in sections if isinstance(section, Mapping) and section.get(CONF_URL))


def issue_id(kind: str, entry_id: str, service: str) -> str:
    """The id of one kind of issue ("webhook_missing", "unreachable", "auth_failed") for an entry's service."""
    return f"{kind}_{service.lower()}_{entry_id}"


# kind -> (translation key, severity)
_KINDS = {
    "webhook_missing": ("webhook_missing", ir.IssueSeverity.WARNING),
    "unreachable": ("service_unreachable", ir.IssueSeverity.ERROR),
    "auth_failed": ("auth_failed", ir.IssueSeverity.ERROR),
    "store_unreadable": ("store_unreadable", ir.IssueSeverity.ERROR),
}


@callback
def _create(
    hass: HomeAssistant,
    kind: str,
    entry_id: str,
    service: str,
    placeholders: dict[str, str],
    *,
    acknowledge: bool = False,
) -> None:
    key, severity = _KINDS[kind]
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(kind, entry_id, service),
        # Nothing to repair, only to read: the fix flow is a confirmation that removes the issue.
        is_fixable=acknowledge,
        is_persistent=acknowledge,
        severity=severity,
        translation_key=key,
        translation_placeholders=placeholders,
    )


@callback
def async_create_webhook_issue(hass: HomeAssistant, entry_id: str, service: str, url: str) -> None:
    """Tell the user to add the connection, with the URL to paste."""
    _create(hass, "webhook_missing", entry_id, service, {"service": SERVICE_NAMES[service], "url": url})


@callback
def async_delete_webhook_issue(hass: HomeAssistant, entry_id: str, service: str) -> None:
    """The service's webhook arrived: nothing to fix any more."""
    ir.async_delete_issue(hass, DOMAIN, issue_id("webhook_missing", entry_id, service))


@callback
def async_create_unreachable_issue(hass: HomeAssistant, entry_id: str, service: str, minutes: int) -> None:
    """A polled service has been failing for a long time."""
    _create(hass, "unreachable", entry_id, service, {"service": service, "minutes": str(minutes)})


@callback
def async_delete_unreachable_issue(hass: HomeAssistant, entry_id: str, service: str) -> None:
    """The service answers again."""
    ir.async_delete_issue(hass, DOMAIN, issue_id("unreachable", entry_id, service))


@callback
def async_create_auth_issue(hass: HomeAssistant, entry_id: str, service: str) -> None:
    """A service refused the saved credentials; the fix is the reauthentication Home Assistant offers."""
    _create(hass, "auth_failed", entry_id, service, {"service": service})


@callback
def async_delete_auth_issue(hass: HomeAssistant, entry_id: str, service: str) -> None:
    """The service accepts the credentials again."""
    ir.async_delete_issue(hass, DOMAIN, issue_id("auth_failed", entry_id, service))


@callback
def async_connection_refused(hass: HomeAssistant, entry_id: str, key: str) -> None:
    """A Jellyseerr/Radarr/Sonarr connection refused its API key (zero-touch setup, catch-up).

    The same issue as a poller's refused credentials, and a reauthentication that asks for that connection's key.
    """
    _create(hass, "auth_failed", entry_id, key, {"service": connection_name(key)})
    if (entry := hass.config_entries.async_get_entry(entry_id)) is not None:
        entry.async_start_reauth(hass, data={REAUTH_CONNECTION: key})


@callback
def async_connection_accepted(hass: HomeAssistant, entry_id: str, key: str) -> None:
    """The connection's API key works (again)."""
    ir.async_delete_issue(hass, DOMAIN, issue_id("auth_failed", entry_id, key))


@callback
def async_create_store_issue(hass: HomeAssistant, entry_id: str, backup_path: str, problem: str) -> None:
    """The saved requests could not be read: say where they were kept. It stays until the user acknowledges it."""
    _create(
        hass, "store_unreadable", entry_id, "storage", {"backup": backup_path, "problem": problem}, acknowledge=True
    )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Only the unreadable-store issue is fixable, by acknowledging it."""
    return ConfirmRepairFlow()


@callback
def async_create_setup_issue(
    hass: HomeAssistant, entry_id: str, target: str, situation: str, placeholders: dict[str, str]
) -> None:
    """A service could not be configured to send its webhooks (webhook_setup.py): why, and what to enter by hand.

    One issue per entry and service; `situation` is its translation key.
    """
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id("webhook_setup", entry_id, target),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=situation,
        translation_placeholders=placeholders,
    )


@callback
def async_delete_setup_issue(hass: HomeAssistant, entry_id: str, target: str) -> None:
    """The service is configured now."""
    ir.async_delete_issue(hass, DOMAIN, issue_id("webhook_setup", entry_id, target))
