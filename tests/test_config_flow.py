"""Config flow: user, errors, duplicates, sections, options, reauth and reconfigure."""

from __future__ import annotations

import copy
from typing import Any
from unittest.mock import patch

from aiohttp import ClientConnectionError
from aioresponses import aioresponses
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.translation import async_get_translations
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.const import (
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
    CONF_RADARR,
    CONF_RADARR_2,
    CONF_REQUEST_TIMEOUT,
    CONF_REQUESTERS,
    CONF_SHOKO,
    CONF_SONARR,
    CONF_SONARR_2,
    CONF_STUCK_AFTER,
    CONF_WEBHOOK_IDS,
    CONF_WEBHOOK_SECRETS,
    DOMAIN,
    WEBHOOK_SERVICES,
)

from .helpers import (
    JELLYFIN_API_KEY,
    JELLYFIN_URL,
    QBT_URL,
    SERVER_ID,
    SERVER_NAME,
    SHOKO_API_KEY,
    SHOKO_URL,
    SYSTEM_INFO,
    shown_errors,
    system_info,
)

QBT_LOGIN = f"{QBT_URL}/api/v2/auth/login"
QBT_VERSION = f"{QBT_URL}/api/v2/app/webapiVersion"
SHOKO_LOOKUP = f"{SHOKO_URL}/api/v3/File/PathEndsWith?limit=1&path=status_tracker_connection_check.mkv"


