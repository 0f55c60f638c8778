"""Value coercers shared by the parsers, the clients and catch-up: one reading of a loose JSON value.

A number may be an int, an integral float or a string of ASCII digits (" 17 "); booleans are never numbers; None
and a blank string mean "absent". Two faces of one implementation: `whole_number` raises ValueError on anything
else (the parsers turn that into InvalidPayload with the field's dotted path), `as_int` and `as_float` answer None
(clients and catch-up skip what they cannot read).
"""

from __future__ import annotations

from datetime import datetime


def whole_number(value: object) -> int | None:
    """`value` as an int; None when absent or blank; ValueError when it is no whole number."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        # isdigit() is also true for "²" and other non-ASCII digits that int() refuses.
        if text.isascii() and text.isdigit():
            return int(text)
    raise ValueError(f"not a whole number: {value!r}")


def as_int(value: object) -> int | None:
    """`value` as an int, or None when absent or no whole number."""
    try:
        return whole_number(value)
    except ValueError:
        return None


def as_float(value: object) -> float | None:
    """`value` as a finite float (ints and numeric strings too), or None when absent, a boolean or no number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]  # anything float() refuses is junk, caught below
    except (TypeError, ValueError):
        return None
    # NaN and the infinities (Python's json reads them) are no value any service means.
    return number if abs(number) < float("inf") else None


def iso(value: datetime | None) -> str | None:
    """A datetime as its ISO string, None as None (stored forms, attributes, event data)."""
    return None if value is None else value.isoformat()
