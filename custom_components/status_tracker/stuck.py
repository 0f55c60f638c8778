"""Stuck requests: the flag, its repair issue, and the catch-up a newly stuck request triggers.

The library poller runs the check at each of its ticks: requests that have not moved for `stuck_after` are checked
against qBittorrent and the library once more, and those that still have not moved are flagged (the hub fires
status_tracker_request_stuck for each). A newly flagged request may be one whose webhooks were missed, so it
starts the catch-up with the services' APIs (catchup.py; at most every RECONCILE_EVERY).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .downloads import DownloadPoller
from .hub import Hub


class StuckRequests:
    """Flags the stuck requests of one entry and keeps its repair issue in step."""

    def __init__(
        self,
        hass: HomeAssistant,
        hub: Hub,
        *,
        stuck_after: timedelta,
        downloads: DownloadPoller | None,
        on_stuck: Callable[[], None] | None,
    ) -> None:
        self._hass = hass
        self._hub = hub
        self._stuck_after = stuck_after
        self._downloads = downloads
        self._on_stuck = on_stuck

    async def async_flag(self, now: datetime, check: Callable[[str], Awaitable[None]]) -> None:
        """Re-check (with `check`, the library's) requests that have not moved for too long; flag those that still
        do not move. A client error of `check` propagates: nothing is flagged on a failed check.
        """
        candidates = self._hub.stuck_candidates(now, self._stuck_after)
        if not candidates:
            return
        if self._downloads is not None:
            await self._downloads.async_poll()
        for request_id in candidates:
            await check(request_id)
        still = set(self._hub.stuck_candidates(dt_util.utcnow(), self._stuck_after))
        if flagged := [rid for rid in candidates if rid in still]:
            await self._hub.async_mark_stuck(flagged, now)
            if self._on_stuck is not None:
                self._on_stuck()

    @callback
    def update_issue(self) -> None:
        """One repair issue per entry while any request is stuck, listing them; gone once none is."""
        stuck = [r for rid in self._hub.active_ids() if (r := self._hub.get(rid)) is not None and r.stuck_since]
        issue_id = f"stuck_requests_{self._hub.entry_id}"
        if not stuck:
            ir.async_delete_issue(self._hass, DOMAIN, issue_id)
            return
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="stuck_requests",
            translation_placeholders={
                "count": str(len(stuck)),
                "minutes": str(int(self._stuck_after.total_seconds() // 60)),
                "titles": ", ".join(sorted(request.title for request in stuck)[:10]),
            },
        )