def user_input(
    *,
    url: str = JELLYFIN_URL,
    api_key: str = JELLYFIN_API_KEY,
    qbittorrent: dict[str, Any] | None = None,
    shoko: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What the frontend submits: top-level Jellyfin fields and one dict per section."""
    return {
        CONF_URL: url,
        CONF_API_KEY: api_key,
        CONF_QBITTORRENT: qbittorrent or {},
        CONF_SHOKO: shoko or {},
    }


QBT_INPUT = {CONF_URL: QBT_URL, CONF_USERNAME: "admin", CONF_PASSWORD: "qbt-secret-pass"}
SHOKO_INPUT = {CONF_URL: SHOKO_URL, CONF_API_KEY: SHOKO_API_KEY}

# How each error's text names its service, and the field at fault per problem.
SERVICE_NAMES = {
    "jellyfin": "Jellyfin",
    "qbittorrent": "qBittorrent",
    "shoko": "Shoko Server",
    "jellyseerr": "Jellyseerr",
    "radarr": "Radarr",
    "radarr_2": "second Radarr",
    "sonarr": "Sonarr",
    "sonarr_2": "second Sonarr",
}
FIELD_WORDS = {
    "invalid_url": "URL",
    "cannot_connect": "URL",
    "invalid_response": "URL",
    "invalid_auth": "API key",
    "missing_api_key": "API key",
}


async def assert_error_shown(hass: HomeAssistant, result: Any, field: str, service: str, problem: str) -> None:
    """The form shows exactly this error on `field`, and its text names the service and the field at fault."""
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: f"{service}_{problem}"}
    text = (await shown_errors(hass, result))[field]
    assert SERVICE_NAMES[service] in text, text
    words = "username or password" if (service, problem) == ("qbittorrent", "invalid_auth") else FIELD_WORDS[problem]
    assert words in text, text


async def start_user_flow(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    return str(result["flow_id"])


async def test_user_creates_entry_with_jellyfin_only(hass: HomeAssistant, http: aioresponses) -> None:
    """Jellyfin alone is enough; the entry gets one webhook id per service and shows the URLs."""
    await async_process_ha_core_config(hass, {"internal_url": "http://192.168.1.5:8123"})
    http.get(SYSTEM_INFO, payload=system_info())
    flow_id = await start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(flow_id, user_input(url=JELLYFIN_URL + "/"))

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == SERVER_NAME
    entry = result["result"]
    assert entry.unique_id == SERVER_ID
    data = result["data"]
    assert data[CONF_URL] == JELLYFIN_URL  # trailing slash removed
    assert data[CONF_API_KEY] == JELLYFIN_API_KEY
    assert data[CONF_QBITTORRENT] == {}
    assert data[CONF_SHOKO] == {}
    webhook_ids = data[CONF_WEBHOOK_IDS]
    assert set(webhook_ids) == set(WEBHOOK_SERVICES)
    assert len(set(webhook_ids.values())) == 4
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    for service, webhook_id in webhook_ids.items():
        assert placeholders[service] == f"http://192.168.1.5:8123/api/webhook/{webhook_id}"
    # The API key went out in the header Jellyfin 12 still accepts.
    request = next(iter(http.requests.values()))[0]
    assert request.kwargs["headers"]["Authorization"] == f'MediaBrowser Token="{JELLYFIN_API_KEY}"'


async def test_user_shows_webhook_paths_without_a_configured_url(hass: HomeAssistant, http: aioresponses) -> None:
    """Without any Home Assistant URL the user still learns the path to append."""
    http.get(SYSTEM_INFO, payload=system_info())
    flow_id = await start_user_flow(hass)
    with patch("homeassistant.components.webhook.async_generate_url", side_effect=NoURLAvailableError):
        result = await hass.config_entries.flow.async_configure(flow_id, user_input())
    assert result["type"] is FlowResultType.CREATE_ENTRY
    radarr_id = result["data"][CONF_WEBHOOK_IDS]["radarr"]
    assert result["description_placeholders"]["radarr"] == (f"<your Home Assistant URL>/api/webhook/{radarr_id}")


async def test_user_with_optional_sections(hass: HomeAssistant, http: aioresponses) -> None:
    """qBittorrent (4.x login answer) and Shoko are checked and stored in their sections."""
    http.get(SYSTEM_INFO, payload=system_info())
    http.post(QBT_LOGIN, body="Ok.", headers={"Set-Cookie": "SID=abc; HttpOnly; path=/"})
    http.get(QBT_VERSION, body="2.8.19")
    http.get(SHOKO_LOOKUP, payload=[])
    flow_id = await start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        flow_id, user_input(qbittorrent=QBT_INPUT, shoko={**SHOKO_INPUT, CONF_URL: SHOKO_URL + "/"})
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_QBITTORRENT] == QBT_INPUT
    assert result["data"][CONF_SHOKO] == SHOKO_INPUT


async def test_qbittorrent_5_login_without_credentials(hass: HomeAssistant, http: aioresponses) -> None:
    """qBittorrent 5.2 answers 204 with an empty body; a whitelisted client needs no username."""
    http.get(SYSTEM_INFO, payload=system_info())
    http.post(QBT_LOGIN, status=204, body="")
    http.get(QBT_VERSION, body="2.15.1")
    flow_id = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, user_input(qbittorrent={CONF_URL: QBT_URL}))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_QBITTORRENT] == {
        CONF_URL: QBT_URL,
        CONF_USERNAME: "",
        CONF_PASSWORD: "",
    }


@pytest.mark.parametrize(
    ("mock_kwargs", "field", "error"),
    [
        ({"exception": ClientConnectionError("refused")}, CONF_URL, "cannot_connect"),
        ({"exception": TimeoutError()}, CONF_URL, "cannot_connect"),
        ({"status": 500, "body": "boom"}, CONF_URL, "cannot_connect"),
        ({"status": 401, "body": ""}, CONF_API_KEY, "invalid_auth"),
        ({"status": 403, "body": ""}, CONF_API_KEY, "invalid_auth"),
        ({"status": 200, "body": "<html>router login</html>"}, CONF_URL, "invalid_response"),
        ({"status": 200, "payload": {"Name": "no id"}}, CONF_URL, "invalid_response"),
    ],
)
async def test_jellyfin_errors_then_recover(
    hass: HomeAssistant,
    http: aioresponses,
    mock_kwargs: dict[str, Any],
    field: str,
    error: str,
) -> None:
    """Each Jellyfin failure shows its error on the field at fault, naming Jellyfin; fixing it creates the entry."""
    http.get(SYSTEM_INFO, **mock_kwargs)
    flow_id = await start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(flow_id, user_input())
    await assert_error_shown(hass, result, field, "jellyfin", error)

    http.get(SYSTEM_INFO, payload=system_info())
    result = await hass.config_entries.flow.async_configure(flow_id, user_input())
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize("url", ["not a url", "ftp://192.168.1.10", "http://", "", "http://[::1"])
async def test_jellyfin_invalid_url(hass: HomeAssistant, http: aioresponses, url: str) -> None:
    """A URL that is not http(s) with a host is refused before any call."""
    flow_id = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, user_input(url=url))
    await assert_error_shown(hass, result, CONF_URL, "jellyfin", "invalid_url")
    assert not http.requests


@pytest.mark.parametrize(
    ("login", "version", "given", "error"),
    [
        ({"body": "Fails."}, None, QBT_INPUT, "invalid_auth"),
        ({"status": 401, "body": "Unauthorized"}, None, QBT_INPUT, "invalid_auth"),
        (
            {"status": 403, "body": "Your IP address has been banned"},
            None,
            QBT_INPUT,
            "invalid_auth",
        ),
        ({"exception": ClientConnectionError()}, None, QBT_INPUT, "cannot_connect"),
        ({"status": 200, "body": "<html></html>"}, None, QBT_INPUT, "invalid_response"),
        ({"body": "Ok."}, {"status": 200, "body": "<html></html>"}, QBT_INPUT, "invalid_response"),
        ({"body": "Ok."}, {"status": 403, "body": "Forbidden"}, QBT_INPUT, "invalid_auth"),
        (None, None, {CONF_URL: "192.168.1.10:8080"}, "invalid_url"),
        (None, None, {CONF_USERNAME: "admin", CONF_PASSWORD: "x"}, "invalid_url"),
    ],
)
async def test_qbittorrent_errors(
    hass: HomeAssistant,
    http: aioresponses,
    login: dict[str, Any] | None,
    version: dict[str, Any] | None,
    given: dict[str, Any],
    error: str,
) -> None:
    """qBittorrent failures are reported on its section, naming qBittorrent; Jellyfin still checked."""
    http.get(SYSTEM_INFO, payload=system_info())
    if login is not None:
        http.post(QBT_LOGIN, **login)
    if version is not None:
        http.get(QBT_VERSION, **version)
    flow_id = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, user_input(qbittorrent=given))
    await assert_error_shown(hass, result, CONF_QBITTORRENT, "qbittorrent", error)


@pytest.mark.parametrize(
    ("lookup", "given", "error"),
    [
        ({"status": 401, "body": ""}, SHOKO_INPUT, "invalid_auth"),
        ({"status": 502, "body": "bad gateway"}, SHOKO_INPUT, "cannot_connect"),
        ({"payload": {"errors": {}}}, SHOKO_INPUT, "invalid_response"),
        ({"body": "not json at all"}, SHOKO_INPUT, "invalid_response"),
        (None, {CONF_URL: SHOKO_URL}, "missing_api_key"),
        (None, {CONF_URL: "shoko.local", CONF_API_KEY: "k"}, "invalid_url"),
    ],
)
async def test_shoko_errors(
    hass: HomeAssistant,
    http: aioresponses,
    lookup: dict[str, Any] | None,
    given: dict[str, Any],
    error: str,
) -> None:
    """Shoko failures are reported on its section, naming Shoko Server."""
    http.get(SYSTEM_INFO, payload=system_info())
    if lookup is not None:
        http.get(SHOKO_LOOKUP, **lookup)
    flow_id = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, user_input(shoko=given))
    await assert_error_shown(hass, result, CONF_SHOKO, "shoko", error)


async def test_duplicate_server_aborts(
    hass: HomeAssistant, http: aioresponses, mock_config_entry: MockConfigEntry
) -> None:
    """The same Jellyfin server (by server id, whatever the URL) cannot be added twice."""
    mock_config_entry.add_to_hass(hass)
    http.get("http://jellyfin.local:8096/System/Info", payload=system_info())
    flow_id = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, user_input(url="http://jellyfin.local:8096"))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_options_flow(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """Options are saved cleaned, and the form shows the webhook URLs."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    assert placeholders["sonarr"].endswith("/api/webhook/wh-sonarr-0003")

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_DOWNLOAD_POLL_INTERVAL: 10,
            CONF_LIBRARY_POLL_INTERVAL: 120,
            CONF_REQUEST_TIMEOUT: 15,
            CONF_STUCK_AFTER: 60,
            CONF_ANIME_TAG: "  ",
            CONF_ANIME_PATH_PREFIXES: ["/data/media/anime ", "", "/mnt/anime"],
            CONF_ALLOW_EXTERNAL_WEBHOOKS: True,
            CONF_KEEP_FINISHED_DAYS: 3,
            CONF_MAX_REQUESTS: 1000,
            CONF_WEBHOOK_SECRETS: {"radarr": " radarr-pass ", "sonarr": "", "jellyseerr": "js-token"},
            CONF_REQUESTERS: [
                " Alice = person.alice, notify.mobile_app_alice_phone ",
                "",
                "bob@example.com=person.bob",
            ],
        },
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == {
        CONF_DOWNLOAD_POLL_INTERVAL: 10,
        CONF_LIBRARY_POLL_INTERVAL: 120,
        CONF_REQUEST_TIMEOUT: 15,
        CONF_STUCK_AFTER: 60,
        CONF_ANIME_TAG: "anime",
        CONF_ANIME_PATH_PREFIXES: ["/data/media/anime", "/mnt/anime"],
        CONF_ALLOW_EXTERNAL_WEBHOOKS: True,
        CONF_KEEP_FINISHED_DAYS: 3,
        CONF_MAX_REQUESTS: 1000,
        CONF_WEBHOOK_SECRETS: {"radarr": "radarr-pass", "jellyseerr": "js-token"},
        CONF_REQUESTERS: ["Alice = person.alice, notify.mobile_app_alice_phone", "bob@example.com=person.bob"],
    }


