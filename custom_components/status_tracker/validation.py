"""Check the services a user entered, for the config flow and its reauth/reconfigure steps.

A check reports each failing service's problem; the flow places it on its form (config_flow.py): the translation key
is "<service>_<problem>" (strings.json config.error), so every message names the service and the field at fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import logging
from typing import Any

import aiohttp
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_create_clientsession, async_get_clientsession
from yarl import URL

from .clients import CannotConnectError, InvalidAuthError, ServiceError
from .clients.arr import ArrClient
from .clients.jellyfin import JellyfinClient, JellyfinServerInfo
from .clients.qbittorrent import QBittorrentClient
from .clients.seerr import SeerrClient
from .clients.shoko import ShokoClient
from .const import ARR_SECTIONS, CONF_IS_4K, CONF_JELLYFIN_WEBHOOK, CONF_JELLYSEERR, CONF_QBITTORRENT, CONF_SHOKO
from .core.models import ArrApp

_LOGGER = logging.getLogger(__name__)

JELLYFIN = "jellyfin"
# What can be wrong with a service: its URL (the first three) or its secret (SECRET_PROBLEMS).
INVALID_URL = "invalid_url"
CANNOT_CONNECT = "cannot_connect"
INVALID_RESPONSE = "invalid_response"
INVALID_AUTH = "invalid_auth"
MISSING_API_KEY = "missing_api_key"
SECRET_PROBLEMS = frozenset({INVALID_AUTH, MISSING_API_KEY})


def error_key(service: str, problem: str) -> str:
    """The form error (strings.json config.error) of a service's problem: "qbittorrent_invalid_auth"."""
    return f"{service}_{problem}"


@dataclass(slots=True)
class ServiceCheck:
    """Outcome of checking every service: each failing one's problem (by JELLYFIN or section key), and the cleaned
    entry data."""

    problems: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    server: JellyfinServerInfo | None = None


