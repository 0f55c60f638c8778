"""qBittorrent vocabulary: state -> phase for 4.x and 5.x, eta, torrent ids (E6, E7, E20)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.status_tracker.core.downloads import (
    ETA_UNKNOWN,
    DownloadWatch,
    Torrent,
    TorrentPhase,
    eta_seconds,
    is_torrent_hash,
    torrent_keys,
    torrent_phase,
)
from custom_components.status_tracker.core.events import DownloadMissing, DownloadProgress

G, D, DONE, F, U = (
    TorrentPhase.GRABBING,
    TorrentPhase.DOWNLOADING,
    TorrentPhase.DOWNLOADED,
    TorrentPhase.FAILED,
    TorrentPhase.UNKNOWN,
)
# Every state qBittorrent emits (torrentStateToString), below 100 %. `allocating` only appears in the wiki.
COMMON = {
    "metaDL": G,
    "forcedMetaDL": G,
    "queuedDL": G,
    "checkingDL": G,
    "checkingResumeData": G,
    "allocating": G,
    "downloading": D,
    "stalledDL": D,
    "forcedDL": D,
    "uploading": DONE,
    "stalledUP": DONE,
    "queuedUP": DONE,
    "checkingUP": DONE,
    "forcedUP": DONE,
    "error": F,
    "missingFiles": F,
    "moving": U,
    "unknown": U,
}
QBT_4 = {**COMMON, "pausedDL": D, "pausedUP": DONE}
QBT_5 = {**COMMON, "stoppedDL": D, "stoppedUP": DONE}


@pytest.mark.parametrize(("state", "phase"), sorted(QBT_4.items()))
def test_qbittorrent_4_states(state: str, phase: TorrentPhase) -> None:
    assert torrent_phase(state, 0.3) is phase


@pytest.mark.parametrize(("state", "phase"), sorted(QBT_5.items()))
def test_qbittorrent_5_states(state: str, phase: TorrentPhase) -> None:
    assert torrent_phase(state, 0.3) is phase


@pytest.mark.parametrize("state", sorted(set(QBT_4) | set(QBT_5) | {"", "someFutureState"}))
def test_complete_progress_is_downloaded_unless_failed(state: str) -> None:
    expected = F if state in {"error", "missingFiles"} else DONE
    assert torrent_phase(state, 1.0) is expected
    assert torrent_phase(state, 1.0000001) is expected


def test_unknown_states_change_nothing() -> None:
    assert torrent_phase("someFutureState", 0.5) is U
    assert torrent_phase("", 0.0) is U
    assert torrent_phase("Downloading", 0.5) is U  # states are case-sensitive in qBittorrent


def test_eta() -> None:
    assert ETA_UNKNOWN == 8640000
    assert eta_seconds(ETA_UNKNOWN) is None
    assert eta_seconds(ETA_UNKNOWN + 1) is None
    assert eta_seconds(-1) is None
    assert eta_seconds(None) is None
    assert eta_seconds(0) == 0
    assert eta_seconds(951) == 951


V1 = "8c212779b4abde7c6bc608063a0d008b7e40ce32"
V2 = "d8dd32ac93357c368556af3ac1d95c9d76bd0dff6fa9833ecdac3d53134efabb"
OTHER = "c0ffee00deadbeef0123456789abcdef01234567"
T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("download_id", "expected"),
    [
        (V1, True),
        (V1.upper(), True),
        (V2, True),
        (V2.upper(), True),
        (V1[:39], False),
        (V1 + "0", False),
        (V2[:63], False),
        (V2 + "0", False),
        ("0123456789abcdef0123456789abcdef", False),  # NZBGet's 32-hex GUID (E7)
        ("SABnzbd_nzo_abc", False),
        ("SABnzbd_nzo_" + "a" * 28, False),  # 40 chars, not hex
        ("g" * 40, False),
        (f" {V1}", False),
        ("", False),
        (None, False),
    ],
)
def test_is_torrent_hash(download_id: str | None, expected: bool) -> None:
    assert is_torrent_hash(download_id) is expected


def test_torrent_keys_of_a_hybrid_torrent() -> None:
    # libtorrent 2: qBittorrent's `hash` is the v2 hash truncated to 40 chars (E6).
    keys = torrent_keys(V2[:40], V1.upper(), V2.upper())
    assert keys == {V2[:40], V1, V2}
    assert V1 in keys  # Radarr's Grab id (InfoHashes.V1OrV2 prefers v1)
    assert V2[:40] in keys  # the later Download event's id


def test_torrent_keys_of_v1_and_v2_only_torrents() -> None:
    assert torrent_keys(V1, V1, "") == {V1}
    assert torrent_keys(V1, "", "") == {V1}  # qBittorrent 4.x before 4.4 has no info hash fields
    assert torrent_keys(V2[:40], "", V2) == {V2[:40], V2}  # v2-only: the *arr knows the 64-char id


def test_progress_event_from_raw_torrent_fields() -> None:
    event = Torrent(V1, state="downloading", progress=0.45, speed=48234567, eta=951).progress_event(V1.upper())
    assert event == DownloadProgress(V1, TorrentPhase.DOWNLOADING, 0.45, 48234567, 951)
    stalled = Torrent(V1, state="stalledDL", progress=0.45, speed=0, eta=ETA_UNKNOWN).progress_event(V1)
    assert (stalled.eta, stalled.reason) == (None, None)
    failed = Torrent(V1, state="missingFiles", progress=0.45).progress_event(V1)
    assert (failed.phase, failed.reason) == (TorrentPhase.FAILED, "qBittorrent: missingFiles")


def test_torrent_from_sync_maindata_fields() -> None:
    """qBittorrent's fields as sent (numbers as JSON numbers), and fields of the wrong type read as unknown."""
    torrent = Torrent.from_fields(V2[:40].upper(), {"name": "Dune", "state": "downloading", "progress": 0.45,
                                  "dlspeed": 48234567, "eta": 951, "infohash_v1": V1, "infohash_v2": V2})  # fmt: skip
    assert torrent == Torrent(V2[:40], "Dune", "downloading", 0.45, 48234567, 951, V1, V2)
    assert torrent.keys == {V2[:40], V1, V2}
    garbage = Torrent.from_fields(V1, {"progress": "n/a", "state": None, "dlspeed": "fast", "eta": [1]})
    assert garbage == Torrent(V1)
    assert garbage.progress_event(V1) == DownloadProgress(V1, TorrentPhase.UNKNOWN, 0.0, None, None)
    assert Torrent.from_fields(V1, {"progress": float("nan"), "eta": float("inf")}) == Torrent(V1)
    assert Torrent.from_fields(V1, {"progress": "1", "eta": "60"}).progress_event(V1).phase is TorrentPhase.DOWNLOADED


