"""Config flow: user, reauth, reconfigure and options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components import webhook
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .const import (
    ARR_SECTIONS,
    CONF_ALLOW_EXTERNAL_WEBHOOKS,
    CONF_ANIME_PATH_PREFIXES,
    CONF_ANIME_TAG,
    CONF_DOWNLOAD_POLL_INTERVAL,
    CONF_IS_4K,
    CONF_JELLYFIN_WEBHOOK,
    CONF_JELLYSEERR,
    CONF_KEEP_FINISHED_DAYS,
    CONF_LIBRARY_POLL_INTERVAL,
    CONF_MAX_REQUESTS,
    CONF_QBITTORRENT,
    CONF_REQUEST_TIMEOUT,
    CONF_REQUESTERS,
    CONF_SHOKO,
    CONF_STUCK_AFTER,
    CONF_WEBHOOK_IDS,
    CONF_WEBHOOK_SECRETS,
    DEFAULT_ALLOW_EXTERNAL_WEBHOOKS,
    DEFAULT_ANIME_TAG,
    DEFAULT_DOWNLOAD_POLL_INTERVAL,
    DEFAULT_KEEP_FINISHED_DAYS,
    DEFAULT_LIBRARY_POLL_INTERVAL,
    DEFAULT_MAX_REQUESTS,
    DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_STUCK_AFTER,
    DOMAIN,
    REAUTH_CONNECTION,
    WEBHOOK_SERVICES,
)
from .core.requesters import InvalidRequesterLineError, parse_requesters
from .repairs import connection_name
from .validation import (
    JELLYFIN,
    SECRET_PROBLEMS,
    ServiceCheck,
    async_check_connection,
    async_check_services,
    error_key,
)
from .webhook import webhook_urls

_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
_SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_TEXT = TextSelector()

# Radarr/Sonarr connections: each may be the 4K instance Jellyseerr sends 4K requests to.
_ARR_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional(key, default={}): section(
        vol.Schema(
            {
                vol.Optional(CONF_URL): _URL,
                vol.Optional(CONF_API_KEY): _SECRET,
                vol.Optional(CONF_IS_4K, default=False): BooleanSelector(),
            }
        ),
        {"collapsed": True},
    )
    for key in ARR_SECTIONS
}

USER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_URL): _URL,
        vol.Required(CONF_API_KEY): _SECRET,
        # With the Jellyfin fields it acts on (the form shows fields in this order).
        vol.Optional(CONF_JELLYFIN_WEBHOOK, default=True): BooleanSelector(),
        vol.Required(CONF_QBITTORRENT): section(
            vol.Schema(
                {
                    vol.Optional(CONF_URL): _URL,
                    vol.Optional(CONF_USERNAME): _TEXT,
                    vol.Optional(CONF_PASSWORD): _SECRET,
                }
            ),
            {"collapsed": True},
        ),
        vol.Required(CONF_SHOKO): section(
            vol.Schema({vol.Optional(CONF_URL): _URL, vol.Optional(CONF_API_KEY): _SECRET}),
            {"collapsed": True},
        ),
        # Optional, unlike the sections above: entries made before they existed, and API clients, may leave them out.
        vol.Optional(CONF_JELLYSEERR, default={}): section(
            vol.Schema({vol.Optional(CONF_URL): _URL, vol.Optional(CONF_API_KEY): _SECRET}),
            {"collapsed": True},
        ),
        **_ARR_FIELDS,
    }
)


def _seconds(minimum: int, maximum: int) -> vol.All:
    return vol.All(
        NumberSelector(
            NumberSelectorConfig(
                min=minimum,
                max=maximum,
                step=1,
                mode=NumberSelectorMode.BOX,
                unit_of_measurement="s",
            )
        ),
        vol.Coerce(int),
    )


OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_DOWNLOAD_POLL_INTERVAL, default=DEFAULT_DOWNLOAD_POLL_INTERVAL): _seconds(1, 300),
        vol.Required(CONF_LIBRARY_POLL_INTERVAL, default=DEFAULT_LIBRARY_POLL_INTERVAL): _seconds(10, 3600),
        vol.Required(CONF_REQUEST_TIMEOUT, default=DEFAULT_REQUEST_TIMEOUT): _seconds(1, 120),
        vol.Required(CONF_STUCK_AFTER, default=DEFAULT_STUCK_AFTER): vol.All(
            NumberSelector(
                NumberSelectorConfig(min=5, max=10080, step=1, mode=NumberSelectorMode.BOX, unit_of_measurement="min")
            ),
            vol.Coerce(int),
        ),
        vol.Required(CONF_ANIME_TAG, default=DEFAULT_ANIME_TAG): _TEXT,
        vol.Optional(CONF_ANIME_PATH_PREFIXES, default=[]): TextSelector(TextSelectorConfig(multiple=True)),
        vol.Required(CONF_ALLOW_EXTERNAL_WEBHOOKS, default=DEFAULT_ALLOW_EXTERNAL_WEBHOOKS): BooleanSelector(),
        vol.Required(CONF_KEEP_FINISHED_DAYS, default=DEFAULT_KEEP_FINISHED_DAYS): vol.All(
            NumberSelector(
                NumberSelectorConfig(min=0, max=3650, step=1, mode=NumberSelectorMode.BOX, unit_of_measurement="d")
            ),
            vol.Coerce(int),
        ),
        vol.Required(CONF_MAX_REQUESTS, default=DEFAULT_MAX_REQUESTS): vol.All(
            NumberSelector(NumberSelectorConfig(min=100, max=100000, step=1, mode=NumberSelectorMode.BOX)),
            vol.Coerce(int),
        ),
        vol.Optional(CONF_REQUESTERS, default=[]): TextSelector(TextSelectorConfig(multiple=True)),
        vol.Required(CONF_WEBHOOK_SECRETS): section(
            vol.Schema({vol.Optional(service): _SECRET for service in WEBHOOK_SERVICES}),
            {"collapsed": True},
        ),
    }
)


_REAUTH_QBT_PASSWORD = f"{CONF_QBITTORRENT}_{CONF_PASSWORD}"
_REAUTH_SHOKO_KEY = f"{CONF_SHOKO}_{CONF_API_KEY}"
# The field of each service's secret on the reauth form.
_REAUTH_SECRET_FIELDS = {JELLYFIN: CONF_API_KEY, CONF_QBITTORRENT: _REAUTH_QBT_PASSWORD, CONF_SHOKO: _REAUTH_SHOKO_KEY}
_CONNECTIONS = (CONF_JELLYSEERR, *ARR_SECTIONS)
_BASE = "base"


def _form_errors(check: ServiceCheck) -> dict[str, str]:
    """The user/reconfigure form's errors: Jellyfin's under its URL or API key, a section's above that section."""
    errors: dict[str, str] = {}
    for service, problem in check.problems.items():
        if service == JELLYFIN:
            errors[CONF_API_KEY if problem in SECRET_PROBLEMS else CONF_URL] = error_key(service, problem)
        else:
            errors[service] = error_key(service, problem)
    return errors


