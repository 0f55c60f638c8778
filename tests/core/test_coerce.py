"""The shared value coercers: what parsers, clients and catch-up read from a loose JSON value."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from custom_components.status_tracker.core.coerce import as_float, as_int, iso, whole_number


@pytest.mark.parametrize(
    ("value", "expected"),
    [(7, 7), (0, 0), (7.0, 7), (" 17 ", 17), ("0042", 42), (None, None), ("", None), ("   ", None)],
)
def test_whole_numbers_in_every_form_the_services_send(value: object, expected: int | None) -> None:
    assert whole_number(value) == expected
    assert as_int(value) == expected


@pytest.mark.parametrize("value", [True, False, 7.5, "7.0", "x7", "\u00b2", "-3", [], {}, object()])
def test_anything_else_raises_for_parsers_and_reads_none_for_clients(value: object) -> None:
    with pytest.raises(ValueError, match="not a whole number"):
        whole_number(value)
    assert as_int(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.5, 0.5), (1, 1.0), ("0.25", 0.25), (" 3 ", 3.0), (None, None), (True, None), ("fast", None), ([], None)],
)
def test_as_float(value: object, expected: float | None) -> None:
    assert as_float(value) == expected


def test_iso() -> None:
    assert iso(datetime(2025, 5, 1, 12, 30, tzinfo=UTC)) == "2025-05-01T12:30:00+00:00"
    assert iso(None) is None
