"""The requests' database: on disk before a webhook's 200, pollers' changes within seconds, only changed rows written,
a disk that fails or a file that does not read never loses tracking, and backups copy a still file."""

from __future__ import annotations

from datetime import datetime, timedelta
from http import HTTPStatus
import json
from pathlib import Path
import shutil
import sqlite3
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.status_tracker import backup
from custom_components.status_tracker.const import DOMAIN, EVENT_STATE_CHANGED, STORAGE_SAVE_DELAY
from custom_components.status_tracker.core.downloads import TorrentPhase
from custom_components.status_tracker.core.events import DownloadProgress
from custom_components.status_tracker.core.models import Episode, EpisodeState, MediaRequest, MediaType, RequestState
from custom_components.status_tracker.database import Batch, Database, all_rows

from .helpers import (
    DATABASE,
    DUNE_HASH,
    ENTRY_ID,
    MOVIE_FLOW,
    WEBHOOK_IDS,
    Services,
    in_memory,
    load_fixture,
    read_database,
    request_states,
    restart,
    stored_requests,
    tick,
)

ISSUE_ID = f"store_unreadable_storage_{ENTRY_ID}"


def _database(hass: HomeAssistant) -> Path:
    return Path(hass.config.path(DATABASE))


async def _post(client: Any, service: str, fixture: str) -> tuple[int, str]:
    response = await client.post(f"/api/webhook/{WEBHOOK_IDS[service]}", data=load_fixture(f"{fixture}.json"))
    return response.status, (await response.json())["message"]