@pytest.mark.parametrize(
    "bad_line",
    [
        "alice",  # no "="
        "= person.alice",  # no user
        "alice = ",  # no target
        "alice = light.kitchen",  # neither a person nor a notify action
        "alice = person.alice, person.alice_2",  # two persons
        "alice = notify.a, notify.b",  # two notify actions
        "ALICE = person.other",  # the same user twice (case ignored)
    ],
)
async def test_options_flow_refuses_a_bad_requester_line(
    hass: HomeAssistant, init_integration: MockConfigEntry, bad_line: str
) -> None:
    """A line of the requester mapping that cannot be read keeps the form open, naming the line; nothing is saved."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_DOWNLOAD_POLL_INTERVAL: 5,
            CONF_LIBRARY_POLL_INTERVAL: 900,
            CONF_REQUEST_TIMEOUT: 10,
            CONF_STUCK_AFTER: 120,
            CONF_ANIME_TAG: "anime",
            CONF_ALLOW_EXTERNAL_WEBHOOKS: False,
            CONF_KEEP_FINISHED_DAYS: 7,
            CONF_MAX_REQUESTS: 5000,
            CONF_WEBHOOK_SECRETS: {},
            CONF_REQUESTERS: ["alice = person.alice", bad_line],
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_REQUESTERS: "invalid_requester"}
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    assert placeholders["line"] == bad_line.strip()
    assert placeholders["jellyseerr"].endswith("/api/webhook/wh-jellyseerr-0001")
    assert init_integration.options == {}


async def test_options_flow_rejects_out_of_range(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """A poll interval of zero is refused by the schema."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    with pytest.raises(Exception, match="download_poll_interval"):
        await hass.config_entries.options.async_configure(
            result["flow_id"],
            {
                CONF_DOWNLOAD_POLL_INTERVAL: 0,
                CONF_LIBRARY_POLL_INTERVAL: 60,
                CONF_REQUEST_TIMEOUT: 10,
                CONF_STUCK_AFTER: 120,
                CONF_ANIME_TAG: "anime",
                CONF_ALLOW_EXTERNAL_WEBHOOKS: False,
            },
        )


