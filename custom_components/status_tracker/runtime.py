"""Runtime data kept on the config entry."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .coordinator import DownloadCoordinator, LibraryCoordinator
from .hub import Hub
from .storage import TrackerStore
from .summary import SummaryCoordinator


@dataclass(slots=True)
class StatusTrackerData:
    """What a loaded entry owns."""

    store: TrackerStore
    hub: Hub
    downloads: DownloadCoordinator | None
    library: LibraryCoordinator
    summary: SummaryCoordinator


type StatusTrackerConfigEntry = ConfigEntry[StatusTrackerData]
