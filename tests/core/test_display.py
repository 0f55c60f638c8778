"""The request sensor's readable attributes: text with units, nothing without a value, what needs a person first."""

from __future__ import annotations

from datetime import timedelta
import json

import pytest

from custom_components.status_tracker.core.attributes import percent, request_attributes
from custom_components.status_tracker.core.display import (
    format_duration,
    format_percent,
    format_speed,
    request_display_attributes,
)
from custom_components.status_tracker.core.models import Episode, EpisodeState, MediaRequest, MediaType, RequestState

from ..helpers import INTEGRATION
from .helpers import T0


def _movie(**fields: object) -> MediaRequest:
    return MediaRequest(
        request_id="r1",
        media_type=MediaType.MOVIE,
        title="Dune: Part Two",
        created_at=T0,
        updated_at=T0,
        year=2024,
        tmdb_id=693134,
        **fields,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (59, "59 s"), (211, "3 min 31 s"), (3600, "1 h"), (5400, "1 h 30 min"), (200000, "2 d 7 h")],
)
def test_durations_in_the_two_largest_units(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("speed", "text"),
    [(512, "512 B/s"), (1500, "1.5 kB/s"), (273140, "273 kB/s"), (48234567, "48 MB/s"), (2_500_000_000, "2.5 GB/s")],
)
def test_speeds_in_decimal_units(speed: int, text: str) -> None:
    assert format_speed(speed) == text


def test_percent_with_one_decimal() -> None:
    assert (format_percent(0.119), format_percent(0), format_percent(1)) == ("11.9 %", "0.0 %", "100.0 %")


def test_a_downloading_movie_reads_as_text_with_units() -> None:
    request = _movie(
        state=RequestState.DOWNLOADING,
        download_progress=0.119,
        download_speed=273140,
        download_eta=211,
        requested_by="Alice",
    )
    shown = request_display_attributes(request)
    assert (shown["year"], shown["tmdb_id"], shown["request_id"]) == ("2024", "693134", "r1")
    assert (shown["download_progress"], shown["download_speed"], shown["download_eta"]) == (
        "11.9 %",
        "273 kB/s",
        "3 min 31 s",
    )
    # A movie has nothing of a series, and nothing without a value: the dialog would show "Unknown" rows.
    assert list(shown) == [
        "needs_attention",
        "download_progress",
        "download_speed",
        "download_eta",
        "title",
        "year",
        "media_type",
        "requested_by",
        "request_id",
        "tmdb_id",
        "created_at",
        "state_changed_at",
        "updated_at",
    ]
    assert shown["needs_attention"] is False
    # The machine shape (get_requests, events) keeps numbers and every key.
    machine = request_attributes(request)
    assert (machine["year"], machine["download_speed"], machine["download_progress"]) == (2024, 273140, 11.9)
    assert machine["tvdb_id"] is None


def test_reason_and_attention_first_flags_only_when_they_hold() -> None:
    request = _movie(
        reason="Manual import needed",
        needs_attention=True,
        is_4k=True,
        cause="import_blocked",
        cause_since=T0,
        cause_details={"message": "No files"},
        stuck_since=T0 + timedelta(hours=1),
        poster_url="",
    )
    shown = request_display_attributes(request)
    assert list(shown)[:6] == ["reason", "needs_attention", "cause", "cause_since", "cause_details", "stuck_since"]
    assert (shown["is_4k"], "is_anime" in shown, "poster_url" in shown) == (True, False, False)
    assert shown["stuck_since"] == "2024-05-20T19:00:00+00:00"


def test_a_series_shows_its_seasons_as_text_and_its_episode_rows_last() -> None:
    request = MediaRequest(
        request_id="r2",
        media_type=MediaType.TV,
        title="Chernobyl",
        created_at=T0,
        updated_at=T0,
        tvdb_id=360893,
        requested_seasons=[2, 1],
    )
    request.episodes[(1, 1)] = Episode(season=1, episode=1, state=EpisodeState.DOWNLOADING, download_progress=0.5)
    request.episodes[(1, 2)] = Episode(season=1, episode=2)
    shown = request_display_attributes(request)
    assert (shown["requested_seasons"], shown["tvdb_id"], shown["media_type"]) == ("1, 2", "360893", "tv")
    assert shown["state_text"] == "1 downloading, 1 queued"
    assert list(shown)[-1] == "episodes"
    assert [(row["episode"], row["state"], row["download_progress"]) for row in shown["episodes"]] == [
        (1, "downloading", 50.0),
        (2, "pending", None),
    ]
    assert shown["episodes"] == request_attributes(request)["episodes"]


def test_every_attribute_and_value_has_a_translated_name() -> None:
    """Home Assistant would otherwise show "Tmdb ID" or "Is 4k"; strings.json names each one."""
    strings = json.loads((INTEGRATION / "strings.json").read_text(encoding="utf-8"))
    named = strings["entity"]["sensor"]["request"]["state_attributes"]
    request = _movie(
        reason="x",
        needs_attention=True,
        is_4k=True,
        is_anime=True,
        already_available=True,
        cause="stalled",
        cause_since=T0,
        cause_details={"a": "b"},
        stuck_since=T0,
        download_progress=0.5,
        download_speed=1,
        download_eta=1,
        requested_by="a",
        quality="q",
        download_client="c",
        download_id="d",
        final_path="/f",
        jellyseerr_request_id="1",
        tvdb_id=1,
        imdb_id="tt1",
        poster_url="https://p",
        anime_matched_at=T0,
        available_at=T0,
        requested_seasons=[1],
    )
    request.episodes[(1, 1)] = Episode(season=1, episode=1)
    shown = request_display_attributes(request)
    assert set(request_attributes(request)) - set(shown) == {"episode_counts", "episode_total", "episode_causes"}
    assert set(shown) - set(named) == set()
    for key in ("needs_attention", "is_4k", "is_anime", "already_available"):
        assert named[key]["state"] == {"true": "Yes", "false": "No"}
    assert set(named["media_type"]["state"]) == {str(media_type) for media_type in MediaType}


def test_progress_never_reads_complete_before_it_is() -> None:
    """qBittorrent's 0.9996 while still downloading reads 99.9 %, in the dialog and in get_requests; exact
    fractions keep their tenth."""
    assert format_percent(0.9996) == "99.9 %"
    assert format_percent(0.119) == "11.9 %"
    assert format_percent(1.0) == "100.0 %"
    assert format_percent(0.0) == "0.0 %"
    assert [percent(value) for value in (0.9996, 0.119, 0.5, 1.0, None)] == [99.9, 11.9, 50.0, 100.0, None]