@pytest.fixture
def entry_data_all(entry_data: dict[str, Any]) -> dict[str, Any]:
    """Entry data with every optional service configured."""
    return {**entry_data, CONF_QBITTORRENT: dict(QBT_INPUT), CONF_SHOKO: dict(SHOKO_INPUT)}


@pytest.mark.parametrize(
    ("new_qbt_password", "new_shoko_key"),
    [("new-qbt-pass", ""), ("", "new-shoko-key")],
)
async def test_reauth_updates_every_secret(
    hass: HomeAssistant,
    http: aioresponses,
    entry_data_all: dict[str, Any],
    new_qbt_password: str,
    new_shoko_key: str,
) -> None:
    """Reauth asks for each secret, checks them, keeps URLs and webhook ids, and reloads."""
    entry = MockConfigEntry(domain=DOMAIN, title=SERVER_NAME, unique_id=SERVER_ID, data=entry_data_all)
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    schema_keys = {str(key) for key in result["data_schema"].schema}
    assert schema_keys == {"api_key", "qbittorrent_password", "shoko_api_key"}

    # A still-wrong key keeps the form open.
    http.get(SYSTEM_INFO, status=401)
    http.post(QBT_LOGIN, body="Ok.")
    http.get(QBT_VERSION, body="2.8.19")
    http.get(SHOKO_LOOKUP, payload=[])
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_API_KEY: "still-wrong"})
    await assert_error_shown(hass, result, CONF_API_KEY, "jellyfin", "invalid_auth")

    http.get(SYSTEM_INFO, payload=system_info())
    http.post(QBT_LOGIN, body="Ok.")
    http.get(QBT_VERSION, body="2.8.19")
    http.get(SHOKO_LOOKUP, payload=[])
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_API_KEY: "new-jf-key", "qbittorrent_password": new_qbt_password, "shoko_api_key": new_shoko_key},
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_API_KEY] == "new-jf-key"
    # A field left empty keeps the saved secret.
    assert entry.data[CONF_QBITTORRENT][CONF_PASSWORD] == (new_qbt_password or QBT_INPUT[CONF_PASSWORD])
    assert entry.data[CONF_SHOKO][CONF_API_KEY] == (new_shoko_key or SHOKO_API_KEY)
    assert entry.data[CONF_WEBHOOK_IDS] == entry_data_all[CONF_WEBHOOK_IDS]


