"""A request's timeline: what happened to it, when, and which service, poller or person said so. Pure.

- `kind`: "state" (the tracker moved the request's state), "cause" (why it does not move changed), "remedy" (an
  action tried to fix it), "note" (anything else worth keeping, such as the stuck check flagging it).
- `source`: the service whose event did it ("jellyseerr", "radarr", "sonarr", "jellyfin", "qbittorrent", "shoko";
  `core/events.py:source_of`), "catch-up" (events rebuilt from the services' APIs), "stuck check",
  "user:<name>" / "automation" for an action, "repair" for a remedy run from the stuck requests' repair issue.
- `code`: what a program (the card, an automation) reads instead of the message: the new state of a "state" entry,
  a cause code, an action's name.
- Bounded: `append` keeps the last MAX_ENTRIES; retention (`MediaRequest.compact`) keeps the last COMPACTED_ENTRIES
  of a finished request. The timeline is stored in the request's own row (it changes with the request anyway).
- Entries are frozen, so the request's fingerprint, which copies the list, never shares a mutable entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .schema import Schema

MAX_ENTRIES = 50
COMPACTED_ENTRIES = 10

KIND_STATE = "state"
KIND_CAUSE = "cause"
KIND_REMEDY = "remedy"
KIND_NOTE = "note"
KINDS = (KIND_STATE, KIND_CAUSE, KIND_REMEDY, KIND_NOTE)

SOURCE_CATCH_UP = "catch-up"
SOURCE_STUCK_CHECK = "stuck check"
SOURCE_REPAIR = "repair"

CODE_STUCK = "stuck"


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One thing that happened to a request."""

    at: datetime
    kind: str
    source: str
    message: str
    code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Compact JSON-safe form (see schema.py): what the request's row stores."""
        return _ENTRY_SCHEMA.dump(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TimelineEntry:
        """Inverse of `to_dict`."""
        return cls(**_ENTRY_SCHEMA.load(data))

    def as_view(self) -> dict[str, str | None]:
        """Every field, the time as an ISO string: what `get_requests` returns (the same keys in every entry)."""
        return {
            "at": self.at.isoformat(),
            "kind": self.kind,
            "source": self.source,
            "message": self.message,
            "code": self.code,
        }


def append(timeline: list[TimelineEntry], entry: TimelineEntry) -> None:
    """Add `entry`, dropping the oldest entries beyond MAX_ENTRIES."""
    timeline.append(entry)
    if len(timeline) > MAX_ENTRIES:
        del timeline[:-MAX_ENTRIES]


def compact(timeline: list[TimelineEntry]) -> bool:
    """Keep the last COMPACTED_ENTRIES; True when something was dropped."""
    if len(timeline) <= COMPACTED_ENTRIES:
        return False
    del timeline[:-COMPACTED_ENTRIES]
    return True


def state_entry(old: str | None, new: str, reason: str | None, source: str, now: datetime) -> TimelineEntry:
    """The entry of a state change (`old` None: the request was just created); a failure says why."""
    message = f"Tracked as {new}" if old is None else f"{old} → {new}"
    if new == "failed" and reason:
        message = f"{message}: {reason}"
    return TimelineEntry(at=now, kind=KIND_STATE, source=source, message=message, code=str(new))


def stuck_entry(moved_at: datetime, now: datetime) -> TimelineEntry:
    """The stuck check's note: the request has not moved since `moved_at`."""
    message = f"Flagged stuck: no progress for {_duration(now - moved_at)}"
    return TimelineEntry(at=now, kind=KIND_NOTE, source=SOURCE_STUCK_CHECK, message=message, code=CODE_STUCK)


def cause_entry(old: str, new: str, now: datetime) -> TimelineEntry:
    """The stuck check's entry when a request's cause changed (diagnosed again while it still does not move)."""
    return TimelineEntry(at=now, kind=KIND_CAUSE, source=SOURCE_STUCK_CHECK, message=f"Cause: {old} → {new}", code=new)


def _duration(span: timedelta) -> str:
    """E.g. "2 d 3 h", "5 h 20 min", "45 min" (whole minutes, the two largest units)."""
    minutes = max(int(span.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


_ENTRY_SCHEMA = Schema(TimelineEntry)
