"""What applying events to the tracker reports: the requests that changed, and what a retention pass retired."""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import Notice, RequestState


@dataclass(frozen=True, slots=True)
class Change:
    """One request whose stored data changed. `old_state` is None when it was just created."""

    request_id: str
    old_state: RequestState | None
    new_state: RequestState
    created: bool = False
    notice: Notice | None = None

    @property
    def state_changed(self) -> bool:
        """True when the request's state moved (always, for a created request)."""
        return self.old_state is not self.new_state


@dataclass(frozen=True, slots=True)
class Retirement:
    """What `retire` found: every retired request, and those whose compaction dropped something (to be saved)."""

    retired: list[str]
    compacted: list[str] = field(default_factory=list)
