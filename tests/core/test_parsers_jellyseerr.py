"""Jellyseerr payloads -> events (contracts.md §3, E8, E10, E11)."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.status_tracker.core.events import NotificationKind, RequestNotified
from custom_components.status_tracker.core.models import MediaType
from custom_components.status_tracker.core.parsers import InvalidPayload, jellyseerr

from .helpers import RULES, load


def _one(payload: Any) -> RequestNotified:
    (event,) = jellyseerr.parse(payload, RULES)
    assert isinstance(event, RequestNotified)
    return event


def test_movie_auto_approved() -> None:
    event = _one(load("jellyseerr/movie_auto_approved"))
    assert event.kind is NotificationKind.AUTO_APPROVED
    assert event.jellyseerr_request_id == "16"
    assert (event.requested_by, event.requested_by_email) == ("Alice", "alice@example.com")
    assert event.requested_seasons is None
    media = event.media
    assert (media.media_type, media.title, media.year, media.tmdb_id, media.tvdb_id) == (
        MediaType.MOVIE,
        "Dune: Part Two",
        2024,
        693134,
        None,
    )
    assert not media.is_4k
    assert media.poster_url == "https://image.tmdb.org/t/p/w600_and_h900_bestv2/1pdfLvkbY9ohJlCjQH2CZjjYVvJ.jpg"


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [
        ("jellyseerr/movie_pending", NotificationKind.PENDING),
        ("jellyseerr/movie_approved", NotificationKind.APPROVED),
        ("jellyseerr/movie_available", NotificationKind.AVAILABLE),
        ("jellyseerr/movie_declined", NotificationKind.DECLINED),
        ("jellyseerr/movie_failed", NotificationKind.FAILED),
    ],
)
def test_kinds(fixture: str, kind: NotificationKind) -> None:
    assert _one(load(fixture)).kind is kind


def test_tv_seasons_and_tvdb() -> None:
    event = _one(load("jellyseerr/tv_auto_approved"))
    assert (event.media.media_type, event.media.tmdb_id, event.media.tvdb_id) == (MediaType.TV, 87108, 360893)
    assert event.requested_seasons == (1,)
    payload = load("jellyseerr/tv_auto_approved")
    payload["extra"] = ["junk", {"name": "Other", "value": "x"}, {"name": "Requested Seasons", "value": "3, 1, 2, 0"}]
    assert _one(payload).requested_seasons == (0, 1, 2, 3)
    payload["extra"] = []
    assert _one(payload).requested_seasons is None


def test_four_k_from_the_event_prefix() -> None:
    assert _one(load("jellyseerr/movie_4k_auto_approved")).media.is_4k


@pytest.mark.parametrize(
    ("subject", "title", "year"),
    [
        ("Dune: Part Two (2024)", "Dune: Part Two", 2024),
        ("(500) Days of Summer (2009)", "(500) Days of Summer", 2009),
        ("Star Wars: Episode IV (A New Hope) (1977)", "Star Wars: Episode IV (A New Hope)", 1977),
        ("Untitled Project", "Untitled Project", None),
        ("Blade Runner 2049 (2017) ", "Blade Runner 2049", 2017),
        ("(2024)", "(2024)", None),
    ],
)
def test_subject(subject: str, title: str, year: int | None) -> None:
    assert jellyseerr.split_subject(subject) == (title, year)


def test_poster_null_and_empty_values() -> None:
    payload = load("jellyseerr/movie_auto_approved")
    payload["image"] = "https://image.tmdb.org/t/p/w600_and_h900_bestv2null"
    payload["request"] = None
    event = _one(payload)
    assert event.media.poster_url is None
    assert (event.jellyseerr_request_id, event.requested_by) == (None, None)
    payload["image"] = ""
    payload["request"] = {"request_id": "", "requestedBy_username": ""}
    assert _one(payload).media.poster_url is None


def test_tv_with_only_a_tvdb_id() -> None:
    payload = load("jellyseerr/tv_auto_approved")
    payload["media"]["tmdbId"] = ""
    assert _one(payload).media.tvdb_id == 360893


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (load("jellyseerr/test_notification"), "Jellyseerr test notification"),
        (load("jellyseerr/issue_created"), "Jellyseerr notification ISSUE_CREATED is not tracked"),
        ({"subject": "x"}, "no notification_type: not a Jellyseerr payload"),
        ("MEDIA_PENDING", "payload is not a JSON object"),
    ],
)
def test_ignored(payload: Any, reason: str) -> None:
    assert jellyseerr.parse(payload, RULES) == []
    assert jellyseerr.parse_result(payload, RULES).ignored == reason


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: p.update(media=None), "media"),
        (lambda p: p.update(media="movie"), "media"),
        (lambda p: p["media"].pop("media_type"), "media.media_type"),
        (lambda p: p["media"].update(media_type="music"), "media.media_type"),
        (lambda p: p["media"].update(tmdbId=""), "media.tmdbId"),
        (lambda p: p["media"].update(tmdbId="69x"), "media.tmdbId"),
        (lambda p: p.pop("subject"), "subject"),
        (lambda p: p.update(request="Alice"), "request"),
        (lambda p: p.update(extra={"name": "Requested Seasons"}), "extra"),
        (lambda p: p.update(extra=[{"name": "Requested Seasons", "value": "1, two"}]), "extra[0].value"),
        # A digit to str.isdigit() that int() refuses: an InvalidPayload, not a crash.
        (lambda p: p.update(extra=[{"name": "Requested Seasons", "value": "1, \u00b2"}]), "extra[0].value"),
    ],
)
def test_bad_payloads_name_the_field(mutate: Any, field: str) -> None:
    payload = load("jellyseerr/tv_auto_approved" if field.startswith("extra") else "jellyseerr/movie_pending")
    mutate(payload)
    with pytest.raises(InvalidPayload) as info:
        jellyseerr.parse(payload, RULES)
    assert info.value.field == field
    assert field in str(info.value)
