"""The pollers' shared timer: one poll every interval, slower while the service fails, and how a failure shows.

A plain timer rather than a DataUpdateCoordinator: the pollers own no entity and keep no data, they hand what they
find to the hub. While a service fails, the interval doubles (up to MAX_POLL_BACKOFF), the failure is logged once
and the return once, and after UNREACHABLE_ISSUE_AFTER a repair issue says so; requests keep their states. Refused
credentials raise a repair issue naming the service and start Home Assistant's reauthentication; polling then waits
for the reload that follows it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import logging

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .clients import InvalidAuthError, ServiceError
from .const import MAX_POLL_BACKOFF, UNREACHABLE_ISSUE_AFTER
from .repairs import (
    async_create_auth_issue,
    async_create_unreachable_issue,
    async_delete_auth_issue,
    async_delete_unreachable_issue,
)

_LOGGER = logging.getLogger(__name__)


class OtherServiceError(Exception):
    """A client error of a service the poller asks besides its own (Shoko, for the library poller)."""

    def __init__(self, service: str, error: ServiceError) -> None:
        super().__init__(service)
        self.service = service
        self.error = error


class Poller:
    """Runs `_async_poll` every interval once started, until the entry unloads."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, *, name: str, service: str, interval: timedelta
    ) -> None:
        self.hass = hass
        self._entry = entry
        self._name = name
        self._service = service
        self._base_interval = interval
        self._interval = interval
        self._failures = 0
        self._failing_since: datetime | None = None
        self._last_poll_ok = True
        self._started = False
        self._unsub_timer: CALLBACK_TYPE | None = None

    @property
    def service(self) -> str:
        """The name of the service this poller asks, as messages show it."""
        return self._service

    @property
    def interval(self) -> timedelta:
        """The time to the next poll: the configured interval, or more while the service fails."""
        return self._interval

    @property
    def last_poll_ok(self) -> bool:
        """False while the last poll failed."""
        return self._last_poll_ok

    @callback
    def async_start(self) -> None:
        """Poll every interval from now on, until the entry unloads."""
        self._started = True
        self._entry.async_on_unload(self.async_stop)
        self._schedule()

    @callback
    def async_stop(self) -> None:
        """No more polls."""
        self._started = False
        self._cancel_timer()

    async def async_poll(self) -> None:
        """Poll now (an action or the stuck check asks); the next scheduled poll is one interval from here."""
        self._cancel_timer()
        if await self._async_run():
            self._schedule()

    async def _async_poll(self) -> bool:
        """Ask the service and apply what it says; True when the service answered (False: nothing to ask)."""
        raise NotImplementedError

    async def _async_run(self) -> bool:
        """One poll; False when credentials were refused (no poll until the entry reloads)."""
        try:
            answered = await self._async_poll()
        except OtherServiceError as err:
            return self._failed(err.error, err.service)
        except ServiceError as err:
            return self._failed(err, self._service)
        except Exception:
            _LOGGER.exception("Unexpected error polling %s", self._service)
            self._last_poll_ok = False
            return True
        if answered:
            self._succeeded()
        if not self._last_poll_ok:
            _LOGGER.info("%s recovered", self._service)
            self._last_poll_ok = True
        return True

    def _succeeded(self) -> None:
        self._failures = 0
        self._interval = self._base_interval
        if self._failing_since is not None:
            self._failing_since = None
            async_delete_unreachable_issue(self.hass, self._entry.entry_id, self._service)
        async_delete_auth_issue(self.hass, self._entry.entry_id, self._service)

    def _failed(self, err: ServiceError, service: str) -> bool:
        """Report a failed poll; whether polling goes on."""
        first, self._last_poll_ok = self._last_poll_ok, False
        log = _LOGGER.error if first else _LOGGER.debug
        if isinstance(err, InvalidAuthError):
            log("%s refused the saved credentials; Home Assistant asks for new ones", service)
            self.report_refused(service)
            self._entry.async_start_reauth(self.hass)
            return False
        log("%s is unavailable: %s; requests keep their states", service, str(err) or type(err).__name__)
        self._failures += 1
        now = dt_util.utcnow()
        self._failing_since = self._failing_since or now
        if now - self._failing_since >= timedelta(seconds=UNREACHABLE_ISSUE_AFTER):
            minutes = UNREACHABLE_ISSUE_AFTER // 60
            async_create_unreachable_issue(self.hass, self._entry.entry_id, self._service, minutes)
        backoff = self._base_interval.total_seconds() * 2 ** min(self._failures, 10)
        self._interval = timedelta(seconds=min(backoff, MAX_POLL_BACKOFF))
        return True

    @callback
    def report_refused(self, service: str) -> None:
        """The repair issue that says which service refused its credentials."""
        async_create_auth_issue(self.hass, self._entry.entry_id, service)

    @callback
    def _schedule(self) -> None:
        # As Home Assistant's coordinators do: no polls while the user disabled polling or Home Assistant stops.
        if not self._started or self.hass.is_stopping or self._entry.pref_disable_polling:
            return
        self._cancel_timer()
        self._unsub_timer = async_call_later(self.hass, self._interval, self._on_timer)

    @callback
    def _on_timer(self, _now: datetime) -> None:
        self._unsub_timer = None
        self._entry.async_create_task(self.hass, self._async_scheduled(), f"status_tracker {self._name}")

    async def _async_scheduled(self) -> None:
        if await self._async_run():
            self._schedule()

    @callback
    def _cancel_timer(self) -> None:
        if self._unsub_timer is not None:
            self._unsub_timer()
            self._unsub_timer = None
