"""What our webhook looks like in each service's own settings, and whether the settings found there already match.

Pure: the Home Assistant side (webhook_setup.py) reads the current settings through the clients, asks `*_plan` what
to write (None: already right, nothing to write), and writes it. Shapes and their sources: docs/service-apis.md.

- Jellyseerr/Seerr has ONE webhook agent. We take it only when it is off, empty, or already points at one of our
  URLs; a webhook of something else is left alone (`SeerrTaken`) and the user is told.
- Radarr/Sonarr: one Webhook connection named `CONNECTION_NAME`, found by that name or by our URL; every other
  connection is left alone. The *arr masks passwords when read, so the Basic-auth username carries a fingerprint
  of the secret: equal fingerprints mean the stored password is ours.
- Jellyfin webhook plugin: one Generic destination named `CONNECTION_NAME` in the plugin's configuration, which is
  written back whole with every other destination untouched.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from typing import Any
from urllib.parse import urlsplit

from .models import ArrApp

CONNECTION_NAME = "Home Assistant Status Tracker"

# Jellyseerr's own default payload: the parser reads it (README "Jellyseerr" shows the same text).
SEERR_PAYLOAD: dict[str, Any] = {
    "notification_type": "{{notification_type}}",
    "event": "{{event}}",
    "subject": "{{subject}}",
    "message": "{{message}}",
    "image": "{{image}}",
    "{{media}}": {
        "media_type": "{{media_type}}",
        "tmdbId": "{{media_tmdbid}}",
        "tvdbId": "{{media_tvdbid}}",
        "status": "{{media_status}}",
        "status4k": "{{media_status4k}}",
    },
    "{{request}}": {
        "request_id": "{{request_id}}",
        "requestedBy_email": "{{requestedBy_email}}",
        "requestedBy_username": "{{requestedBy_username}}",
        "requestedBy_avatar": "{{requestedBy_avatar}}",
        "requestedBy_settings_discordId": "{{requestedBy_settings_discordId}}",
        "requestedBy_settings_telegramChatId": "{{requestedBy_settings_telegramChatId}}",
    },
    "{{issue}}": {
        "issue_id": "{{issue_id}}",
        "issue_type": "{{issue_type}}",
        "issue_status": "{{issue_status}}",
        "reportedBy_email": "{{reportedBy_email}}",
        "reportedBy_username": "{{reportedBy_username}}",
        "reportedBy_avatar": "{{reportedBy_avatar}}",
        "reportedBy_settings_discordId": "{{reportedBy_settings_discordId}}",
        "reportedBy_settings_telegramChatId": "{{reportedBy_settings_telegramChatId}}",
    },
    "{{comment}}": {
        "comment_message": "{{comment_message}}",
        "commentedBy_email": "{{commentedBy_email}}",
        "commentedBy_username": "{{commentedBy_username}}",
        "commentedBy_avatar": "{{commentedBy_avatar}}",
        "commentedBy_settings_discordId": "{{commentedBy_settings_discordId}}",
        "commentedBy_settings_telegramChatId": "{{commentedBy_settings_telegramChatId}}",
    },
    "{{extra}}": [],
}
# MEDIA_PENDING, APPROVED, AVAILABLE, FAILED, DECLINED, AUTO_APPROVED (test notifications always pass).
SEERR_TYPES = 2 | 4 | 8 | 16 | 64 | 128

# The Jellyfin plugin's Handlebars template (README "Jellyfin webhook plugin" shows the same text).
JELLYFIN_TEMPLATE = (
    '{"NotificationType":"{{NotificationType}}","ItemId":"{{ItemId}}","ItemType":"{{ItemType}}","Name":"{{{Name}}}",'
    '"Year":"{{Year}}","SeriesName":"{{{SeriesName}}}","SeriesId":"{{SeriesId}}","SeasonNumber":"{{SeasonNumber}}",'
    '"EpisodeNumber":"{{EpisodeNumber}}","EpisodeNumberEnd":"{{EpisodeNumberEnd}}","Provider_tmdb":"{{Provider_tmdb}}",'
    '"Provider_tvdb":"{{Provider_tvdb}}","Provider_imdb":"{{Provider_imdb}}","Provider_anidb":"{{Provider_anidb}}",'
    '"ServerId":"{{ServerId}}"}'
)

# Grab, import, upgrade, import complete (Sonarr), manual interaction, deletes; everything else stays off.
ARR_EVENTS: dict[ArrApp, tuple[str, ...]] = {
    "radarr": (
        "onGrab",
        "onDownload",
        "onUpgrade",
        "onManualInteractionRequired",
        "onMovieDelete",
        "onMovieFileDelete",
    ),
    "sonarr": (
        "onGrab",
        "onDownload",
        "onUpgrade",
        "onImportComplete",
        "onManualInteractionRequired",
        "onSeriesDelete",
        "onEpisodeFileDelete",
    ),
}
_METHOD_POST = 1


class SeerrTaken(Exception):  # noqa: N818 - a situation, not an error of ours
    """Jellyseerr's single webhook agent is in use by something else."""

    def __init__(self, url: str) -> None:
        super().__init__("Jellyseerr's webhook agent already sends to another address")
        self.url = url


