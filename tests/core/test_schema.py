"""The stored form read from a dataclass's fields (core/schema.py), on records other than the tracker's own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from custom_components.status_tracker.core.models import MediaType
from custom_components.status_tracker.core.schema import Schema, loads_from, same_as

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
T1 = datetime(2025, 5, 2, 12, 0, tzinfo=UTC)


@dataclass(slots=True)
class Small:
    """One scalar and one list: the fingerprint's getters for a single name."""

    name: str
    tags: list[str] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class Clocked:
    """Clocks that fall back to another field, an enum with a default, a union that is not `X | None`."""

    kind: MediaType = MediaType.MOVIE
    start: datetime
    seen: datetime | None = field(default=None, metadata=loads_from("start"))
    moved: datetime | None = field(default=None, metadata=same_as("start"))
    either: int | str | None = None


def test_a_single_scalar_and_a_single_list() -> None:
    schema = Schema(Small)
    record = Small("a", ["x"])
    assert schema.dump(record) == {"name": "a", "tags": ["x"]}
    assert schema.dump(Small("b")) == {"name": "b"}
    assert Small(**schema.load({"name": "a", "tags": ["x"]})) == record
    before = schema.fingerprint(record)
    record.tags.append("y")
    assert schema.fingerprint(record) != before


def test_fallbacks_enums_and_unions() -> None:
    schema = Schema(Clocked)
    record = Clocked(start=T0, seen=T1, moved=T0, either="x")
    # The enum is always written; `moved` equals `start`, so it is left out and restored from it.
    assert schema.dump(record) == {
        "kind": "movie",
        "start": T0.isoformat(),
        "seen": T1.isoformat(),
        "either": "x",
    }
    assert Clocked(**schema.load(schema.dump(record))) == record
    # Stored before `seen` existed: it reads as `start`.
    assert schema.load({"kind": "tv", "start": T1.isoformat()}) == {
        "kind": MediaType.TV,
        "start": T1,
        "seen": T1,
        "moved": T1,
    }
