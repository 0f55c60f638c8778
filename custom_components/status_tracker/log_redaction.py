"""Keep the entry's secrets out of Home Assistant's own log lines.

Our code never logs a secret itself, but Home Assistant's webhook component and the HTTP access log print the
request path, which holds the webhook id (anyone who knows it can post), and the services' own error texts that we
log may echo the webhook URL. A filter on those loggers replaces every secret
of the entry with a placeholder before any handler sees the record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
import logging

REDACTED = "**REDACTED**"
# Loggers that print request paths or payload snippets (ours never log a secret: tests/test_security.py). Filters
# apply to the records of the logger they are on, not to those of its children, so each one is named.
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
    f"{__package__}.reconcile",
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