def seerr_settings(url: str, secret: str | None) -> dict[str, Any]:
    """The webhook agent settings to write (jsonPayload is the template as a JSON string literal, see docs)."""
    options: dict[str, Any] = {"webhookUrl": url, "jsonPayload": json.dumps(json.dumps(SEERR_PAYLOAD))}
    if secret:
        options["authHeader"] = secret
    return {"enabled": True, "types": SEERR_TYPES, "options": options}


def seerr_plan(current: dict[str, Any], url: str, secret: str | None) -> dict[str, Any] | None:
    """The settings to write, None when the agent already sends what we need to `url`; SeerrTaken when not ours."""
    options = _object(current.get("options"))
    existing_url = str(options.get("webhookUrl") or "")
    if current.get("enabled") and existing_url and not same_webhook(existing_url, url):
        raise SeerrTaken(existing_url)
    wanted = seerr_settings(url, secret)
    types = current.get("types")
    types = types if isinstance(types, int) else 0
    # Keep the user's extra notification types (issues...): the tracker answers them "ignored".
    wanted["types"] = types | SEERR_TYPES
    if (
        current.get("enabled") is True
        and existing_url == url
        and types & SEERR_TYPES == SEERR_TYPES
        and _template(options.get("jsonPayload")) == SEERR_PAYLOAD
        and (not secret or options.get("authHeader") == secret)
    ):
        return None
    return wanted


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _template(value: Any) -> Any:
    # GET answers the template TEXT. An object means the payload was saved unquoted: that agent never fires.
    if not isinstance(value, str):
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def same_webhook(found: str, url: str) -> bool:
    """True when `found` posts to the same webhook as `url`, at whatever address (Home Assistant may have moved)."""
    return _webhook_path(found) == _webhook_path(url) != ""


def _webhook_path(url: str) -> str:
    # The webhook id is unique and secret: the path alone identifies our webhook.
    path = urlsplit(url).path.rstrip("/")
    return path if "/api/webhook/" in path else ""


def secret_fingerprint(secret: str | None) -> str:
    """The Basic-auth username that tells which secret the (unreadable) password holds."""
    if not secret:
        return ""
    return "homeassistant-" + hashlib.sha256(secret.encode()).hexdigest()[:12]


