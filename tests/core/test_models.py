"""Models: state order, episode summaries, anime path rules, serialisation."""

from __future__ import annotations

import json

from custom_components.status_tracker.core.models import (
    AnimeRules,
    Episode,
    EpisodeState,
    MediaRequest,
    MediaType,
    RequestState,
)

from .helpers import T0


def test_states_in_progress_order_with_lowercase_values() -> None:
    assert [state.value for state in RequestState] == [
        "requested",
        "approved",
        "grabbing",
        "downloading",
        "downloaded",
        "importing",
        "anime_matching",
        "available",
        "failed",
    ]
    assert [state.rank for state in RequestState] == list(range(9))
    assert EpisodeState.PENDING.rank < EpisodeState.ANIME_MATCHING.rank < EpisodeState.AVAILABLE.rank
    assert EpisodeState.PENDING.request_state is RequestState.APPROVED
    assert EpisodeState.ANIME_MATCHING.request_state is RequestState.ANIME_MATCHING
    assert str(MediaType.TV) == "tv"


def _tv(*states: EpisodeState) -> MediaRequest:
    request = MediaRequest(request_id="r", media_type=MediaType.TV, title="Show", created_at=T0, updated_at=T0)
    for number, state in enumerate(states, start=1):
        request.episodes[(1, number)] = Episode(season=1, episode=number, state=state)
    return request


def test_tv_state_is_the_lowest_waiting_episode() -> None:
    assert _tv().derived_state() is RequestState.REQUESTED
    assert _tv(EpisodeState.AVAILABLE, EpisodeState.IMPORTING, EpisodeState.GRABBING).derived_state() is (
        RequestState.GRABBING
    )
    assert _tv(EpisodeState.AVAILABLE, EpisodeState.FAILED).derived_state() is RequestState.FAILED
    assert _tv(EpisodeState.AVAILABLE, EpisodeState.AVAILABLE).derived_state() is RequestState.AVAILABLE


def test_state_text_and_counts() -> None:
    request = _tv(
        EpisodeState.DOWNLOADED,
        EpisodeState.DOWNLOADED,
        EpisodeState.DOWNLOADED,
        EpisodeState.DOWNLOADING,
        EpisodeState.PENDING,
        EpisodeState.GRABBING,
        EpisodeState.FAILED,
    )
    assert request.state_text() == "3 downloaded, 1 downloading, 2 queued, 1 failed"
    assert request.episode_counts()["downloaded"] == 3
    assert request.episode_counts()["available"] == 0
    assert request.grabbed_text() == "Grabbed 6 eps"
    request.episode_total = 12
    assert request.grabbed_text() == "Grabbed 6/12 eps"


def test_anime_path_prefixes() -> None:
    rules = AnimeRules(path_prefixes=("/data/media/anime/", "D:\\Anime", ""))
    assert rules.path_is_anime("/data/media/anime/Frieren/S01E01.mkv")
    assert rules.path_is_anime("/DATA/media/anime")
    assert rules.path_is_anime("d:/anime/Show/file.mkv")
    assert not rules.path_is_anime("/data/media/anime-movies/Suzume (2022)")
    assert not rules.path_is_anime(None)
    assert not AnimeRules().path_is_anime("/data/media/anime/x")


def test_full_request_round_trip_is_json_and_compact() -> None:
    request = _tv(EpisodeState.AVAILABLE)
    request.episodes[(1, 1)].available_at = T0
    request.requested_seasons = []
    request.upgraded_at = T0
    request.download_progress = 0.0
    data = request.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert "poster_url" not in data
    assert data["requested_seasons"] == []
    assert data["download_progress"] == 0.0
    assert MediaRequest.from_dict(data) == request
    assert Episode.from_dict(Episode(season=0, episode=3).to_dict()) == Episode(season=0, episode=3)