async def test_reauth_shows_each_error_where_it_belongs(
    hass: HomeAssistant, http: aioresponses, entry_data_all: dict[str, Any]
) -> None:
    """A refused qBittorrent password shows on its field; qBittorrent out of reach, for the whole form; both name it."""
    entry = MockConfigEntry(domain=DOMAIN, title=SERVER_NAME, unique_id=SERVER_ID, data=entry_data_all)
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    http.get(SYSTEM_INFO, payload=system_info(), repeat=True)
    http.post(QBT_LOGIN, body="Fails.")
    typed = {CONF_API_KEY: JELLYFIN_API_KEY, "qbittorrent_password": "wrong"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], typed)
    assert result["errors"] == {"qbittorrent_password": "qbittorrent_invalid_auth"}
    assert "qBittorrent refused the username or password" in (await shown_errors(hass, result))["qbittorrent_password"]

    http.post(QBT_LOGIN, exception=ClientConnectionError())
    result = await hass.config_entries.flow.async_configure(result["flow_id"], typed)
    assert result["errors"] == {"base": "qbittorrent_cannot_connect"}
    assert "Could not connect to qBittorrent" in (await shown_errors(hass, result))["base"]


async def test_reauth_jellyfin_only_form(
    hass: HomeAssistant, http: aioresponses, mock_config_entry: MockConfigEntry
) -> None:
    """Without optional services only the Jellyfin key is asked for; another server aborts."""
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reauth_flow(hass)
    assert {str(key) for key in result["data_schema"].schema} == {"api_key"}
    http.get(SYSTEM_INFO, payload=system_info(server_id="ffffffffffffffffffffffffffffffff"))
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_API_KEY: "k"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_server"
    assert mock_config_entry.data[CONF_API_KEY] == JELLYFIN_API_KEY


async def test_reconfigure(hass: HomeAssistant, http: aioresponses, init_integration: MockConfigEntry) -> None:
    """Reconfigure changes addresses of the same server, keeps webhook ids, reports errors."""
    result = await init_integration.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"

    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input(url="jellyfin:8096"))
    await assert_error_shown(hass, result, CONF_URL, "jellyfin", "invalid_url")

    new_url = "http://jellyfin.lan:8096"
    http.get(f"{new_url}/System/Info", payload=system_info())
    http.get(SHOKO_LOOKUP, payload=[])
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(url=new_url, shoko=SHOKO_INPUT)
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert init_integration.data[CONF_URL] == new_url
    assert init_integration.data[CONF_SHOKO] == SHOKO_INPUT
    assert init_integration.data[CONF_WEBHOOK_IDS]["radarr"] == "wh-radarr-0002"


async def test_reconfigure_other_server_aborts(
    hass: HomeAssistant, http: aioresponses, mock_config_entry: MockConfigEntry
) -> None:
    """Pointing the entry at another Jellyfin server is refused."""
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    http.get(SYSTEM_INFO, payload=system_info(server_id="0" * 32))
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input())
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_server"


