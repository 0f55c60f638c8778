"""The database file on its own (no Home Assistant): a batch is all or nothing, order survives, space is given back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
import sqlite3

import pytest

from custom_components.status_tracker.core.models import Episode, MediaRequest, MediaType
from custom_components.status_tracker.database import Batch, Database, all_rows, rows_of

from .helpers import read_database

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _series(number: int, episodes: int) -> MediaRequest:
    request = MediaRequest(
        request_id=f"{number:032x}", media_type=MediaType.TV, title=f"Series {number}", created_at=NOW, updated_at=NOW
    )
    request.episodes = {(1, e): Episode(1, e, title=f"Episode {e} " + "x" * 200) for e in range(1, episodes + 1)}
    return request


def test_a_batch_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    """A batch that fails half way (its meta value cannot be stored) leaves none of its rows behind."""
    database = Database(tmp_path / "db")
    database.open()
    batch, _written = all_rows([_series(1, 3)])
    batch.meta.append(("last_webhook", {"not": "bytes"}))  # type: ignore[arg-type]
    with pytest.raises(sqlite3.Error):
        database.write(batch)
    database.write(Batch(meta=[("last_webhook", b"{}")]))
    database.close()
    assert read_database(tmp_path / "db") == ([], {"last_webhook": {}})


def test_requests_load_in_the_order_they_were_first_written(tmp_path: Path) -> None:
    """Ids are random; the tracker's order (oldest first) comes back from the first-write sequence, updates kept."""
    requests = [_series(number, 1) for number in (9, 3, 7)]
    database = Database(tmp_path / "db")
    database.open()
    batch, written = all_rows(requests)
    database.write(batch)
    requests[0].title = "Renamed"
    update = Batch()
    rows_of(requests[0], written[requests[0].request_id], 99, update)
    database.write(update)
    loaded = database.load()
    database.close()
    assert [request.title for request in loaded.tracker.requests.values()] == ["Renamed", "Series 3", "Series 7"]


def test_forgotten_requests_give_their_space_back(tmp_path: Path) -> None:
    """Deleting most rows shrinks the file (incremental vacuum), so a capped history stays small on disk."""
    path = tmp_path / "db"
    database = Database(path)
    database.open()
    requests = [_series(number, 20) for number in range(200)]
    batch, _written = all_rows(requests)
    database.write(batch)
    database.hold_checkpoints(True)  # folds the WAL into the main file, as a backup would
    full = path.stat().st_size
    database.hold_checkpoints(False)
    database.write(Batch(deleted_requests=[(request.request_id,) for request in requests[:190]]))
    database.hold_checkpoints(True)
    database.close()
    assert path.stat().st_size < full / 4
