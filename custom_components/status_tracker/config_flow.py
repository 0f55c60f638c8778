"""Config flow: user, reauth, reconfigure and options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components import webhook
from homeassistant.config_entries import (
    ConfigEntry,
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

from .connection import ServiceCheck, async_check_services
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
    WEBHOOK_SERVICES,
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
        vol.Optional(CONF_JELLYFIN_WEBHOOK, default=True): BooleanSelector(),
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
        vol.Required(CONF_WEBHOOK_SECRETS): section(
            vol.Schema({vol.Optional(service): _SECRET for service in WEBHOOK_SERVICES}),
            {"collapsed": True},
        ),
    }
)


def _reauth_schema(entry_data: Mapping[str, Any]) -> vol.Schema:
    """Ask again for each secret the entry holds."""
    fields: dict[vol.Marker, Any] = {vol.Required(CONF_API_KEY): _SECRET}
    if entry_data.get(CONF_QBITTORRENT, {}).get(CONF_URL):
        fields[vol.Optional(f"{CONF_QBITTORRENT}_{CONF_PASSWORD}")] = _SECRET
    if entry_data.get(CONF_SHOKO, {}).get(CONF_URL):
        fields[vol.Optional(f"{CONF_SHOKO}_{CONF_API_KEY}")] = _SECRET
    return vol.Schema(fields)


class StatusTrackerConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up status_tracker against one Jellyfin server."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        """Start with no pending entry."""
        self._pending: ServiceCheck | None = None

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
            errors = check.errors
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
            errors = check.errors
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
        """A service refused our credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for new secrets, check them, and keep everything else."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            candidate = _with_new_secrets(entry.data, user_input)
            check = await async_check_services(self.hass, candidate)
            errors = check.errors
            if check.server is not None and not errors:
                await self.async_set_unique_id(check.server.server_id)
                self._abort_if_unique_id_mismatch(reason="wrong_server")
                self.hass.config_entries.async_update_entry(entry, data={**entry.data, **check.data})
                return self.async_abort(reason="reauth_successful")
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=_reauth_schema(entry.data),
            errors=errors,
            description_placeholders={"name": entry.title},
        )


def _with_new_secrets(data: Mapping[str, Any], user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Entry data with the secrets the user typed in the reauth form."""
    candidate: dict[str, Any] = {
        CONF_URL: data[CONF_URL],
        CONF_API_KEY: user_input[CONF_API_KEY],
        CONF_QBITTORRENT: dict(data.get(CONF_QBITTORRENT, {})),
        CONF_SHOKO: dict(data.get(CONF_SHOKO, {})),
    }
    if password := user_input.get(f"{CONF_QBITTORRENT}_{CONF_PASSWORD}"):
        candidate[CONF_QBITTORRENT][CONF_PASSWORD] = password
    if api_key := user_input.get(f"{CONF_SHOKO}_{CONF_API_KEY}"):
        candidate[CONF_SHOKO][CONF_API_KEY] = api_key
    return candidate


class StatusTrackerOptionsFlow(OptionsFlow):
    """Polling, timeouts, anime detection and webhook exposure."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options, with the webhook URLs to paste into each service."""
        if user_input is not None:
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
                }
            )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(OPTIONS_SCHEMA, self.config_entry.options),
            description_placeholders=webhook_urls(self.hass, self.config_entry.data[CONF_WEBHOOK_IDS]),
        )
