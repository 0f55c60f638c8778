"""The SQLite file that keeps an entry's requests: one row per request and per episode, written incrementally.

Runs off the event loop: every method is called through the executor, one call at a time (storage.py serialises
them), so one connection serves every thread without sharing. Nothing here knows Home Assistant.

Layout (schema version in `PRAGMA user_version`):
- requests(id, seq, data): a request's stored form without its episode rows; `seq` keeps the order requests were
  first written in, which is the tracker's order (oldest first);
- episodes(request_id, season, episode, data): one row per episode, so a change of one episode writes that row only;
- meta(key, value): small values kept with the requests (when each service's webhook last arrived).
Rows are JSON. Tables are clustered on their keys (WITHOUT ROWID): a request's episodes share pages, so a change
touches a few pages whatever the size of the history.

Durability: WAL journal with synchronous=FULL, so a commit survives a crash of Home Assistant and a power cut. A
backup holds checkpoints (`hold_checkpoints`): the main file does not change while it is copied.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
import gc
from pathlib import Path
import sqlite3
from typing import Any

from homeassistant.helpers.json import json_bytes
from homeassistant.util.json import json_loads, json_loads_object

from .core.models import MediaRequest
from .core.tracker import Tracker

SCHEMA_VERSION = 1
# SQLite's default: the WAL is copied into the main file once it holds this many pages.
_AUTOCHECKPOINT_PAGES = 1000
_WAL_SIZE_LIMIT = 4 * 1024 * 1024

_SCHEMA = (
    "CREATE TABLE requests (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, data BLOB NOT NULL) WITHOUT ROWID",
    "CREATE TABLE episodes (request_id TEXT NOT NULL, season INTEGER NOT NULL, episode INTEGER NOT NULL,"
    " data BLOB NOT NULL, PRIMARY KEY (request_id, season, episode)) WITHOUT ROWID",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID",
)

type EpisodeKey = tuple[int, int]


class NewerDatabaseError(Exception):
    """The file was written by a newer version of the integration (it was downgraded)."""


@dataclass(slots=True)
class WrittenRow:
    """What the file holds for one request, as hashes of the stored bytes: a change writes only rows that differ."""

    seq: int
    digest: int
    # None until the request is first written after loading: hashing every episode at load would cost time and
    # memory for rows that mostly never change again; that first write replaces the request's episode rows instead.
    episodes: dict[EpisodeKey, int] | None = None


@dataclass(slots=True)
class Batch:
    """The rows one transaction writes and deletes."""

    requests: list[tuple[str, int, bytes]] = field(default_factory=list)
    episodes: list[tuple[str, int, int, bytes]] = field(default_factory=list)
    deleted_requests: list[tuple[str]] = field(default_factory=list)
    deleted_episodes: list[tuple[str, int, int]] = field(default_factory=list)
    # Requests whose episode rows are all deleted before `episodes` are written.
    replaced_episodes: list[tuple[str]] = field(default_factory=list)
    meta: list[tuple[str, bytes]] = field(default_factory=list)

    def __bool__(self) -> bool:
        """True when there is anything to write."""
        return any(
            (
                self.requests,
                self.episodes,
                self.deleted_requests,
                self.deleted_episodes,
                self.replaced_episodes,
                self.meta,
            )
        )


@dataclass(slots=True)
class Loaded:
    """Everything read at start: the tracker, the meta values and what each row holds."""

    tracker: Tracker
    meta: dict[str, Any]
    written: dict[str, WrittenRow]


def rows_of(request: MediaRequest, row: WrittenRow | None, seq: int, batch: Batch) -> WrittenRow:
    """Add to `batch` the rows of `request` that differ from `row` (what the file holds); the new WrittenRow.

    `seq` is used for a request never written before.
    """
    data = request.to_dict()
    episodes = data.pop("episodes", ())
    stored = json_bytes(data)
    digest = hash(stored)
    rid = request.request_id
    if row is None or digest != row.digest:
        batch.requests.append((rid, seq if row is None else row.seq, stored))
    known: dict[EpisodeKey, int] = {}
    if row is not None and row.episodes is None:
        batch.replaced_episodes.append((rid,))
    elif row is not None and row.episodes is not None:
        known = row.episodes
    hashes: dict[EpisodeKey, int] = {}
    for episode in episodes:
        key = (episode["season"], episode["episode"])
        stored = json_bytes(episode)
        hashes[key] = episode_digest = hash(stored)
        if known.get(key) != episode_digest:
            batch.episodes.append((rid, *key, stored))
    batch.deleted_episodes.extend((rid, *key) for key in known.keys() - hashes.keys())
    return WrittenRow(seq if row is None else row.seq, digest, hashes)


class Database:
    """One SQLite file; see the module docstring."""

    def __init__(self, path: Path) -> None:
        """Nothing is opened until `open` (which runs in the executor)."""
        self.path = path
        self._conn: sqlite3.Connection | None = None

    @property
    def files(self) -> tuple[Path, Path, Path]:
        """The file and SQLite's companions (the WAL and its shared-memory index)."""
        return self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")

    def open(self) -> None:
        """Open (creating the file and its tables when missing); NewerDatabaseError or sqlite3.Error if unusable."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: transactions are begun and ended here (`_transaction`), never implicitly.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            version = _schema_version(conn)
            if version == 0:
                # Before the first table: freed pages (retention) can then be given back to the file system.
                conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            # After a big transaction (an import), the WAL file is cut back to this size, not kept at its largest.
            conn.execute(f"PRAGMA journal_size_limit = {_WAL_SIZE_LIMIT}")
            if version == 0:
                with _transaction(conn):
                    for statement in _SCHEMA:
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    def load(self) -> Loaded:
        """Every row, as a tracker (built off the loop); ValueError, TypeError or KeyError if a row does not read."""
        conn = self._connection()
        requests: dict[str, dict[str, Any]] = {}
        written: dict[str, WrittenRow] = {}
        # Loading creates hundreds of thousands of objects and no cycles: the cyclic collector would only rescan them.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for rid, seq, data in conn.execute("SELECT id, seq, data FROM requests ORDER BY seq"):
                requests[rid] = json_loads_object(data)
                written[rid] = WrittenRow(seq, hash(data))
            # A request's episode rows as one JSON array, in key order (the table is clustered on it): one decode
            # per request instead of one per episode.
            query = "SELECT request_id, '[' || group_concat(data, ',') || ']' FROM episodes GROUP BY request_id"
            for rid, rows in conn.execute(query):
                # A row whose request is gone cannot be loaded: KeyError, as for any unreadable data.
                requests[rid]["episodes"] = json_loads(rows)
            tracker = Tracker.from_dict({"requests": list(requests.values())})
        finally:
            # Tracker.from_dict moved what it built to the collector's oldest generation.
            if collecting:
                gc.enable()
        meta = {key: json_loads(value) for key, value in conn.execute("SELECT key, value FROM meta")}
        return Loaded(tracker, meta, written)

    def write(self, batch: Batch) -> None:
        """Write one batch in one transaction (durable when this returns)."""
        conn = self._connection()
        with _transaction(conn):
            self._write(conn, batch)

    def replace_all(self, batch: Batch) -> None:
        """Make `batch` the whole content, in one transaction (an import)."""
        conn = self._connection()
        with _transaction(conn):
            conn.execute("DELETE FROM episodes")
            conn.execute("DELETE FROM requests")
            self._write(conn, batch)

    @staticmethod
    def _write(conn: sqlite3.Connection, batch: Batch) -> None:
        conn.executemany("DELETE FROM episodes WHERE request_id = ?", batch.deleted_requests)
        conn.executemany("DELETE FROM requests WHERE id = ?", batch.deleted_requests)
        conn.executemany(
            "INSERT INTO requests (id, seq, data) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data",
            batch.requests,
        )
        conn.executemany(
            "DELETE FROM episodes WHERE request_id = ? AND season = ? AND episode = ?", batch.deleted_episodes
        )
        conn.executemany("DELETE FROM episodes WHERE request_id = ?", batch.replaced_episodes)
        conn.executemany(
            "INSERT INTO episodes (request_id, season, episode, data) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (request_id, season, episode) DO UPDATE SET data = excluded.data",
            batch.episodes,
        )
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            batch.meta,
        )
        if batch.deleted_requests or batch.deleted_episodes:
            # Each step frees one page: run it to the end.
            conn.execute("PRAGMA incremental_vacuum").fetchall()

    def hold_checkpoints(self, hold: bool) -> None:
        """While held (a backup copies the files), writes stay in the WAL and the main file does not change."""
        conn = self._connection()
        if hold:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA wal_autocheckpoint = 0")
        else:
            conn.execute(f"PRAGMA wal_autocheckpoint = {_AUTOCHECKPOINT_PAGES}")
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def stats(self) -> dict[str, int]:
        """Row counts and bytes on disk (diagnostics)."""
        conn = self._connection()
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - our own table names
            for table in ("requests", "episodes")
        }
        size = sum(path.stat().st_size for path in self.files[:2] if path.exists())
        return {**counts, "bytes_on_disk": size}

    def close(self) -> None:
        """Close the connection (the WAL is folded into the main file)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def keep_aside(self, suffix: str) -> Path:
        """Rename the file and its WAL out of the way (unreadable data is kept, never overwritten); the new name."""
        self.close()
        kept = self.path.with_name(f"{self.path.name}{suffix}")
        main, wal, shm = self.files
        for source, target in ((main, kept), (wal, Path(f"{kept}-wal"))):
            if source.exists():
                source.replace(target)
        shm.unlink(missing_ok=True)
        return kept

    def remove(self) -> None:
        """Delete the file and its companions (the config entry was removed)."""
        self.close()
        for path in self.files:
            path.unlink(missing_ok=True)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise sqlite3.ProgrammingError("the database is not open")
        return self._conn


def _schema_version(conn: sqlite3.Connection) -> int:
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise NewerDatabaseError(f"stored by schema {version}, this integration reads {SCHEMA_VERSION}")
    return version


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def all_rows(requests: Sequence[MediaRequest]) -> tuple[Batch, dict[str, WrittenRow]]:
    """Every row of `requests` (an import), with what the file will hold once the batch is written."""
    batch = Batch()
    written = {request.request_id: rows_of(request, None, seq, batch) for seq, request in enumerate(requests)}
    return batch, written
