"""When a request waiting on the library is looked up in Jellyfin. Pure, no I/O.

Jellyfin scans a changed folder only `LibraryMonitorDelay` seconds (60 by default) after the folder's LAST file
change: each new file restarts the timer (`IO/FileRefresher.cs`; a scan requested through `/Library/Media/Updated`
takes the same path). Its scan then takes seconds to a minute before the item is listed with its provider ids. So
a request is looked up when Jellyfin can have listed it: AFTER_DELAY after its last import plus the delay (closely
while a scan may run, then backing off as before), then every `recheck_every`. A lookup before that cannot succeed.

- The last import: the first time a changed request holds a file (final path) it did not hold before; a season
  pack's episodes arriving one after another push the first lookup back, as each pushes Jellyfin's scan back. A
  request that was waiting before this schedule knew it (a restart) counts from when it last moved.
- `check_soon` makes a request due at once (a Shoko match, a refresh, a failed immediate check); its later lookups
  keep to the schedule.
- The delay is re-read every DELAY_REFRESH (DELAY_RETRY after a failed read); until it has been read, or when it
  cannot be, DEFAULT_MONITOR_DELAY applies (Jellyfin's own default).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .models import MediaRequest

DEFAULT_MONITOR_DELAY = 60  # seconds; ServerConfiguration.LibraryMonitorDelay's default
# A delay above this is taken as this: past it the rechecks every `recheck_every` find the item anyway.
MAX_MONITOR_DELAY = 3600  # seconds
# Lookups after the last import plus the delay: every 10-30 s while the scan may run, then as the former schedule.
AFTER_DELAY = (timedelta(seconds=5), timedelta(seconds=15), timedelta(seconds=30), timedelta(seconds=60),
               timedelta(minutes=2), timedelta(minutes=5))  # fmt: skip
DELAY_REFRESH = timedelta(hours=1)
DELAY_RETRY = timedelta(minutes=5)


@dataclass(slots=True)
class _Plan:
    """One waiting request: the files it held at its last import, when that was, and its last lookup."""

    paths: frozenset[str]
    imported_at: datetime
    checked_at: datetime | None = None


class LibrarySchedule:
    """The lookups of the requests waiting on the library, timed to Jellyfin's LibraryMonitorDelay."""

    def __init__(self, recheck_every: timedelta) -> None:
        """`recheck_every`: the spacing of the lookups once the quick ones are spent (the library_poll_interval)."""
        self._recheck_every = recheck_every
        self._delay = timedelta(seconds=DEFAULT_MONITOR_DELAY)
        self._delay_read = False
        self._delay_read_due: datetime | None = None
        self._plans: dict[str, _Plan] = {}
        self._soon: set[str] = set()

    @property
    def monitor_delay(self) -> timedelta:
        """The LibraryMonitorDelay in use."""
        return self._delay

    @property
    def monitor_delay_read(self) -> bool:
        """Whether Jellyfin answered the delay in use (else it is the default)."""
        return self._delay_read

    def delay_due(self, now: datetime) -> bool:
        """True when the delay should be read (again) from Jellyfin."""
        return self._delay_read_due is None or self._delay_read_due <= now

    def use_monitor_delay(self, seconds: int | None, now: datetime) -> None:
        """The delay Jellyfin answered; None: it could not be read (the last one read, else the default, stays)."""
        if seconds is None:
            self._delay_read_due = now + DELAY_RETRY
            return
        self._delay = timedelta(seconds=min(max(seconds, 0), MAX_MONITOR_DELAY))
        self._delay_read = True
        self._delay_read_due = now + DELAY_REFRESH

    def note(self, request: MediaRequest, now: datetime) -> None:
        """A request changed: a file it did not hold before is an import, from which its lookups are timed."""
        paths = frozenset(request.final_paths)
        plan = self._plans.get(request.request_id)
        if paths and (plan is None or not paths <= plan.paths):
            self._plans[request.request_id] = _Plan(paths, now)

    def check_soon(self, request_id: str) -> None:
        """Look this request up at the next `due`."""
        self._soon.add(request_id)

    def due(self, waiting: Iterable[MediaRequest], now: datetime) -> list[str]:
        """The waiting requests to look up now, counted as looked up; the others' plans are dropped."""
        plans: dict[str, _Plan] = {}
        due = []
        for request in waiting:
            rid = request.request_id
            plan = self._plans.get(rid) or _Plan(frozenset(request.final_paths), min(request.moved_at, now))
            plans[rid] = plan
            if rid in self._soon or self._next(plan) <= now:
                due.append(rid)
                plan.checked_at = now
        self._plans = plans
        self._soon.intersection_update(plans)
        self._soon.difference_update(due)
        return due

    def next_lookup(self, request_id: str) -> datetime | None:
        """When the request is looked up next (None: not waiting, as far as the schedule knows)."""
        plan = self._plans.get(request_id)
        return None if plan is None else self._next(plan)

    def _next(self, plan: _Plan) -> datetime:
        start = plan.imported_at + self._delay
        if plan.checked_at is None:
            return start + AFTER_DELAY[0]
        checked_at = plan.checked_at
        return next(
            (start + after for after in AFTER_DELAY if start + after > checked_at), checked_at + self._recheck_every
        )