# --- the optional connections of issue 8 ---------------------------------------------------------------------------

SEERR = "http://192.168.1.10:5055"
RADARR = "http://192.168.1.10:7878"
SONARR_4K = "http://192.168.1.11:8989"
RADARR_4K = "http://192.168.1.11:7878"
SONARR = "http://192.168.1.10:8989"


def _connections(**sections: dict[str, Any]) -> dict[str, Any]:
    return {**user_input(), CONF_JELLYFIN_WEBHOOK: False, **sections}


async def test_user_with_jellyseerr_radarr_and_a_4k_sonarr(hass: HomeAssistant, http: aioresponses) -> None:
    """Each connection is checked with its API key; the entry keeps URL, key and the 4K flag."""
    http.get(SYSTEM_INFO, payload=system_info(), repeat=True)
    http.get(f"{SEERR}/api/v1/settings/main", payload={"applicationTitle": "Jellyseerr"})
    http.get(f"{RADARR}/api/v3/system/status", payload={"appName": "Radarr", "version": "5.20"})
    http.get(f"{SONARR_4K}/api/v3/system/status", payload={"appName": "Sonarr", "version": "4.0"})
    flow_id = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        _connections(
            jellyseerr={CONF_URL: SEERR + "/", CONF_API_KEY: "seerr-key"},
            radarr={CONF_URL: RADARR, CONF_API_KEY: "radarr-key"},
            sonarr_2={CONF_URL: SONARR_4K, CONF_API_KEY: "sonarr-key", CONF_IS_4K: True},
        ),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["data"]
    assert data[CONF_JELLYSEERR] == {CONF_URL: SEERR, CONF_API_KEY: "seerr-key"}
    assert data[CONF_RADARR] == {CONF_URL: RADARR, CONF_API_KEY: "radarr-key", CONF_IS_4K: False}
    assert data[CONF_SONARR_2] == {CONF_URL: SONARR_4K, CONF_API_KEY: "sonarr-key", CONF_IS_4K: True}
    assert data[CONF_SONARR] == {}
    assert data[CONF_JELLYFIN_WEBHOOK] is False
    calls = {str(url): request for (_, url), request in http.requests.items()}
    assert calls[f"{SEERR}/api/v1/settings/main"][0].kwargs["headers"]["X-Api-Key"] == "seerr-key"
    assert calls[f"{RADARR}/api/v3/system/status"][0].kwargs["headers"]["X-Api-Key"] == "radarr-key"


@pytest.mark.parametrize(
    ("section", "given", "answer", "error"),
    [
        *(
            (section, given, answer, error)
            for section, base in (("radarr_2", RADARR_4K), ("sonarr", SONARR), ("sonarr_2", SONARR_4K))
            for given, answer, error in (
                ({CONF_URL: base, CONF_API_KEY: "bad"}, {"status": 401}, "invalid_auth"),
                ({CONF_API_KEY: "k"}, None, "invalid_url"),
                ({CONF_URL: base}, None, "missing_api_key"),
                ({CONF_URL: base, CONF_API_KEY: "k"}, {"exception": ClientConnectionError()}, "cannot_connect"),
                ({CONF_URL: base, CONF_API_KEY: "k"}, {"status": 200, "body": "<html></html>"}, "invalid_response"),
            )
        ),
        ("jellyseerr", {CONF_URL: SEERR, CONF_API_KEY: "bad"}, {"status": 403}, "invalid_auth"),
        ("jellyseerr", {CONF_URL: SEERR}, None, "missing_api_key"),
        ("jellyseerr", {CONF_URL: "seerr.lan", CONF_API_KEY: "k"}, None, "invalid_url"),
        ("radarr", {CONF_URL: RADARR, CONF_API_KEY: "k"}, {"exception": ClientConnectionError()}, "cannot_connect"),
        # A Sonarr address typed into the Radarr section.
        ("radarr", {CONF_URL: RADARR, CONF_API_KEY: "k"}, {"payload": {"appName": "Sonarr"}}, "invalid_response"),
        ("radarr", {CONF_URL: RADARR, CONF_API_KEY: "k"}, {"status": 401}, "invalid_auth"),
        ("radarr", {CONF_URL: RADARR}, None, "missing_api_key"),
        ("radarr", {CONF_URL: "radarr.lan", CONF_API_KEY: "k"}, None, "invalid_url"),
        ("jellyseerr", {CONF_URL: SEERR, CONF_API_KEY: "k"}, {"exception": ClientConnectionError()}, "cannot_connect"),
        ("jellyseerr", {CONF_URL: SEERR, CONF_API_KEY: "k"}, {"body": "not json"}, "invalid_response"),
    ],
)
async def test_connection_errors_are_shown_on_their_section(
    hass: HomeAssistant,
    http: aioresponses,
    section: str,
    given: dict[str, Any],
    answer: dict[str, Any] | None,
    error: str,
) -> None:
    http.get(SYSTEM_INFO, payload=system_info(), repeat=True)
    if answer is not None:
        path = "/api/v1/settings/main" if section == "jellyseerr" else "/api/v3/system/status"
        http.get(given[CONF_URL] + path, **answer)
    flow_id = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _connections(**{section: given}))
    await assert_error_shown(hass, result, section, section, error)


