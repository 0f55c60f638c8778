"""What the integration writes into each service's webhook settings, and when it writes nothing."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest

from custom_components.status_tracker.core.webhook_setup import (
    CONNECTION_NAME,
    JELLYFIN_TEMPLATE,
    SEERR_PAYLOAD,
    SEERR_TYPES,
    SeerrTaken,
    arr_plan,
    jellyfin_plan,
    secret_fingerprint,
    seerr_plan,
    seerr_settings,
)

from ..helpers import arr_field

URL = "http://192.168.1.20:8123/api/webhook/wh-radarr-0002"
EXTERNAL = "https://ha.example.com/api/webhook/wh-radarr-0002"


# --- Jellyseerr --------------------------------------------------------------------------------------------------


def test_seerr_payload_is_a_json_string_literal_of_the_template() -> None:
    """Seerr stores base64(jsonPayload) and parses it twice: the field must be the template text, quoted."""
    settings = seerr_settings(URL, None)
    assert settings["enabled"] is True
    assert settings["types"] == SEERR_TYPES == 222
    assert settings["options"]["webhookUrl"] == URL
    assert json.loads(json.loads(settings["options"]["jsonPayload"])) == SEERR_PAYLOAD
    assert "authHeader" not in settings["options"]
    assert seerr_settings(URL, "Bearer s3cret")["options"]["authHeader"] == "Bearer s3cret"


def _seerr_as_read(url: str, *, types: int = 222, enabled: bool = True, **options: Any) -> dict[str, Any]:
    # GET answers jsonPayload decoded once: the template TEXT.
    return {
        "enabled": enabled,
        "types": types,
        "options": {"webhookUrl": url, "jsonPayload": json.dumps(SEERR_PAYLOAD, indent=2), **options},
    }


@pytest.mark.parametrize(
    "current",
    [
        {"enabled": False, "types": 0, "options": {"webhookUrl": "", "jsonPayload": "{}"}},
        {"enabled": True, "types": 222, "options": {}},
        {"enabled": False, "types": 4, "options": {"webhookUrl": "http://elsewhere/hook"}},
        _seerr_as_read(EXTERNAL),  # ours, but the other address
        _seerr_as_read(URL, types=2),
        _seerr_as_read(URL, enabled=False),
        {**_seerr_as_read(URL), "options": {"webhookUrl": URL, "jsonPayload": '{"edited": true}'}},
        {**_seerr_as_read(URL), "options": {"webhookUrl": URL, "jsonPayload": "not json"}},
    ],
)
def test_seerr_plan_takes_the_agent_when_free_or_ours(current: dict[str, Any]) -> None:
    plan = seerr_plan(current, URL, None)
    assert plan is not None
    assert plan["options"]["webhookUrl"] == URL
    assert plan["types"] & SEERR_TYPES == SEERR_TYPES


def test_seerr_plan_nothing_to_do_when_right() -> None:
    assert seerr_plan(_seerr_as_read(URL), URL, None) is None
    # The user's extra types (issue notifications) are fine and kept.
    assert seerr_plan(_seerr_as_read(URL, types=222 | 256), URL, None) is None
    right = _seerr_as_read(URL, authHeader="Bearer s3cret")
    assert seerr_plan(right, URL, "Bearer s3cret") is None
    wrong = seerr_plan(_seerr_as_read(URL, authHeader="old"), URL, "Bearer s3cret")
    assert wrong is not None
    assert wrong["options"]["authHeader"] == "Bearer s3cret"


def test_seerr_plan_keeps_extra_types() -> None:
    plan = seerr_plan(_seerr_as_read(URL, types=256 | 2), URL, None)
    assert plan is not None
    assert plan["types"] == 222 | 256


def test_seerr_agent_of_someone_else_is_left_alone() -> None:
    with pytest.raises(SeerrTaken) as caught:
        seerr_plan(_seerr_as_read("http://notifier.lan/hook"), URL, None)
    assert caught.value.url == "http://notifier.lan/hook"
    # Ours at another address (Home Assistant moved), or with a query string, is still ours.
    assert seerr_plan(_seerr_as_read(URL + "?4k=1"), URL, None) is not None
    moved = seerr_plan(_seerr_as_read("http://10.0.0.5:8123/api/webhook/wh-radarr-0002"), URL, None)
    assert moved is not None
    assert moved["options"]["webhookUrl"] == URL


# --- Radarr / Sonarr ---------------------------------------------------------------------------------------------


RADARR_FLAGS = (
    *("onGrab", "onDownload", "onUpgrade", "onRename", "onMovieAdded", "onMovieDelete", "onMovieFileDelete"),
    *("onMovieFileDeleteForUpgrade", "onHealthIssue", "onHealthRestored", "onApplicationUpdate"),
    "onManualInteractionRequired",
)
SONARR_FLAGS = (
    *("onGrab", "onDownload", "onUpgrade", "onImportComplete", "onRename", "onSeriesAdd", "onSeriesDelete"),
    *("onEpisodeFileDelete", "onEpisodeFileDeleteForUpgrade", "onHealthIssue", "onManualInteractionRequired"),
)


def _schema(app: str) -> dict[str, Any]:
    flags = RADARR_FLAGS if app == "radarr" else SONARR_FLAGS
    return {
        "id": 0,
        "name": "",
        "implementation": "Webhook",
        "implementationName": "Webhook",
        "configContract": "WebhookSettings",
        "fields": [
            {"order": 0, "name": "url", "label": "Webhook URL", "type": "url", "advanced": False},
            {"order": 1, "name": "method", "label": "Method", "value": 1, "type": "select"},
            {"order": 2, "name": "username", "label": "Username", "type": "textbox", "privacy": "userName"},
            {"order": 3, "name": "password", "label": "Password", "type": "password", "privacy": "password"},
            {"order": 4, "name": "headers", "label": "Headers", "value": [], "type": "keyValueList"},
        ],
        "tags": [],
        "presets": [],
        **dict.fromkeys(flags, False),
        **{"supports" + flag[0].upper() + flag[1:]: True for flag in flags},
    }


def _as_stored(resource: dict[str, Any], notification_id: int) -> dict[str, Any]:
    """As the *arr answers a GET afterwards: with an id, the password masked."""
    stored = copy.deepcopy(resource)
    stored["id"] = notification_id
    for field in stored["fields"]:
        if field["name"] == "password" and field.get("value"):
            field["value"] = "********"
    return stored


@pytest.mark.parametrize("app", ["radarr", "sonarr"])
def test_arr_plan_creates_our_connection_from_the_schema(app: str) -> None:
    other = {"id": 3, "name": "Discord", "implementation": "Discord", "fields": [], "onGrab": True}
    plan = arr_plan(app, [other], _schema(app), URL, None)  # type: ignore[arg-type]
    assert plan is not None
    assert plan["id"] == 0  # create
    assert (plan["name"], plan["implementation"], plan["configContract"]) == (
        CONNECTION_NAME,
        "Webhook",
        "WebhookSettings",
    )
    assert plan["tags"] == []
    assert "presets" not in plan
    assert tuple(arr_field(plan, name) for name in ("url", "method", "username", "password")) == (URL, 1, "", "")
    on = sorted(key for key, value in plan.items() if key.startswith("on") and value is True)
    expected = {
        "radarr": ["onDownload", "onGrab", "onManualInteractionRequired", "onMovieDelete", "onMovieFileDelete"],
        "sonarr": [
            "onDownload",
            "onEpisodeFileDelete",
            "onGrab",
            "onImportComplete",
            "onManualInteractionRequired",
            "onSeriesDelete",
        ],
    }[app] + ["onUpgrade"]
    assert on == sorted(expected)
    assert other == {"id": 3, "name": "Discord", "implementation": "Discord", "fields": [], "onGrab": True}


@pytest.mark.parametrize("app", ["radarr", "sonarr"])
def test_arr_plan_nothing_to_do_when_ours_is_right(app: str) -> None:
    created = arr_plan(app, [], _schema(app), URL, "s3cret")  # type: ignore[arg-type]
    assert created is not None
    assert arr_field(created, "username") == secret_fingerprint("s3cret")
    assert arr_field(created, "password") == "s3cret"
    stored = _as_stored(created, 7)
    assert arr_plan(app, [stored], _schema(app), URL, "s3cret") is None  # type: ignore[arg-type]
    # Found by URL too, whatever the user renamed it to.
    assert arr_plan(app, [{**stored, "name": "HA"}], _schema(app), URL, "s3cret") is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "secret"),
    [
        (lambda r: r["fields"][0].update(value="http://old:8123/api/webhook/wh-radarr-0002"), None),
        (lambda r: r.update(onGrab=False), None),
        (lambda r: r.update(onRename=True), None),
        (lambda r: r.update(tags=[4]), None),
        (lambda r: r["fields"][1].update(value=2), None),
        (lambda r: None, "a-new-secret"),
    ],
)
def test_arr_plan_updates_ours_in_place(change: Any, secret: str | None) -> None:
    created = arr_plan("radarr", [], _schema("radarr"), URL, None)
    assert created is not None
    stored = _as_stored(created, 7)
    stored["name"] = CONNECTION_NAME
    change(stored)
    plan = arr_plan("radarr", [stored], _schema("radarr"), URL, secret)
    assert plan is not None
    assert plan["id"] == 7  # update, not a second connection
    assert arr_field(plan, "url") == URL
    assert plan["tags"] == []
    assert plan["onGrab"] is True
    assert plan["onRename"] is False
    assert arr_field(plan, "method") == 1
    assert arr_field(plan, "password") == (secret or "")
    assert arr_field(plan, "username") == secret_fingerprint(secret)


def test_secret_fingerprint_hides_the_secret() -> None:
    assert secret_fingerprint(None) == secret_fingerprint("") == ""
    fingerprint = secret_fingerprint("s3cret")
    assert fingerprint.startswith("homeassistant-")
    assert "s3cret" not in fingerprint
    assert fingerprint != secret_fingerprint("s3cret2")


# --- Jellyfin webhook plugin ---------------------------------------------------------------------------------------


def _plugin_configuration() -> dict[str, Any]:
    return {
        "ServerUrl": "http://jellyfin:8096",
        "DiscordOptions": [{"WebhookName": "Discord", "WebhookUri": "https://discord/x", "EnableWebhook": True}],
        "GenericOptions": [
            {"WebhookName": "Gotify bridge", "WebhookUri": "http://bridge/hook", "NotificationTypes": ["PlaybackStart"]}
        ],
        "MqttOptions": [],
    }


def test_jellyfin_plan_adds_our_destination_and_keeps_the_others() -> None:
    configuration = _plugin_configuration()
    plan = jellyfin_plan(configuration, URL, "s3cret")
    assert plan is not None
    assert plan["DiscordOptions"] == configuration["DiscordOptions"]
    bridge, ours = plan["GenericOptions"]
    assert bridge == configuration["GenericOptions"][0]
    assert ours["WebhookName"] == CONNECTION_NAME
    assert ours["WebhookUri"] == URL
    assert ours["NotificationTypes"] == ["ItemAdded"]
    assert (ours["EnableMovies"], ours["EnableEpisodes"], ours["EnableSeries"], ours["EnableWebhook"]) == (
        True,
        True,
        True,
        True,
    )
    assert ours["SendAllProperties"] is False
    assert base64.b64decode(ours["Template"]).decode() == JELLYFIN_TEMPLATE
    assert {"Key": "Content-Type", "Value": "application/json"} in ours["Headers"]
    assert {"Key": "X-Webhook-Secret", "Value": "s3cret"} in ours["Headers"]
    assert configuration == _plugin_configuration()  # the input is not modified
    # Written once, it is right: nothing more to write.
    assert jellyfin_plan(plan, URL, "s3cret") is None
    # The plugin answers NotificationTypes as numbers in some versions.
    numbers = copy.deepcopy(plan)
    numbers["GenericOptions"][1]["NotificationTypes"] = [1]
    assert jellyfin_plan(numbers, URL, "s3cret") is None


def test_jellyfin_plan_fixes_ours_in_place() -> None:
    plan = jellyfin_plan({}, URL, None)
    assert plan is not None
    assert len(plan["GenericOptions"]) == 1
    for key, value in [("EnableSeries", False), ("Template", "e30="), ("WebhookUri", "http://old/hook")]:
        broken = copy.deepcopy(plan)
        broken["GenericOptions"][0][key] = value
        fixed = jellyfin_plan(broken, URL, None)
        assert fixed is not None, key
        assert len(fixed["GenericOptions"]) == 1
        assert fixed == plan
    garbled = copy.deepcopy(plan)
    garbled["GenericOptions"][0]["Template"] = "%%% not base64"
    assert jellyfin_plan(garbled, URL, None) == plan
    garbled["GenericOptions"] = "not a list"
    assert jellyfin_plan(garbled, URL, None) == plan


def test_seerr_agent_broken_by_a_bare_object_payload_is_rewritten() -> None:
    """A payload saved unquoted reads back as an object; that agent never fires, so it is rewritten."""
    broken = {**_seerr_as_read(URL), "options": {"webhookUrl": URL, "jsonPayload": SEERR_PAYLOAD}}
    plan = seerr_plan(broken, URL, None)
    assert plan is not None
    assert json.loads(json.loads(plan["options"]["jsonPayload"])) == SEERR_PAYLOAD


def test_arr_plan_adds_fields_an_older_schema_lacks() -> None:
    schema = {**_schema("radarr"), "fields": [{"name": "url"}]}
    plan = arr_plan("radarr", [], schema, URL, "s3cret")
    assert plan is not None
    assert [field["name"] for field in plan["fields"]] == ["url", "method", "username", "password"]
    assert arr_field(plan, "password") == "s3cret"
