"""Thin asyncio clients for the services status_tracker polls.

They take an aiohttp session from Home Assistant (inject-websession) and raise only the exceptions below, so callers
never see aiohttp internals. No Home Assistant imports here.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A service could not be used."""


class CannotConnectError(ServiceError):
    """The service did not answer (refused, DNS, timeout, 5xx)."""


class InvalidAuthError(ServiceError):
    """The service refused our credentials."""


class InvalidResponseError(ServiceError):
    """The service answered something we cannot read."""


class WebhookRejectedError(ServiceError):
    """The service could not deliver a test webhook to the URL we gave it."""