def arr_plan(
    app: ArrApp, notifications: list[dict[str, Any]], schema: dict[str, Any], url: str, secret: str | None
) -> dict[str, Any] | None:
    """The connection to write (with its id: update, without: create), or None when ours is already right."""
    mine = next((n for n in notifications if _is_our_connection(n, url)), None)
    resource = copy.deepcopy(mine if mine is not None else schema)
    resource.pop("presets", None)
    values = {
        "url": url,
        "method": _METHOD_POST,
        "username": secret_fingerprint(secret),
        "password": secret or "",
    }
    fields = resource.setdefault("fields", [])
    right = mine is not None and resource.get("tags") in ([], None)
    for name, value in values.items():
        field = next((f for f in fields if isinstance(f, dict) and f.get("name") == name), None)
        if field is None:
            field = {"name": name}
            fields.append(field)
        # A password reads back masked: the username fingerprint stands for it.
        if name != "password" and field.get("value") != value:
            right = False
        field["value"] = value
    # Every event flag the resource knows (on*; the supportsOn* are read-only), plus ours: only ours end up on.
    flags = {key for key in resource if key.startswith("on") and key[2:3].isupper()} | set(ARR_EVENTS[app])
    for flag in sorted(flags):
        wanted = flag in ARR_EVENTS[app]
        right = right and bool(resource.get(flag)) is wanted
        resource[flag] = wanted
    if right:
        return None
    resource.update(name=CONNECTION_NAME, implementation="Webhook", configContract="WebhookSettings", tags=[])
    return resource


def _is_our_connection(notification: dict[str, Any], url: str) -> bool:
    if notification.get("implementation") != "Webhook":
        return False
    if str(notification.get("name", "")).casefold() == CONNECTION_NAME.casefold():
        return True
    fields = notification.get("fields") or []
    found = next((f.get("value") for f in fields if isinstance(f, dict) and f.get("name") == "url"), None)
    return isinstance(found, str) and same_webhook(found, url)


def jellyfin_destination(url: str, secret: str | None) -> dict[str, Any]:
    """Our Generic destination in the webhook plugin's configuration (PascalCase, exactly as the plugin reads it)."""
    headers = [{"Key": "Content-Type", "Value": "application/json"}]
    if secret:
        headers.append({"Key": "X-Webhook-Secret", "Value": secret})
    return {
        "NotificationTypes": ["ItemAdded"],
        "WebhookName": CONNECTION_NAME,
        "WebhookUri": url,
        "EnableMovies": True,
        "EnableEpisodes": True,
        "EnableSeries": True,
        "EnableSeasons": False,
        "EnableAlbums": False,
        "EnableSongs": False,
        "EnableVideos": False,
        "SendAllProperties": False,
        "TrimWhitespace": False,
        "SkipEmptyMessageBody": False,
        "EnableWebhook": True,
        "Template": base64.b64encode(JELLYFIN_TEMPLATE.encode()).decode(),
        "UserFilter": [],
        "Headers": headers,
        "Fields": [],
    }


def jellyfin_plan(configuration: dict[str, Any], url: str, secret: str | None) -> dict[str, Any] | None:
    """The whole plugin configuration to write back, or None when our destination is already right."""
    wanted = jellyfin_destination(url, secret)
    result = copy.deepcopy(configuration)
    destinations = result.get("GenericOptions")
    if not isinstance(destinations, list):
        destinations = result["GenericOptions"] = []
    index = next(
        (
            i
            for i, item in enumerate(destinations)
            if isinstance(item, dict)
            and (item.get("WebhookName") == CONNECTION_NAME or same_webhook(str(item.get("WebhookUri") or ""), url))
        ),
        None,
    )
    if index is None:
        destinations.append(wanted)
        return result
    current = destinations[index]
    if all(_same_setting(key, current.get(key), value) for key, value in wanted.items()):
        return None
    destinations[index] = {**current, **wanted}
    return result


def _same_setting(key: str, current: Any, wanted: Any) -> bool:
    if key == "Template":
        return _decoded(current) == JELLYFIN_TEMPLATE
    if key == "NotificationTypes":
        # The plugin may answer names or numbers (ItemAdded = 1).
        return isinstance(current, list) and ("ItemAdded" in current or 1 in current)
    return bool(current == wanted)


def _decoded(value: Any) -> str | None:
    try:
        return base64.b64decode(str(value)).decode()
    except ValueError:
        return None
