"""Repair issues for what only the user can fix: missing webhooks, services out of reach for long, refused credentials.

Each kind is one issue per entry and service, raised with the text of its translation key and deleted by the code
path that sees the cause gone. Also Home Assistant's repairs platform: the fix flows of the two fixable issues, the
stuck requests' (stuck.py raises it and runs the remedies picked in its flow) and the unreadable store's.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from homeassistant import data_entry_flow
from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.selector import SelectOptionDict, SelectSelector, SelectSelectorConfig, SelectSelectorMode
import voluptuous as vol

from .cause_text import async_load_texts, error_text, remedy_name
from .const import ARR_SECTIONS, CONF_RADARR_2, CONF_SONARR_2, DOMAIN, REAUTH_CONNECTION
from .core.models import MediaRequest, MediaType, RequestState

if TYPE_CHECKING:
    # Only named in annotations: the runtime and the stuck check import this module.
    from .runtime import StatusTrackerConfigEntry
    from .stuck import StuckRequests

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


_STUCK_REQUESTS = "stuck_requests"
_REMEDIES_FIELD = "remedies"

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


def stuck_issue_id(entry_id: str) -> str:
    """The id of an entry's stuck requests issue."""
    return f"{_STUCK_REQUESTS}_{entry_id}"


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """The stuck requests issue offers their remedies; the unreadable-store issue is acknowledged."""
    if issue_id.startswith(f"{_STUCK_REQUESTS}_") and data and isinstance(entry_id := data.get("entry_id"), str):
        return StuckRequestsRepairFlow(entry_id)
    return ConfirmRepairFlow()


class StuckRequestsRepairFlow(RepairsFlow):
    """The stuck requests issue's fix flow: the remedy each stuck request's cause calls for, picked and run.

    The form lists the stuck requests with their causes (the issue's lines) and offers, for each one a remedy can
    move (search, replace_download, rescan_library; remedies.offered), that remedy, all selected. Each one picked
    runs as its action does (the same calls, the same timeline entry, with source "repair"; stuck.py's
    `async_fix`). A refusal or a failing service is shown in the form in Home Assistant's language, with the failed
    ones selected again; the others have run. Once all ran, the flow ends saying what each did, and the issue
    stays: the requests are stuck until they move (the stuck check removes it then). Ending with an entry would
    delete it only until the next check raised it again.
    """

    def __init__(self, entry_id: str) -> None:
        self._entry_id = entry_id

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> data_entry_flow.FlowResult:
        """The flow starts with the issue's id as its input: show the form."""
        return await self.async_step_fix()

    async def async_step_fix(self, user_input: dict[str, Any] | None = None) -> data_entry_flow.FlowResult:
        """The form, and the remedies picked in it."""
        entry: StatusTrackerConfigEntry | None = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        stuck = entry.runtime_data.library.stuck
        await async_load_texts(self.hass)
        lines, offered = stuck.fix_offers()
        # One remedy per cause, so the request id is the option's value.
        offers = {request.request_id: (request, remedy) for request, remedy in offered}
        if not offers:
            return self.async_abort(reason="no_remedy")
        errors: dict[str, str] = {}
        failures: list[str] = []
        selected = list(offers)
        if user_input is not None:
            picked = [offers[rid] for rid in user_input.get(_REMEDIES_FIELD, []) if rid in offers]
            if not picked:
                errors[_REMEDIES_FIELD] = "nothing_chosen"
            else:
                done, failed = await self._async_run(stuck, picked)
                if not failed:
                    return self.async_abort(reason="remedies_started", description_placeholders={"done": done})
                errors["base"] = "remedy_failed"
                selected = [request.request_id for request, _ in failed]
                failures = [line for _, line in failed]
        options = [
            SelectOptionDict(value=rid, label=f"{request.title}: {remedy_name(self.hass, remedy)}")
            for rid, (request, remedy) in offers.items()
        ]
        select = SelectSelectorConfig(options=options, multiple=True, mode=SelectSelectorMode.LIST)
        return self.async_show_form(
            step_id="fix",
            data_schema=vol.Schema({vol.Required(_REMEDIES_FIELD, default=selected): SelectSelector(select)}),
            errors=errors,
            description_placeholders={"causes": "\n".join(lines), "failures": "\n".join(failures)},
        )

    async def _async_run(
        self, stuck: StuckRequests, picked: list[tuple[MediaRequest, str]]
    ) -> tuple[str, list[tuple[MediaRequest, str]]]:
        """Run each picked remedy (one failing does not stop the others): the lines of what was done, and the
        failed ones with their lines."""
        done: list[str] = []
        failed: list[tuple[MediaRequest, str]] = []
        for request, remedy in picked:
            try:
                message = await stuck.async_fix(request, remedy)
            except HomeAssistantError as err:
                name = remedy_name(self.hass, remedy)
                failed.append((request, f"- {request.title} ({name}): {error_text(self.hass, err)}"))
            else:
                done.append(f"- {request.title}: {message}")
        return "\n".join(done), failed


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
