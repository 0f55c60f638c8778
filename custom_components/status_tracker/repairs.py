"""Repair issues for what only the user can fix: missing webhooks and services out of reach for long."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN
from .models import MediaRequest, MediaType, RequestState

SERVICE_NAMES = {"jellyseerr": "Jellyseerr", "radarr": "Radarr", "sonarr": "Sonarr", "jellyfin": "Jellyfin"}


def missing_webhook(request: MediaRequest, created: bool, heard_from: set[str] | dict[str, str]) -> str | None:
    """The service whose webhook should have reached us for this request but never has, if any."""
    if created and request.jellyseerr_request_id is None and "jellyseerr" not in heard_from:
        return "jellyseerr"  # a request we only know from Radarr/Sonarr
    if request.state is RequestState.AVAILABLE:
        arr = "radarr" if request.media_type is MediaType.MOVIE else "sonarr"
        if arr not in heard_from:
            return arr  # it got all the way without a single Grab or import webhook
    return None


def webhook_issue_id(entry_id: str, service: str) -> str:
    """One issue per entry and service."""
    return f"webhook_missing_{service}_{entry_id}"


@callback
def async_create_webhook_issue(hass: HomeAssistant, entry_id: str, service: str, url: str) -> None:
    """Tell the user to add the connection, with the URL to paste."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        webhook_issue_id(entry_id, service),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="webhook_missing",
        translation_placeholders={"service": SERVICE_NAMES[service], "url": url},
    )


@callback
def async_delete_webhook_issue(hass: HomeAssistant, entry_id: str, service: str) -> None:
    """The service's webhook arrived: nothing to fix any more."""
    ir.async_delete_issue(hass, DOMAIN, webhook_issue_id(entry_id, service))


def unreachable_issue_id(entry_id: str, service: str) -> str:
    """One issue per entry and polled service."""
    return f"unreachable_{service.lower()}_{entry_id}"


@callback
def async_create_unreachable_issue(hass: HomeAssistant, entry_id: str, service: str, minutes: int) -> None:
    """A polled service has been failing for a long time."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        unreachable_issue_id(entry_id, service),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="service_unreachable",
        translation_placeholders={"service": service, "minutes": str(minutes)},
    )


@callback
def async_delete_unreachable_issue(hass: HomeAssistant, entry_id: str, service: str) -> None:
    """The service answers again."""
    ir.async_delete_issue(hass, DOMAIN, unreachable_issue_id(entry_id, service))


def auth_issue_id(entry_id: str, service: str) -> str:
    """One issue per entry and service."""
    return f"auth_failed_{service.lower()}_{entry_id}"


@callback
def async_create_auth_issue(hass: HomeAssistant, entry_id: str, service: str) -> None:
    """A service refused the saved credentials; the fix is the reauthentication Home Assistant offers."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        auth_issue_id(entry_id, service),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="auth_failed",
        translation_placeholders={"service": service},
    )


@callback
def async_delete_auth_issue(hass: HomeAssistant, entry_id: str, service: str) -> None:
    """The service accepts the credentials again."""
    ir.async_delete_issue(hass, DOMAIN, auth_issue_id(entry_id, service))