def normalise_url(value: Any) -> str | None:
    """Return an http(s) URL without a trailing slash, or None if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        url = URL(value.strip())
    except ValueError:
        return None
    if url.scheme not in ("http", "https") or not url.host:
        return None
    return str(url).rstrip("/")


def _problem(err: ServiceError) -> str:
    if isinstance(err, InvalidAuthError):
        return INVALID_AUTH
    if isinstance(err, CannotConnectError):
        return CANNOT_CONNECT
    return INVALID_RESPONSE


def async_create_qbittorrent_session(hass: HomeAssistant) -> aiohttp.ClientSession:
    """A session with a cookie jar of its own that keeps cookies from IP hosts (qBittorrent's SID)."""
    return async_create_clientsession(hass, cookie_jar=aiohttp.CookieJar(unsafe=True))


async def async_check_services(hass: HomeAssistant, user_input: Mapping[str, Any]) -> ServiceCheck:
    """Contact each service the user gave; never raises."""
    check = ServiceCheck()

    jellyfin_url = normalise_url(user_input.get(CONF_URL))
    if jellyfin_url is None:
        check.problems[JELLYFIN] = INVALID_URL
    else:
        api_key = str(user_input.get(CONF_API_KEY, ""))
        client = JellyfinClient(async_get_clientsession(hass), jellyfin_url, api_key)
        try:
            check.server = await client.async_get_server_info()
        except ServiceError as err:
            _LOGGER.debug("Jellyfin check failed: %s", err)
            check.problems[JELLYFIN] = _problem(err)
        check.data.update({CONF_URL: jellyfin_url, CONF_API_KEY: api_key})

    check.data[CONF_QBITTORRENT] = await _async_check_qbittorrent(
        hass, user_input.get(CONF_QBITTORRENT) or {}, check.problems
    )
    check.data[CONF_SHOKO] = await _async_check_shoko(hass, user_input.get(CONF_SHOKO) or {}, check.problems)
    check.data[CONF_JELLYFIN_WEBHOOK] = bool(user_input.get(CONF_JELLYFIN_WEBHOOK, False))
    check.data[CONF_JELLYSEERR] = await _async_check_seerr(hass, user_input.get(CONF_JELLYSEERR) or {}, check.problems)
    for key, app in ARR_SECTIONS.items():
        check.data[key] = await _async_check_arr(hass, key, app, user_input.get(key) or {}, check.problems)
    return check


async def async_check_connection(hass: HomeAssistant, key: str, given: Mapping[str, Any]) -> str | None:
    """The problem of one Jellyseerr/Radarr/Sonarr section (`key`), None if it answers; for the reauth step."""
    problems: dict[str, str] = {}
    if key == CONF_JELLYSEERR:
        await _async_check_seerr(hass, given, problems)
    else:
        await _async_check_arr(hass, key, ARR_SECTIONS[key], given, problems)
    return problems.get(key)


async def _async_check_qbittorrent(
    hass: HomeAssistant, given: Mapping[str, Any], problems: dict[str, str]
) -> dict[str, Any]:
    if not any(given.get(key) for key in (CONF_URL, CONF_USERNAME, CONF_PASSWORD)):
        return {}
    url = normalise_url(given.get(CONF_URL))
    if url is None:
        problems[CONF_QBITTORRENT] = INVALID_URL
        return {}
    username = given.get(CONF_USERNAME) or ""
    password = given.get(CONF_PASSWORD) or ""
    session = async_create_qbittorrent_session(hass)
    try:
        await QBittorrentClient(session, url, username, password).async_get_api_version()
    except ServiceError as err:
        _LOGGER.debug("qBittorrent check failed: %s", err)
        problems[CONF_QBITTORRENT] = _problem(err)
    return {CONF_URL: url, CONF_USERNAME: username, CONF_PASSWORD: password}


async def _async_check_shoko(hass: HomeAssistant, given: Mapping[str, Any], problems: dict[str, str]) -> dict[str, Any]:
    found = _url_and_key(given, CONF_SHOKO, problems)
    if found is None:
        return {}
    url, api_key = found
    try:
        await ShokoClient(async_get_clientsession(hass), url, api_key).async_check()
    except ServiceError as err:
        _LOGGER.debug("Shoko check failed: %s", err)
        problems[CONF_SHOKO] = _problem(err)
    return {CONF_URL: url, CONF_API_KEY: api_key}


def _url_and_key(given: Mapping[str, Any], key: str, problems: dict[str, str]) -> tuple[str, str] | None:
    """A section's URL and API key; None when the section is left empty, or wrong (its error is then set)."""
    if not any(given.get(name) for name in (CONF_URL, CONF_API_KEY)):
        return None
    url = normalise_url(given.get(CONF_URL))
    if url is None:
        problems[key] = INVALID_URL
        return None
    api_key = str(given.get(CONF_API_KEY) or "")
    if not api_key:
        problems[key] = MISSING_API_KEY
        return None
    return url, api_key


async def _async_check_seerr(hass: HomeAssistant, given: Mapping[str, Any], problems: dict[str, str]) -> dict[str, Any]:
    found = _url_and_key(given, CONF_JELLYSEERR, problems)
    if found is None:
        return {}
    url, api_key = found
    try:
        await SeerrClient(async_get_clientsession(hass), url, api_key).async_check()
    except ServiceError as err:
        _LOGGER.debug("Jellyseerr check failed: %s", err)
        problems[CONF_JELLYSEERR] = _problem(err)
    return {CONF_URL: url, CONF_API_KEY: api_key}


async def _async_check_arr(
    hass: HomeAssistant, key: str, app: ArrApp, given: Mapping[str, Any], problems: dict[str, str]
) -> dict[str, Any]:
    found = _url_and_key(given, key, problems)
    if found is None:
        return {}
    url, api_key = found
    try:
        await ArrClient(async_get_clientsession(hass), url, api_key, app).async_get_status()
    except ServiceError as err:
        _LOGGER.debug("%s check failed: %s", app, err)
        problems[key] = _problem(err)
    return {CONF_URL: url, CONF_API_KEY: api_key, CONF_IS_4K: bool(given.get(CONF_IS_4K, False))}
