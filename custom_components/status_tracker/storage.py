"""The entry's requests on disk: loaded at start, then every change written incrementally, durable before a 200.

The database (database.py) runs in the executor; here, on the loop, is what changed and when it is written:
- `async_changed` stages requests (by id; None when one was removed) and meta values. A staged change is written
  within STORAGE_SAVE_DELAY by a timer that nothing postpones, so pollers' progress is batched, never held back.
- `async_commit` returns once everything staged so far is durable. Webhooks await it before answering 200. Commits
  that arrive while a write is under way share the next one (group commit): a burst of webhooks is a handful of
  transactions, each holding only the rows that changed (database.rows_of compares them with what the file holds).
- Rows are built on the loop (only those of staged requests, cheap), written off it; load runs wholly off the loop.
- A write that fails (disk full, I/O error) keeps its changes staged and is tried again, with a growing delay; it is
  logged once, and a commit waiting on it raises StoreWriteError (the webhook answers 500: the sender may retry).
- An unreadable or newer database is renamed to `<file>.backup`, tracking starts empty and a repair issue says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from contextlib import suppress
from datetime import datetime, timedelta
import logging
from pathlib import Path
import sqlite3
from typing import Any, TypeVar

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.json import json_bytes
from homeassistant.helpers.storage import STORAGE_DIR

from .const import DOMAIN, STORAGE_RETRY_MAX, STORAGE_SAVE_DELAY
from .core.models import MediaRequest
from .core.tracker import Tracker
from .database import Batch, Database, Loaded, NewerDatabaseError, WrittenRow, all_rows, rows_of
from .repairs import async_create_store_issue
from .store_migration import StoreFile, StoreFileImport, UnreadableStoreError

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

META_LAST_WEBHOOK = "last_webhook"
# Requests whose rows are built between two turns of the event loop (a request's rows take about 0.1 ms).
_ROWS_PER_SLICE = 100
# What a stored row that does not read raises, besides SQLite's own errors.
_UNREADABLE = (AttributeError, KeyError, TypeError, ValueError, NewerDatabaseError, sqlite3.DatabaseError)


class StoreWriteError(Exception):
    """The changes could not be written (they stay staged and are tried again)."""


class TrackerStore:
    """One database per config entry: .storage/status_tracker.<entry_id>.db."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Nothing is opened until `async_load`."""
        self._hass = hass
        self._entry_id = entry_id
        self._database = Database(Path(hass.config.path(STORAGE_DIR, f"{DOMAIN}.{entry_id}.db")))
        self._import = StoreFileImport(hass, entry_id)
        # One database call at a time, whoever makes it (writes, backups, diagnostics).
        self._lock = asyncio.Lock()
        self._written: dict[str, WrittenRow] = {}
        self._next_seq = 0
        self._staged: dict[str, MediaRequest | None] = {}
        self._staged_meta: dict[str, Any] = {}
        # Every staging bumps the generation; a write makes durable the generation it took.
        self._generation = 0
        self._durable = 0
        self._task: asyncio.Task[None] | None = None
        self._timer: CALLBACK_TYPE | None = None
        self._retry_delay = STORAGE_SAVE_DELAY
        self._failing = False
        self._closed = False

    @property
    def backup_path(self) -> str:
        """Where an unreadable database is kept, relative to the configuration directory."""
        return f"{STORAGE_DIR}/{self._database.path.name}.backup"

    # --- load -------------------------------------------------------------------------------------------------

    async def async_load(self, now: datetime, keep_finished: timedelta) -> tuple[Tracker, dict[str, str]]:
        """The saved tracker and webhook times; unreadable data is kept aside (repair issue), never overwritten.

        Requests finished for `keep_finished` are compacted (and written) here, off the loop: after an upgrade the
        first retention pass would otherwise compact a whole history on it (180 ms at 10,000 requests).
        """
        try:
            loaded = await self._async_run(self._open_and_load, now, keep_finished)
        except _UNREADABLE as err:
            # The exception text names SQLite's error or a key or value of our own data, never a secret.
            problem = f"{type(err).__name__}: {err}"
            await self._async_run(self._database.keep_aside, ".backup")
            self._report_unreadable(self.backup_path, problem)
            loaded = await self._async_run(self._open_and_load, now, keep_finished)
        try:
            store_file = await self._import.async_read()
        except UnreadableStoreError as err:
            self._report_unreadable(self._import.backup_path, str(err))
        else:
            if store_file is not None:
                # The Store file exists only until it is imported: it is newer than anything in the database.
                loaded = await self._async_run(self._import_rows, store_file, now, keep_finished)
                await self._import.async_set_aside()
        self._written = loaded.written
        self._next_seq = max((row.seq for row in loaded.written.values()), default=-1) + 1
        last = loaded.meta.get(META_LAST_WEBHOOK)
        return loaded.tracker, {str(k): str(v) for k, v in last.items()} if isinstance(last, dict) else {}

    def _open_and_load(self, now: datetime, keep_finished: timedelta) -> Loaded:
        try:
            self._database.open()
            loaded = self._database.load()
        except BaseException:
            self._database.close()
            raise
        batch = Batch()
        for rid in loaded.tracker.retire(now, keep_finished).compacted:
            request = loaded.tracker.requests[rid]
            loaded.written[rid] = rows_of(request, loaded.written[rid], loaded.written[rid].seq, batch)
        if batch:
            self._database.write(batch)
        return loaded

    def _import_rows(self, store_file: StoreFile, now: datetime, keep_finished: timedelta) -> Loaded:
        # In the executor: rows of every request (seconds for a large history), compacted first where retired.
        store_file.tracker.retire(now, keep_finished)
        batch, written = all_rows(list(store_file.tracker.requests.values()))
        batch.meta.append((META_LAST_WEBHOOK, json_bytes(store_file.last_webhook)))
        self._database.replace_all(batch)
        return Loaded(store_file.tracker, {META_LAST_WEBHOOK: store_file.last_webhook}, written)

    def _report_unreadable(self, backup: str, problem: str) -> None:
        _LOGGER.error("The saved requests could not be read (%s); they were kept in %s", problem, backup)
        async_create_store_issue(self._hass, self._entry_id, backup, problem)

    # --- changes ----------------------------------------------------------------------------------------------

    @callback
    def async_changed(self, requests: Mapping[str, MediaRequest | None], meta: Mapping[str, Any] | None = None) -> None:
        """Stage changed requests (None: removed) and meta values; they are written within STORAGE_SAVE_DELAY."""
        self._staged.update(requests)
        self._staged_meta.update(meta or {})
        self._generation += 1
        if self._timer is None and not self._closed:
            self._timer = async_call_later(self._hass, self._retry_delay, self._async_timer_fired)

    async def async_commit(self) -> None:
        """Return once every change staged so far is on disk; StoreWriteError if it could not be written."""
        target = self._generation
        while self._durable < target:
            if self._closed:
                raise StoreWriteError("the store is closed")
            if self._task is None or self._task.done():
                self._task = self._hass.async_create_task(self._async_write(), f"{DOMAIN} store write")
            # Shielded: a caller that gives up (a client hanging up) does not cancel the write others wait on.
            await asyncio.shield(self._task)

    async def _async_timer_fired(self, _now: Any) -> None:
        self._timer = None
        # A failure was logged by the write, which armed the timer that tries again.
        with suppress(StoreWriteError):
            await self.async_commit()

    async def _async_write(self) -> None:
        staged, self._staged = self._staged, {}
        meta, self._staged_meta = self._staged_meta, {}
        generation = self._generation
        batch, written, next_seq = await self._async_rows(staged, meta)
        try:
            if batch:
                await self._async_run(self._database.write, batch)
        except (sqlite3.Error, OSError) as err:
            # Changes staged meanwhile are newer than these.
            self._staged = {**staged, **self._staged}
            self._staged_meta = {**meta, **self._staged_meta}
            if not self._failing:
                _LOGGER.error("The tracked requests could not be saved, retrying: %s", err)  # noqa: TRY400 - no trace
                self._failing = True
            self._retry_delay = min(self._retry_delay * 2, STORAGE_RETRY_MAX)
            if self._timer is None and not self._closed:
                self._timer = async_call_later(self._hass, self._retry_delay, self._async_timer_fired)
            raise StoreWriteError(str(err)) from err
        for rid, row in written.items():
            if row is None:
                self._written.pop(rid, None)
            else:
                self._written[rid] = row
        self._next_seq = next_seq
        self._durable = max(self._durable, generation)
        if self._failing:
            _LOGGER.info("The tracked requests are saved again")
            self._failing = False
            self._retry_delay = STORAGE_SAVE_DELAY

    async def _async_rows(
        self, staged: Mapping[str, MediaRequest | None], meta: Mapping[str, Any]
    ) -> tuple[Batch, dict[str, WrittenRow | None], int]:
        batch = Batch(meta=[(key, json_bytes(value)) for key, value in meta.items()])
        written: dict[str, WrittenRow | None] = {}
        next_seq = self._next_seq
        for count, (rid, request) in enumerate(staged.items(), start=1):
            if count % _ROWS_PER_SLICE == 0:
                # A large batch (the first retention after an upgrade compacts thousands of requests) lets the loop
                # run between slices. A request changed meanwhile is written as it is now, and staged again.
                await asyncio.sleep(0)
            row = self._written.get(rid)
            if request is None:
                if row is not None:
                    batch.deleted_requests.append((rid,))
                    written[rid] = None
                continue
            if row is None:
                next_seq += 1
            written[rid] = rows_of(request, row, next_seq - 1, batch)
        return batch, written, next_seq

    # --- lifecycle ----------------------------------------------------------------------------------------------

    async def async_close(self) -> None:
        """Write what is staged and close the database (unload, Home Assistant stopping)."""
        if self._closed:
            return
        try:
            await self.async_commit()
        except StoreWriteError:
            _LOGGER.error("Changes of the last seconds could not be saved before closing")  # noqa: TRY400
        self._closed = True
        if self._timer is not None:
            self._timer()
            self._timer = None
        await self._async_run(self._database.close)

    async def async_hold_for_backup(self) -> None:
        """A backup is about to copy the files: write what is staged, then keep the main file still."""
        await self.async_commit()
        await self._async_run(self._database.hold_checkpoints, True)

    async def async_release_after_backup(self) -> None:
        """The backup is done: the WAL is folded into the main file again."""
        await self._async_run(self._database.hold_checkpoints, False)

    async def async_stats(self) -> dict[str, int]:
        """Row counts and size on disk (diagnostics)."""
        return await self._async_run(self._database.stats)

    async def async_remove(self) -> None:
        """Delete every file of the entry (the config entry was removed)."""
        await self._async_run(self._database.remove)
        await self._import.async_remove()

    async def _async_run(self, job: Callable[..., _T], *args: Any) -> _T:
        async with self._lock:
            return await self._hass.async_add_executor_job(job, *args)
