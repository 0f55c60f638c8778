"""The Store file of releases before the database: imported once (older versions migrated on the way), then set aside;
files that cannot be read are kept as a backup with a repair issue, and tracking starts empty."""

from __future__ import annotations

from collections.abc import Generator
from http import HTTPStatus
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import STORAGE_DIR, Store
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker.const import DOMAIN

from .helpers import (
    DATABASE,
    ENTRY_ID,
    FIXTURES,
    STORE_KEY,
    Services,
    read_database,
    request_states,
    restart,
    stored_requests,
)

ISSUE_ID = f"store_unreadable_storage_{ENTRY_ID}"
# Home Assistant's own loader, before the test harness swaps it for its in-memory storage.
REAL_LOAD = Store._async_load

# As version 1.1 wrote it: the tracker's own "format" key, and a request from before the clocks existed.
V1_1_DATA = {
    "tracker": {
        "format": 1,
        "requests": [
            {
                "request_id": "8f14e45fceea167a5a36dedd4bea2543",
                "media_type": "movie",
                "title": "Dune: Part Two",
                "state": "grabbing",
                "created_at": "2026-11-20T10:00:00+00:00",
                "updated_at": "2026-11-20T10:05:00+00:00",
                "tmdb_id": 693134,
                "year": 2024,
                "jellyseerr_request_id": "12",
                "download_id": "0123456789abcdef0123456789abcdef01234567",
                "download_ids": ["0123456789abcdef0123456789abcdef01234567"],
            }
        ],
    },
    "last_webhook": {"radarr": "2026-11-20T10:05:00+00:00"},
}


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_older_version_is_migrated(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """A 1.1 file is imported into the database in today's form, then kept aside as `.store_backup`, once."""
    hass_storage[STORE_KEY] = {"version": 1, "minor_version": 1, "key": STORE_KEY, "data": V1_1_DATA}
    await _setup(hass, mock_config_entry)

    (state,) = request_states(hass)
    assert state.state == "grabbing"
    assert state.attributes["title"] == "Dune: Part Two"
    assert state.attributes["download_id"] == "0123456789abcdef0123456789abcdef01234567"
    requests, meta = await hass.async_add_executor_job(read_database, Path(hass.config.path(DATABASE)))
    # The clock that 1.1 left implicit is now written out; nothing else changed.
    assert requests == [{**V1_1_DATA["tracker"]["requests"][0], "state_changed_at": "2026-11-20T10:05:00+00:00"}]
    assert meta == {"last_webhook": V1_1_DATA["last_webhook"]}
    # Set aside in the form this release's predecessor reads (1.2), should the integration be downgraded.
    assert STORE_KEY not in hass_storage
    kept = hass_storage[f"{STORE_KEY}.store_backup"]["data"]
    assert kept["tracker"]["requests"] == requests
    assert f"{STORE_KEY}.backup" not in hass_storage
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_ID) is None

    # Imported once: the next start reads the database.
    await restart(hass, mock_config_entry)
    assert [state.attributes["title"] for state in request_states(hass)] == ["Dune: Part Two"]
    assert await stored_requests(hass) == requests


