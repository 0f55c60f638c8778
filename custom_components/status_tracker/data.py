"""Runtime data kept on the config entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from homeassistant.config_entries import ConfigEntry

from .storage import StoredData, TrackerStore


@dataclass(slots=True)
class StatusTrackerData:
    """What a loaded entry owns."""

    store: TrackerStore
    # When each service last called its webhook (ISO 8601), persisted with the tracker.
    last_webhook: dict[str, str] = field(default_factory=dict)

    def as_stored(self) -> StoredData:
        """The plain data written to the store."""
        return {"last_webhook": dict(self.last_webhook)}

    @classmethod
    def from_stored(cls, store: TrackerStore, stored: dict[str, Any]) -> StatusTrackerData:
        """Rebuild from the store; unknown or damaged parts start empty."""
        last = stored.get("last_webhook")
        return cls(
            store=store,
            last_webhook={str(k): str(v) for k, v in last.items()} if isinstance(last, dict) else {},
        )


type StatusTrackerConfigEntry = ConfigEntry[StatusTrackerData]