def test_download_watch_fails_a_torrent_missing_for_the_timeout_only() -> None:
    """Progress for the torrents found by any of their ids; DownloadMissing once one is gone for `missing_after`."""
    watch = DownloadWatch(timedelta(minutes=10))
    found = Torrent(V2[:40], state="downloading", progress=0.5, infohash_v1=V1, infohash_v2=V2)
    awaited = frozenset({V1, OTHER})
    assert watch.events(awaited, [found], T0) == [found.progress_event(V1)]
    assert watch.events(awaited, [found], T0 + timedelta(seconds=599)) == [found.progress_event(V1)]
    assert set(watch.events(awaited, [found], T0 + timedelta(seconds=600))) == {
        found.progress_event(V1),
        DownloadMissing(OTHER),
    }
    # Seen again, the timer starts over; no longer awaited, it is forgotten.
    assert set(watch.events(awaited, [found, Torrent(OTHER)], T0 + timedelta(seconds=601))) == {
        found.progress_event(V1),
        Torrent(OTHER).progress_event(OTHER),
    }
    assert watch.events(frozenset({OTHER}), [], T0 + timedelta(seconds=602)) == []
    watch.idle()
    assert watch.events(frozenset({OTHER}), [], T0 + timedelta(seconds=1201)) == []
    assert watch.events(frozenset({OTHER}), [], T0 + timedelta(seconds=1801)) == [DownloadMissing(OTHER)]