async def test_reconfigure_adds_a_connection(
    hass: HomeAssistant, http: aioresponses, init_integration: MockConfigEntry
) -> None:
    """An entry made without connections gets Radarr through Reconfigure; the form shows the saved values."""
    result = await init_integration.start_reconfigure_flow(hass)
    schema_keys = {str(key) for key in result["data_schema"].schema}
    assert {"jellyseerr", "radarr", "radarr_2", "sonarr", "sonarr_2", "jellyfin_webhook"} <= schema_keys
    http.get(SYSTEM_INFO, payload=system_info(), repeat=True)
    http.get(f"{RADARR}/api/v3/system/status", payload={"appName": "Radarr"})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _connections(radarr={CONF_URL: RADARR, CONF_API_KEY: "radarr-key", CONF_IS_4K: True})
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert init_integration.data[CONF_RADARR] == {CONF_URL: RADARR, CONF_API_KEY: "radarr-key", CONF_IS_4K: True}
    assert init_integration.data[CONF_WEBHOOK_IDS]["radarr"] == "wh-radarr-0002"


async def test_form_serializes_for_the_frontend(hass: HomeAssistant, hass_client: ClientSessionGenerator) -> None:
    """The user form goes through Home Assistant's REST API as the frontend sees it: every section expandable."""
    # Everything that registers views first: the test server freezes its routes when the client starts.
    assert await async_setup_component(hass, "config", {})
    assert await async_setup_component(hass, DOMAIN, {})
    client = await hass_client()
    response = await client.post("/api/config/config_entries/flow", json={"handler": DOMAIN})
    assert response.status == 200
    form = await response.json()
    fields = {field["name"]: field for field in form["data_schema"]}
    for name in ("qbittorrent", "shoko", "jellyseerr", "radarr", "radarr_2", "sonarr", "sonarr_2"):
        assert fields[name]["type"] == "expandable", name
    assert [field["name"] for field in fields["radarr_2"]["schema"]] == [CONF_URL, CONF_API_KEY, CONF_IS_4K]
    assert fields[CONF_JELLYFIN_WEBHOOK]["default"] is True
    # The form shows them in this order: the Jellyfin webhook plugin switch with the Jellyfin fields.
    assert list(fields) == [
        CONF_URL,
        CONF_API_KEY,
        CONF_JELLYFIN_WEBHOOK,
        "qbittorrent",
        "shoko",
        "jellyseerr",
        "radarr",
        "radarr_2",
        "sonarr",
        "sonarr_2",
    ]


async def test_every_error_names_its_service(hass: HomeAssistant) -> None:
    """Each form error's text (the ones the tests above drive, and any other) names the service it is about."""
    texts = await async_get_translations(hass, "en", "config", {DOMAIN})
    prefix = f"component.{DOMAIN}.config.error."
    errors = {key.removeprefix(prefix): text for key, text in texts.items() if key.startswith(prefix)}
    assert len(errors) == 8 * 4 + 6  # a missing API key: every service with one, besides Jellyfin
    for key, text in errors.items():
        service = max((name for name in SERVICE_NAMES if key.startswith(f"{name}_")), key=len)
        assert SERVICE_NAMES[service] in text, (key, text)
        assert FIELD_WORDS[key.removeprefix(f"{service}_")] in text or service == "qbittorrent", (key, text)


# --- reauth keeps the entry (issue 12) ------------------------------------------------------------------------------