async def test_store_file_of_the_previous_release_is_imported(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """A real file written by the release before the database (a movie AVAILABLE, a season pack half imported)."""
    written = json.loads((FIXTURES / "store" / "status_tracker_1.2.json").read_text(encoding="utf-8"))
    path = Path(hass.config.path(STORAGE_DIR, STORE_KEY))
    await hass.async_add_executor_job(_write, path, json.dumps(written, indent=2))
    with patch.object(Store, "_async_load", REAL_LOAD):
        await _setup(hass, mock_config_entry)
    states = {state.attributes["title"]: state for state in request_states(hass)}
    assert {title: state.state for title, state in states.items()} == {
        "Dune: Part Two": "available",
        "Chernobyl": "grabbing",
    }
    assert states["Chernobyl"].attributes["state_text"] == "2 importing, 3 queued"
    assert await stored_requests(hass) == written["data"]["tracker"]["requests"]
    assert mock_config_entry.runtime_data.hub.last_webhook == written["data"]["last_webhook"]
    assert hass_storage[f"{STORE_KEY}.store_backup"]["data"] == written["data"]


async def test_migrated_request_keeps_tracking(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Webhooks after the migration update the migrated request (its indexes were rebuilt), not a new one."""
    hass_storage[STORE_KEY] = {"version": 1, "minor_version": 1, "key": STORE_KEY, "data": V1_1_DATA}
    await _setup(hass, mock_config_entry)
    await Services(hass, hass_client_no_auth).run("radarr/download")
    (state,) = request_states(hass)
    assert state.state == "importing"


@pytest.mark.parametrize(
    "data",
    [
        {"tracker": {"requests": [{"title": "no id"}]}, "last_webhook": 5},
        {"tracker": {"requests": [{"request_id": "x", "media_type": "book"}]}},
        {"tracker": "garbage"},
        ["not", "an", "object"],
    ],
)
async def test_unreadable_data_is_backed_up_with_a_repair_issue(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    hass_client_no_auth: ClientSessionGenerator,
    data: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """JSON that does not read as requests: kept as a backup, tracking starts empty, a repair issue says where."""
    hass_storage[STORE_KEY] = {"version": 1, "minor_version": 2, "key": STORE_KEY, "data": data}
    await _setup(hass, mock_config_entry)
    assert mock_config_entry.runtime_data.hub.requests == {}
    assert hass_storage[f"{STORE_KEY}.backup"]["data"] == data
    assert f"they were kept in .storage/{STORE_KEY}.backup" in caplog.text
    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_ID)
    assert issue is not None
    assert issue.translation_key == "store_unreadable"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["backup"] == f".storage/{STORE_KEY}.backup"

    # Tracking goes on from empty, and saving does not touch the backup.
    await Services(hass, hass_client_no_auth).run("radarr/grab")
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    assert len(await stored_requests(hass)) == 1
    assert hass_storage[f"{STORE_KEY}.backup"]["data"] == data
    assert STORE_KEY not in hass_storage


async def test_newer_version_is_kept_not_overwritten(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """A file from a newer major version (the integration was downgraded) is backed up untouched."""
    newer = {"version": 2, "minor_version": 1, "key": STORE_KEY, "data": {"requests_v2": [1, 2, 3]}}
    hass_storage[STORE_KEY] = dict(newer)
    await _setup(hass, mock_config_entry)
    assert mock_config_entry.runtime_data.hub.requests == {}
    assert hass_storage[f"{STORE_KEY}.backup"]["data"] == newer["data"]
    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_ID)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert "version 2" in issue.translation_placeholders["problem"]


async def test_store_issue_is_acknowledged(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    hass_client: ClientSessionGenerator,
) -> None:
    """The issue's fix flow is a confirmation; submitting it removes the issue."""
    hass_storage[STORE_KEY] = {"version": 1, "minor_version": 2, "key": STORE_KEY, "data": {"tracker": "garbage"}}
    assert await async_setup_component(hass, "repairs", {})
    await _setup(hass, mock_config_entry)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_ID)
    assert issue is not None
    assert issue.is_fixable
    assert issue.is_persistent

    client = await hass_client()
    response = await client.post("/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": ISSUE_ID})
    assert response.status == HTTPStatus.OK
    flow = await response.json()
    assert flow["step_id"] == "confirm"
    response = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    assert response.status == HTTPStatus.OK
    assert (await response.json())["type"] == "create_entry"
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_ID) is None


@pytest.fixture
def corrupt_store_file(hass: HomeAssistant) -> Generator[Path]:
    """The entry's real store file, cut off mid-write; removed afterwards with whatever it was renamed to."""
    path = Path(hass.config.path(STORAGE_DIR, STORE_KEY))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"version": 1, "minor_version": 2, "data": {"tracker": {"requ', encoding="utf-8")
    yield path
    for leftover in path.parent.glob(f"{STORE_KEY}*"):
        leftover.unlink()


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _after_load(path: Path) -> tuple[bool, list[str]]:
    """Whether the store file is still there, and the text of each file it was renamed to."""
    return path.exists(), [kept.read_text(encoding="utf-8") for kept in path.parent.glob(f"{STORE_KEY}.corrupt.*")]


async def test_corrupt_file_is_renamed_and_reported(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, corrupt_store_file: Path
) -> None:
    """A file that is not JSON at all: Home Assistant keeps it aside and raises its own repair issue for us."""
    with patch.object(Store, "_async_load", REAL_LOAD):
        await _setup(hass, mock_config_entry)
    assert mock_config_entry.runtime_data.hub.requests == {}
    still_there, kept = await hass.async_add_executor_job(_after_load, corrupt_store_file)
    assert not still_there
    assert len(kept) == 1
    assert kept[0].startswith('{"version": 1')
    issues = [
        issue
        for (domain, _), issue in ir.async_get(hass).issues.items()
        if domain == "homeassistant" and issue.issue_domain == DOMAIN
    ]
    assert [issue.translation_key for issue in issues] == ["storage_corruption"]
    assert request_states(hass) == []
    assert all(state.state != STATE_UNAVAILABLE for state in hass.states.async_all("sensor"))
