"""Runtime data kept on the config entry."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .ingest import Ingest
from .storage import TrackerStore


@dataclass(slots=True)
class StatusTrackerData:
    """What a loaded entry owns."""

    store: TrackerStore
    ingest: Ingest


type StatusTrackerConfigEntry = ConfigEntry[StatusTrackerData]