@pytest.fixture
def full_entry(entry_data: dict[str, Any]) -> MockConfigEntry:
    """An entry with every section filled in, the Jellyfin plugin option on, and options set."""
    data = {
        **entry_data,
        CONF_QBITTORRENT: dict(QBT_INPUT),
        CONF_SHOKO: dict(SHOKO_INPUT),
        CONF_JELLYFIN_WEBHOOK: True,
        CONF_JELLYSEERR: {CONF_URL: SEERR, CONF_API_KEY: "seerr-key"},
        CONF_RADARR: {CONF_URL: RADARR, CONF_API_KEY: "radarr-key", CONF_IS_4K: False},
        CONF_RADARR_2: {CONF_URL: RADARR_4K, CONF_API_KEY: "radarr4k-key", CONF_IS_4K: True},
        CONF_SONARR: {CONF_URL: SONARR, CONF_API_KEY: "sonarr-key", CONF_IS_4K: False},
        CONF_SONARR_2: {CONF_URL: SONARR_4K, CONF_API_KEY: "sonarr4k-key", CONF_IS_4K: True},
    }
    options = {
        CONF_DOWNLOAD_POLL_INTERVAL: 7,
        CONF_LIBRARY_POLL_INTERVAL: 300,
        CONF_REQUEST_TIMEOUT: 20,
        CONF_STUCK_AFTER: 240,
        CONF_ANIME_TAG: "animes",
        CONF_ANIME_PATH_PREFIXES: ["/data/anime"],
        CONF_ALLOW_EXTERNAL_WEBHOOKS: True,
        CONF_KEEP_FINISHED_DAYS: 3,
        CONF_MAX_REQUESTS: 900,
        CONF_WEBHOOK_SECRETS: {"radarr": "radarr-webhook-secret"},
    }
    return MockConfigEntry(domain=DOMAIN, title=SERVER_NAME, unique_id=SERVER_ID, data=data, options=options)


def _every_service_answers(mock: aioresponses) -> None:
    mock.get(SYSTEM_INFO, payload=system_info(), repeat=True)
    mock.post(QBT_LOGIN, body="Ok.", repeat=True)
    mock.get(QBT_VERSION, body="2.8.19", repeat=True)
    mock.get(SHOKO_LOOKUP, payload=[], repeat=True)
    mock.get(f"{SEERR}/api/v1/settings/main", payload={"applicationTitle": "Jellyseerr"}, repeat=True)
    for base, app in ((RADARR, "Radarr"), (RADARR_4K, "Radarr"), (SONARR, "Sonarr"), (SONARR_4K, "Sonarr")):
        mock.get(f"{base}/api/v3/system/status", payload={"appName": app, "version": "5.20"}, repeat=True)


async def test_reauth_changes_only_the_typed_secret(
    hass: HomeAssistant, http: aioresponses, full_entry: MockConfigEntry
) -> None:
    """A new Jellyfin key: data and options stay as they were, byte for byte, except that key; the entry reloads."""
    full_entry.add_to_hass(hass)
    data, options = copy.deepcopy(dict(full_entry.data)), copy.deepcopy(dict(full_entry.options))
    _every_service_answers(http)
    result = await full_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    with patch("custom_components.status_tracker.async_setup_entry", return_value=True) as setup_entry:
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_API_KEY: "new-jf-key"})
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert dict(full_entry.data) == {**data, CONF_API_KEY: "new-jf-key"}
    assert dict(full_entry.options) == options
    assert len(setup_entry.mock_calls) == 1


@pytest.mark.parametrize("api_key", ["new-jf-key", JELLYFIN_API_KEY], ids=["new key", "same key"])
async def test_reauth_reloads_a_loaded_entry_once(
    hass: HomeAssistant, http: aioresponses, init_integration: MockConfigEntry, api_key: str
) -> None:
    """One reload whether the key changed (the update listener's) or not (the flow's): checks resume either way."""
    http.get(SYSTEM_INFO, payload=system_info())
    result = await init_integration.start_reauth_flow(hass)
    with patch.object(hass.config_entries, "async_reload", wraps=hass.config_entries.async_reload) as reload:
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_API_KEY: api_key})
        await hass.async_block_till_done()
    assert result["reason"] == "reauth_successful"
    assert reload.call_count == 1
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.data[CONF_API_KEY] == api_key
