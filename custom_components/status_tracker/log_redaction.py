"""Keep the entry's secrets out of the log lines that can carry them.

Our code never logs a secret itself, but two kinds of line can hold one:
- ours that quote a service's own error text (catch-up, zero-touch webhook setup): Radarr/Sonarr echo the webhook URL
  they failed to reach;
- Home Assistant's and aiohttp's, for the webhook paths this integration owns: the webhook component logs the id of a
  refused or failing call (and the body at DEBUG), the HTTP security filter and ban middleware log the path of a
  refused request, and aiohttp's access log every path. A webhook id is a secret (anyone who knows it can post), and
  those lines are written before or outside any code of ours, so the only place to catch them is a filter on those
  loggers. This is why the filter reaches beyond the integration's own loggers; it only ever rewrites this entry's
  secrets, and is detached when the entry unloads.
A filter replaces every secret of the entry with a placeholder before any handler sees the record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
import logging
from typing import Any

from homeassistant.const import CONF_API_KEY, CONF_PASSWORD

from .const import ARR_SECTIONS, CONF_JELLYSEERR, CONF_QBITTORRENT, CONF_SHOKO, CONF_WEBHOOK_IDS, CONF_WEBHOOK_SECRETS

REDACTED = "**REDACTED**"
# Loggers that print request paths or payload snippets (see above). Filters apply to the records of the logger they
# are on, not to those of its children, so each one is named.
LOGGERS = (
    "homeassistant.components.webhook",
    "homeassistant.components.http",
    "homeassistant.components.http.security_filter",
    "homeassistant.components.http.ban",
    "homeassistant.helpers.http",
    "aiohttp.access",
    "aiohttp.server",
    # Ours that log a service's own error text: Radarr/Sonarr echo the webhook URL they failed to reach.
    f"{__package__}.webhook_setup",
    f"{__package__}.catchup",
)


class SecretFilter(logging.Filter):
    """Replaces known secrets in a record's message."""

    def __init__(self, secrets: Iterable[str]) -> None:
        """Remember the secrets; short strings are skipped so that ordinary words are never replaced."""
        super().__init__()
        self._secrets = sorted({secret for secret in secrets if len(secret) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the message when it holds a secret; never drops a record."""
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, REDACTED)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install(secrets: Iterable[str]) -> Callable[[], None]:
    """Attach the filter; return the function that detaches it."""
    secret_filter = SecretFilter(secrets)
    loggers = [logging.getLogger(name) for name in LOGGERS]
    for logger in loggers:
        logger.addFilter(secret_filter)

    def remove() -> None:
        for logger in loggers:
            logger.removeFilter(secret_filter)

    return remove


def entry_secrets(data: Mapping[str, Any], options: Mapping[str, Any]) -> list[str]:
    """Every secret the entry holds: webhook ids, webhook secrets, API keys and passwords."""
    secrets = [*data[CONF_WEBHOOK_IDS].values(), *(options.get(CONF_WEBHOOK_SECRETS) or {}).values()]
    secrets.append(data[CONF_API_KEY])
    sections = [data.get(key) or {} for key in (CONF_QBITTORRENT, CONF_SHOKO, CONF_JELLYSEERR, *ARR_SECTIONS)]
    secrets += [section.get(key) or "" for section in sections for key in (CONF_PASSWORD, CONF_API_KEY)]
    return [secret for secret in secrets if secret]
