"""Constants shared by the Home Assistant side of status_tracker."""

from __future__ import annotations

from typing import Final, Literal

DOMAIN: Final = "status_tracker"

# entry.data: Jellyfin at the top level, optional services in their own sections.
CONF_JELLYFIN: Final = "jellyfin"
CONF_QBITTORRENT: Final = "qbittorrent"
CONF_SHOKO: Final = "shoko"
CONF_WEBHOOK_IDS: Final = "webhook_ids"
# Optional connections through which the integration writes its own webhooks and catches up (issue 8).
CONF_JELLYSEERR: Final = "jellyseerr"
CONF_RADARR: Final = "radarr"
CONF_RADARR_2: Final = "radarr_2"
CONF_SONARR: Final = "sonarr"
CONF_SONARR_2: Final = "sonarr_2"
ARR_SECTIONS: Final[dict[str, Literal["radarr", "sonarr"]]] = {
    CONF_RADARR: "radarr",
    CONF_RADARR_2: "radarr",
    CONF_SONARR: "sonarr",
    CONF_SONARR_2: "sonarr",
}
CONF_IS_4K: Final = "is_4k"
# Top level: write the Jellyfin webhook plugin's destination through the Jellyfin connection.
CONF_JELLYFIN_WEBHOOK: Final = "jellyfin_webhook"
# In the data of a reauth flow started by a Jellyseerr/Radarr/Sonarr connection: its section (never saved).
REAUTH_CONNECTION: Final = "reauth_connection"

# The services that call us, each on its own webhook id.
WEBHOOK_SERVICES: Final = ("jellyseerr", "radarr", "sonarr", "jellyfin")

# entry.options
CONF_DOWNLOAD_POLL_INTERVAL: Final = "download_poll_interval"
CONF_LIBRARY_POLL_INTERVAL: Final = "library_poll_interval"
CONF_REQUEST_TIMEOUT: Final = "request_timeout"
CONF_STUCK_AFTER: Final = "stuck_after"
CONF_ANIME_TAG: Final = "anime_tag"
CONF_ANIME_PATH_PREFIXES: Final = "anime_path_prefixes"
CONF_ALLOW_EXTERNAL_WEBHOOKS: Final = "allow_external_webhooks"
CONF_KEEP_FINISHED_DAYS: Final = "keep_finished_days"
CONF_MAX_REQUESTS: Final = "max_requests"
# {service: secret}, each optional (see webhook_auth.py).
CONF_WEBHOOK_SECRETS: Final = "webhook_secrets"
# Lines "<Seerr user> = person.x, notify.y" (core/requesters.py).
CONF_REQUESTERS: Final = "requesters"

# Bigger webhook bodies are refused with 413: real payloads are a few KiB.
MAX_BODY_BYTES: Final = 1024 * 1024

DEFAULT_DOWNLOAD_POLL_INTERVAL: Final = 5  # seconds
# Spacing of the Jellyfin checks after the quick ones (core/library_timing.py). 900 s is what every entry got before
# the option was read; an entry whose options were saved keeps the value shown to it then (60 s).
DEFAULT_LIBRARY_POLL_INTERVAL: Final = 900  # seconds
DEFAULT_REQUEST_TIMEOUT: Final = 10  # seconds, per HTTP call to a service
DEFAULT_STUCK_AFTER: Final = 120  # minutes without progress before a request is flagged stuck
DEFAULT_ANIME_TAG: Final = "anime"
DEFAULT_ALLOW_EXTERNAL_WEBHOOKS: Final = False
# Finished requests leave the dashboard after this many days; the store keeps at most DEFAULT_MAX_REQUESTS.
DEFAULT_KEEP_FINISHED_DAYS: Final = 7
DEFAULT_MAX_REQUESTS: Final = 5000
RETENTION_EVERY: Final = 3600  # seconds between retention passes

STORAGE_VERSION: Final = 1
STORAGE_MINOR_VERSION: Final = 2  # the Store file of releases before the database (see store_migration.py)
STORAGE_SAVE_DELAY: Final = 5  # seconds: changes from pollers are on disk within this
# A failing write is tried again after STORAGE_SAVE_DELAY, then twice as long each time, up to this (seconds).
STORAGE_RETRY_MAX: Final = 300

# Home Assistant events fired by the integration.
EVENT_STATE_CHANGED: Final = "status_tracker_state_changed"
EVENT_ALREADY_AVAILABLE: Final = "status_tracker_already_available"
EVENT_REQUEST_STUCK: Final = "status_tracker_request_stuck"

# A torrent the *arr grabbed that is missing from qBittorrent this long, with no import, failed.
DOWNLOAD_MISSING_AFTER: Final = 600  # seconds
LIBRARY_TICK: Final = 10  # seconds between looks at what is due
# Poll backoff while a service fails: the interval doubles up to this.
MAX_POLL_BACKOFF: Final = 300  # seconds
# Catch-up with Jellyseerr/Radarr/Sonarr (catchup.py): at most this often, and this far back in *arr history.
RECONCILE_EVERY: Final = 900  # seconds
# A request waiting for its release is asked about again at its date, or after this (seconds) if sooner.
RELEASE_RECHECK: Final = 6 * 3600
# A flagged request is diagnosed again at most this often (seconds): its cause may change while it does not move.
REDIAGNOSE_EVERY: Final = 30 * 60
RECONCILE_HISTORY_DAYS: Final = 30
# A polled service failing this long gets a repair issue.
UNREACHABLE_ISSUE_AFTER: Final = 1800  # seconds
