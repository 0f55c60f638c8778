"""Parsers: one service's payload in, domain events out. Pure functions, no I/O, no Home Assistant.

Every service module has the same two entry points:

- `parse(payload, rules) -> list[Event]`: the events; `[]` when the payload is nothing the tracker acts on.
- `parse_result(payload, rules) -> ParseResult`: the same events, plus `ignored`, a short reason when the payload
  was deliberately skipped (a Test event, TEST_NOTIFICATION, an event type the tracker does not follow, a body
  that is not a JSON object, a shape without the service's type field). `ignored` is None when events came out.

Both raise `InvalidPayload` when the payload is of a type the tracker follows but lacks a field it needs, or has
it with a type that cannot be read (a number that is not one, an object that is a string). `.field` names the
field as a dotted path into the payload, e.g. "movie.tmdbId" or "episodes[0].seasonNumber".

Readers are tolerant where the services are loose: extra keys are ignored, absent optional keys and nulls mean
"unknown", numbers may arrive as strings ("693134", " 17 "), an empty string means absent, and an id of 0 means
unknown (Sonarr sends tmdbId 0 when it has none).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..events import Event
from ..models import AnimeRules

__all__ = ["AnimeRules", "InvalidPayload", "ParseResult"]


class InvalidPayload(ValueError):  # noqa: N818 - the name is the agreed API
    """A payload of a followed type misses a needed field, or has one that cannot be read."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What a parser made of one payload: events, or the reason it skipped the payload."""

    events: tuple[Event, ...] = ()
    ignored: str | None = None

    @classmethod
    def skip(cls, reason: str) -> ParseResult:
        """A payload deliberately left alone."""
        return cls(ignored=reason)