async def test_a_webhook_is_on_disk_when_it_is_answered(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Read the file right after each 200, before any timer or unload: every acknowledged change is there."""
    client = await hass_client_no_auth()
    for service, fixture in (("jellyseerr", "jellyseerr/movie_auto_approved"), ("radarr", "radarr/grab")):
        assert await _post(client, service, fixture) == (HTTPStatus.OK, "applied 1 change(s)")
        assert await stored_requests(hass) == in_memory(init_integration.runtime_data.hub)
    (stored,) = await stored_requests(hass)
    assert (stored["state"], stored["download_id"]) == ("grabbing", DUNE_HASH)


async def test_progress_is_written_within_the_delay_however_many_changes_keep_coming(
    hass: HomeAssistant, init_integration: MockConfigEntry, services: Services, freezer: FrozenDateTimeFactory
) -> None:
    """A download making progress every 2 s for 30 s (pollers' changes are batched): every change is on disk within
    STORAGE_SAVE_DELAY of it, the timer is never pushed back."""
    await services.run("jellyseerr/movie_auto_approved", "radarr/grab")
    hub = init_integration.runtime_data.hub
    (rid,) = hub.requests
    written_at: dict[float, float] = {}
    elapsed = 0.0
    for step in range(1, 16):
        progress = step / 20
        await hub.async_apply([DownloadProgress(DUNE_HASH, TorrentPhase.DOWNLOADING, progress, 1000, 60)])
        for _ in range(2):
            await tick(hass, freezer, 1)
            elapsed += 1
            (stored,) = await stored_requests(hass)
            written_at.setdefault(stored.get("download_progress", 0), elapsed)
        assert hub.requests[rid].download_progress == progress
    # Each progress value reached the file no later than STORAGE_SAVE_DELAY (+1 s of tick granularity) after it was
    # applied at 2 * (step - 1) s; some are overtaken by the next value before the write, none waits longer.
    late = [value for value, at in written_at.items() if value and at - (value * 20 - 1) * 2 > STORAGE_SAVE_DELAY + 1]
    assert late == []
    assert len(written_at) >= 5


async def test_a_change_writes_only_the_rows_that_changed(
    hass: HomeAssistant, init_integration: MockConfigEntry, services: Services
) -> None:
    """One Sonarr import of one episode of a five-episode season writes that episode's row and its request's, no
    other row; a webhook that changes no request writes only the time it arrived."""
    await services.run("jellyseerr/tv_auto_approved", "sonarr/grab_season_pack", "sonarr/grab_episode")
    batches: list[Batch] = []
    write = Database.write

    def recording(self: Database, batch: Batch) -> None:
        batches.append(batch)
        write(self, batch)

    with patch.object(Database, "write", recording):
        await services.run("sonarr/download_episode")
        await services.run("sonarr/test")
    imported, test = batches
    assert [(season, episode) for _rid, season, episode, _data in imported.episodes] == [(1, 5)]
    assert len(imported.requests) == 1
    assert (imported.deleted_requests, imported.deleted_episodes, imported.replaced_episodes) == ([], [], [])
    assert (test.requests, test.episodes, [key for key, _ in test.meta]) == ([], [], ["last_webhook"])
    assert await stored_requests(hass) == in_memory(init_integration.runtime_data.hub)

    # After a restart, the first change of a request replaces its episode rows (they are not hashed at load), the
    # next ones write only what changed again.
    await restart(hass, init_integration)
    batches.clear()
    with patch.object(Database, "write", recording):
        await services.run("sonarr/download_pack_file_e01")
        await services.run("sonarr/download_pack_file_e02")
    first, second = batches
    (rid,) = init_integration.runtime_data.hub.requests
    assert (first.replaced_episodes, len(first.episodes)) == ([(rid,)], 5)
    assert [(season, episode) for _rid, season, episode, _data in second.episodes] == [(1, 2)]
    assert await stored_requests(hass) == in_memory(init_integration.runtime_data.hub)


async def test_a_disk_that_fails_answers_503_and_catches_up_by_itself(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """While the file cannot be written, webhooks are not acknowledged (the sender shows the failure), the dashboard
    still follows them, the failure is logged once; once the disk works, everything is written without a new event."""
    client = await hass_client_no_auth()

    def failing(self: Database, batch: Batch) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    with patch.object(Database, "write", failing):
        for service, fixture in (("jellyseerr", "jellyseerr/movie_auto_approved"), ("radarr", "radarr/grab")):
            status, message = await _post(client, service, fixture)
            assert (status, message) == (HTTPStatus.SERVICE_UNAVAILABLE, "not saved: the disk could not be written")
        await tick(hass, freezer, STORAGE_SAVE_DELAY * 2)
    assert [state.state for state in request_states(hass)] == ["grabbing"]
    assert caplog.text.count("could not be saved, retrying: disk I/O error") == 1
    assert await stored_requests(hass) == []

    await tick(hass, freezer, STORAGE_SAVE_DELAY * 8)
    (stored,) = await stored_requests(hass)
    assert (stored["state"], stored["download_id"]) == ("grabbing", DUNE_HASH)
    assert "saved again" in caplog.text


async def test_remove_request_that_cannot_be_saved_says_so(
    hass: HomeAssistant, init_integration: MockConfigEntry, services: Services
) -> None:
    """The remove_request action raises a translated error when its change cannot be written."""
    await services.run("jellyseerr/movie_auto_approved")
    (state,) = request_states(hass)

    def failing(self: Database, batch: Batch) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    with patch.object(Database, "write", failing), pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(DOMAIN, "remove_request", {"entity_id": state.entity_id}, blocking=True)
    assert err.value.translation_key == "not_saved"


def _garbage(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database, it was cut off or overwritten" * 100)


def _newer(path: Path) -> None:
    db = Database(path)
    db.open()
    db.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()


def _bad_row(path: Path) -> None:
    db = Database(path)
    db.open()
    db.close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO requests (id, seq, data) VALUES ('x', 0, ?)", (b'{"title": "no id"}',))
    conn.close()


def _orphan_episode(path: Path) -> None:
    db = Database(path)
    db.open()
    db.close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO episodes VALUES ('gone', 1, 1, ?)", (json.dumps({"season": 1, "episode": 1}),))
    conn.close()


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (_garbage, "DatabaseError: file is not a database"),
        (_newer, "NewerDatabaseError: stored by schema 99"),
        (_bad_row, "KeyError: 'request_id'"),
        (_orphan_episode, "KeyError: 'gone'"),
    ],
    ids=["not-sqlite", "newer-schema", "bad-row", "orphan-episode"],
)
async def test_an_unreadable_database_is_kept_aside_and_tracking_goes_on(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    damage: Any,
    problem: str,
) -> None:
    """The file is renamed to `.db.backup` (never overwritten), a repair issue names it, tracking starts empty."""
    path = _database(hass)
    await hass.async_add_executor_job(damage, path)
    original = await hass.async_add_executor_job(path.read_bytes)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert mock_config_entry.runtime_data.hub.requests == {}
    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_ID)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["backup"] == f"{DATABASE}.backup"
    assert issue.translation_placeholders["problem"].startswith(problem)
    kept = path.with_name(f"{path.name}.backup")
    assert await hass.async_add_executor_job(kept.read_bytes) == original

    await Services(hass, hass_client_no_auth).run("jellyseerr/movie_auto_approved")
    await restart(hass, mock_config_entry)
    assert [state.state for state in request_states(hass)] == ["approved"]


def _copy_main_file(source: Path, target: Path) -> tuple[bytes, list[dict[str, Any]]]:
    """What a backup copying only the main file would restore: its bytes and the requests it holds."""
    target.mkdir()
    shutil.copyfile(source, target / source.name)
    requests, _meta = read_database(target / source.name)
    return (target / source.name).read_bytes(), requests


async def test_a_backup_copies_a_main_file_that_does_not_change(
    hass: HomeAssistant, init_integration: MockConfigEntry, services: Services, tmp_path: Path
) -> None:
    """Between async_pre_backup and async_post_backup the main file keeps its bytes (webhooks still go to the WAL,
    and are answered); it holds everything answered before the backup started."""
    await services.run("jellyseerr/movie_auto_approved")
    path = _database(hass)
    await backup.async_pre_backup(hass)
    at_start, restored = await hass.async_add_executor_job(_copy_main_file, path, tmp_path / "start")
    assert [item["title"] for item in restored] == ["Dune: Part Two"]

    await services.run(*MOVIE_FLOW[1:], "jellyseerr/tv_auto_approved")
    during, _ = await hass.async_add_executor_job(_copy_main_file, path, tmp_path / "during")
    assert during == at_start
    assert len(await stored_requests(hass)) == 2  # answered, in the WAL

    await backup.async_post_backup(hass)
    after, restored = await hass.async_add_executor_job(_copy_main_file, path, tmp_path / "after")
    assert after != at_start
    assert [item["title"] for item in restored] == ["Dune: Part Two", "Chernobyl"]


async def test_the_database_is_closed_on_unload_and_reopened(
    hass: HomeAssistant, init_integration: MockConfigEntry, services: Services
) -> None:
    """Unloading closes the file (its WAL folded in); a webhook after a reload lands in the same file."""
    await services.run("jellyseerr/movie_auto_approved")
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    wal = Path(f"{_database(hass)}-wal")
    assert not await hass.async_add_executor_job(wal.exists)
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    await services.run("radarr/grab")
    assert [item["state"] for item in await stored_requests(hass)] == ["grabbing"]


async def test_after_home_assistant_stopped_writing_webhooks_are_not_acknowledged(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Once the final write closed the file, a late webhook is answered 503, not a 200 that nothing keeps."""
    client = await hass_client_no_auth()
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    status, _ = await _post(client, "jellyseerr", "jellyseerr/movie_auto_approved")
    assert status == HTTPStatus.SERVICE_UNAVAILABLE


async def test_unload_with_a_failing_disk_says_what_was_not_saved(
    hass: HomeAssistant, init_integration: MockConfigEntry, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """Changes still unwritten when the entry unloads are named in the log, and the unload completes."""
    await services.run("jellyseerr/movie_auto_approved")
    hub = init_integration.runtime_data.hub

    def failing(self: Database, batch: Batch) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    with patch.object(Database, "write", failing):
        await hub.async_mark_stuck(list(hub.requests), dt_util.utcnow())
        assert await hass.config_entries.async_unload(init_integration.entry_id)
        await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert "could not be saved before closing" in caplog.text


def _finished_series(path: Path, finished_at: datetime) -> None:
    """A database holding a series AVAILABLE since `finished_at`, its episode rows not compacted yet."""
    request = MediaRequest(
        request_id="5eries0000000000000000000000000a",
        media_type=MediaType.TV,
        title="Chernobyl",
        state=RequestState.AVAILABLE,
        created_at=finished_at,
        updated_at=finished_at,
    )
    request.episodes = {
        (1, e): Episode(1, e, EpisodeState.AVAILABLE, title=f"Episode {e}", final_path=f"/tv/S01E0{e}.mkv")
        for e in range(1, 6)
    }
    database = Database(path)
    database.open()
    database.write(all_rows([request])[0])
    database.close()


async def test_finished_requests_are_compacted_while_loading(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """A history written before it was compacted (an upgrade) is compacted and written during the load, off the loop;
    the request keeps no entity, and its rows on disk are the compact ones."""
    path = _database(hass)
    await hass.async_add_executor_job(_finished_series, path, dt_util.utcnow() - timedelta(days=30))
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert request_states(hass) == []
    (stored,) = await stored_requests(hass)
    assert stored == in_memory(mock_config_entry.runtime_data.hub)[0]
    assert [row.get("title") for row in stored["episodes"]] == [None] * 5
    assert [row["state"] for row in stored["episodes"]] == ["available"] * 5


async def test_automations_hear_of_a_webhook_once_it_is_on_disk(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """The state-changed event of a webhook fires after its commit: what an automation reacts to survives a crash."""
    path = _database(hass)
    on_disk_when_fired: list[list[str]] = []

    @callback
    def fired(event: Event) -> None:
        requests, _meta = read_database(path)
        on_disk_when_fired.append([item["state"] for item in requests])

    hass.bus.async_listen(EVENT_STATE_CHANGED, fired)
    client = await hass_client_no_auth()
    await _post(client, "jellyseerr", "jellyseerr/movie_auto_approved")
    await _post(client, "radarr", "radarr/grab")
    await hass.async_block_till_done()
    assert on_disk_when_fired == [["approved"], ["grabbing"]]