def _reauth_errors(check: ServiceCheck) -> dict[str, str]:
    """The reauth form's errors: a refused secret under its field; the rest (an address) for the whole form."""
    errors: dict[str, str] = {}
    for service, problem in check.problems.items():
        field = _REAUTH_SECRET_FIELDS[service] if problem in SECRET_PROBLEMS else _BASE
        errors[field] = error_key(service, problem)
    return errors


def _reauth_schema(entry_data: Mapping[str, Any]) -> vol.Schema:
    """Ask again for each secret of the polled services the entry holds."""
    fields: dict[vol.Marker, Any] = {vol.Required(CONF_API_KEY): _SECRET}
    if entry_data.get(CONF_QBITTORRENT, {}).get(CONF_URL):
        fields[vol.Optional(_REAUTH_QBT_PASSWORD)] = _SECRET
    if entry_data.get(CONF_SHOKO, {}).get(CONF_URL):
        fields[vol.Optional(_REAUTH_SHOKO_KEY)] = _SECRET
    return vol.Schema(fields)


class StatusTrackerConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up status_tracker against one Jellyfin server."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        """Start with no pending entry."""
        self._pending: ServiceCheck | None = None
        # The Jellyseerr/Radarr/Sonarr section whose API key the reauth step asks for, if one refused it.
        self._reauth_connection = ""

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> StatusTrackerOptionsFlow:
        """Options are edited in their own flow."""
        return StatusTrackerOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the services and check each one before creating the entry."""
        errors: dict[str, str] = {}
        if user_input is not None:
            check = await async_check_services(self.hass, user_input)
            errors = _form_errors(check)
            if check.server is not None and not errors:
                await self.async_set_unique_id(check.server.server_id)
                self._abort_if_unique_id_configured()
                webhook_ids = {service: webhook.async_generate_id() for service in WEBHOOK_SERVICES}
                urls = webhook_urls(self.hass, webhook_ids)
                return self.async_create_entry(
                    title=check.server.name,
                    data={**check.data, CONF_WEBHOOK_IDS: webhook_ids},
                    description_placeholders=urls,
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(USER_SCHEMA, user_input),
            errors=errors,
        )

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Change URLs and credentials of the same Jellyfin server."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            check = await async_check_services(self.hass, user_input)
            errors = _form_errors(check)
            if check.server is not None and not errors:
                await self.async_set_unique_id(check.server.server_id)
                self._abort_if_unique_id_mismatch(reason="wrong_server")
                # The update listener reloads the entry; no reload-and-abort helper (see README).
                self.hass.config_entries.async_update_entry(entry, data={**entry.data, **check.data})
                return self.async_abort(reason="reconfigure_successful")
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(USER_SCHEMA, user_input or entry.data),
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """A service refused our credentials: a Jellyseerr/Radarr/Sonarr connection says which (REAUTH_CONNECTION)."""
        key = entry_data.get(REAUTH_CONNECTION)
        if key in _CONNECTIONS and (entry_data.get(key) or {}).get(CONF_URL):
            self._reauth_connection = key
            return await self.async_step_reauth_connection()
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for new secrets of Jellyfin, qBittorrent and Shoko, check them, and keep everything else."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _with_new_secrets(entry.data, user_input)
            check = await async_check_services(self.hass, _typed(data, user_input))
            errors = _reauth_errors(check)
            if check.server is not None and not errors:
                await self.async_set_unique_id(check.server.server_id)
                self._abort_if_unique_id_mismatch(reason="wrong_server")
                return self._async_update_reload_and_abort(entry, data)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=_reauth_schema(entry.data),
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    async def async_step_reauth_connection(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the API key a Jellyseerr/Radarr/Sonarr connection refused; only that key changes."""
        entry = self._get_reauth_entry()
        key = self._reauth_connection
        section = dict(entry.data[key])
        errors: dict[str, str] = {}
        if user_input is not None:
            section[CONF_API_KEY] = user_input[CONF_API_KEY]
            if (problem := await async_check_connection(self.hass, key, section)) is None:
                return self._async_update_reload_and_abort(entry, {**entry.data, key: section})
            errors[CONF_API_KEY if problem in SECRET_PROBLEMS else _BASE] = error_key(key, problem)
        return self.async_show_form(
            step_id="reauth_connection",
            data_schema=vol.Schema({vol.Required(CONF_API_KEY): _SECRET}),
            errors=errors,
            description_placeholders={"service": connection_name(key), "url": section[CONF_URL]},
        )

    @callback
    def _async_update_reload_and_abort(self, entry: ConfigEntry, data: dict[str, Any]) -> ConfigFlowResult:
        """Save the new data and reload the entry once.

        The update listener reloads a loaded entry whose data changed. An entry whose setup failed has no listener,
        and the same secret typed again changes nothing: those are reloaded here. Home Assistant's
        async_update_reload_and_abort would reload twice next to the listener (deprecated from 2026.6).
        """
        # Read before the update: the listener's reload may already be unloading the entry when it returns.
        loaded = entry.state is ConfigEntryState.LOADED
        changed = self.hass.config_entries.async_update_entry(entry, data=data)
        if not changed or not loaded:
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
        return self.async_abort(reason="reauth_successful")


def _with_new_secrets(data: Mapping[str, Any], user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The entry data with the secrets typed in the reauth form; everything else as it is."""
    new = {**data, CONF_API_KEY: user_input[CONF_API_KEY]}
    if password := user_input.get(_REAUTH_QBT_PASSWORD):
        new[CONF_QBITTORRENT] = {**data[CONF_QBITTORRENT], CONF_PASSWORD: password}
    if api_key := user_input.get(_REAUTH_SHOKO_KEY):
        new[CONF_SHOKO] = {**data[CONF_SHOKO], CONF_API_KEY: api_key}
    return new


def _typed(data: Mapping[str, Any], user_input: Mapping[str, Any]) -> dict[str, Any]:
    """What the reauth form checks: Jellyfin (it names the server), and qBittorrent or Shoko if a secret was typed."""
    return {
        CONF_URL: data[CONF_URL],
        CONF_API_KEY: data[CONF_API_KEY],
        CONF_QBITTORRENT: data[CONF_QBITTORRENT] if user_input.get(_REAUTH_QBT_PASSWORD) else {},
        CONF_SHOKO: data[CONF_SHOKO] if user_input.get(_REAUTH_SHOKO_KEY) else {},
    }


class StatusTrackerOptionsFlow(OptionsFlow):
    """Polling, timeouts, anime detection, webhook exposure and who is told of a request."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options, with the webhook URLs to paste into each service."""
        errors: dict[str, str] = {}
        placeholders = webhook_urls(self.hass, self.config_entry.data[CONF_WEBHOOK_IDS])
        requesters = [line.strip() for line in (user_input or {}).get(CONF_REQUESTERS, []) if line.strip()]
        try:
            parse_requesters(requesters)
        except InvalidRequesterLineError as err:
            errors[CONF_REQUESTERS] = "invalid_requester"
            placeholders["line"] = err.line
        if user_input is not None and not errors:
            prefixes = [p.strip() for p in user_input.get(CONF_ANIME_PATH_PREFIXES, []) if p.strip()]
            secrets = {
                service: secret.strip()
                for service, secret in (user_input.get(CONF_WEBHOOK_SECRETS) or {}).items()
                if secret and secret.strip()
            }
            return self.async_create_entry(
                data={
                    **user_input,
                    CONF_ANIME_TAG: user_input[CONF_ANIME_TAG].strip() or DEFAULT_ANIME_TAG,
                    CONF_ANIME_PATH_PREFIXES: prefixes,
                    CONF_WEBHOOK_SECRETS: secrets,
                    CONF_REQUESTERS: requesters,
                }
            )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(OPTIONS_SCHEMA, user_input or self.config_entry.options),
            errors=errors,
            description_placeholders=placeholders,
        )
