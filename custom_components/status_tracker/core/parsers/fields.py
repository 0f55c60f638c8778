"""Tolerant readers for JSON objects, raising InvalidPayload with the field's dotted path.

Rules: a key that is absent, null or "" reads as None; numbers are read by coerce.whole_number (ints, integral
floats or digit strings; booleans are never numbers); an id of 0 reads as None.
"""

from __future__ import annotations

from typing import Any

from ..coerce import whole_number
from . import InvalidPayload

type JsonObject = dict[str, Any]


def sub(path: str, key: str) -> str:
    """The dotted path of `key` under `path`."""
    return f"{path}.{key}" if path else key


def present[T](value: T | None, key: str, path: str = "") -> T:
    """`value` read from data[key]; InvalidPayload "missing" when it is None."""
    if value is None:
        raise InvalidPayload(sub(path, key), "missing")
    return value


def require_object(data: JsonObject, key: str, path: str = "") -> JsonObject:
    """data[key] as an object; InvalidPayload when absent or not an object."""
    return present(optional_object(data, key, path), key, path)


def optional_object(data: JsonObject, key: str, path: str = "") -> JsonObject | None:
    """data[key] as an object, or None when absent/null."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidPayload(sub(path, key), "must be an object")
    return value


def optional_list(data: JsonObject, key: str, path: str = "") -> list[Any]:
    """data[key] as a list; [] when absent/null."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidPayload(sub(path, key), "must be a list")
    return value


def require_list(data: JsonObject, key: str, path: str = "") -> list[Any]:
    """data[key] as a list; InvalidPayload when absent."""
    present(data.get(key), key, path)
    return optional_list(data, key, path)


def optional_str(data: JsonObject, key: str, path: str = "") -> str | None:
    """data[key] as a stripped string; None when absent, null or blank. Numbers become strings."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidPayload(sub(path, key), "must be a string")
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidPayload(sub(path, key), "must be a string")
    value = value.strip()
    return value or None


def require_str(data: JsonObject, key: str, path: str = "") -> str:
    """data[key] as a non-blank string."""
    return present(optional_str(data, key, path), key, path)


def optional_int(data: JsonObject, key: str, path: str = "") -> int | None:
    """data[key] as an int; None when absent, null or blank (coerce.whole_number reads it)."""
    value = data.get(key)
    try:
        return whole_number(value)
    except ValueError:
        if isinstance(value, bool):
            raise InvalidPayload(sub(path, key), "must be a number") from None
        raise InvalidPayload(sub(path, key), f"must be a whole number, got {value!r}") from None


def require_int(data: JsonObject, key: str, path: str = "") -> int:
    """data[key] as an int."""
    return present(optional_int(data, key, path), key, path)


def optional_id(data: JsonObject, key: str, path: str = "") -> int | None:
    """A numeric id; 0 (the *arr "none") reads as None."""
    return optional_int(data, key, path) or None


def optional_bool(data: JsonObject, key: str, path: str = "") -> bool:
    """data[key] as a bool; False when absent. Accepts "true"/"false" strings."""
    value = data.get(key)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    raise InvalidPayload(sub(path, key), "must be true or false")


def download_id(data: JsonObject, key: str = "downloadId") -> str | None:
    """A download id in canonical form: lowercase (the *arr send torrent hashes in UPPERCASE)."""
    value = optional_str(data, key)
    return None if value is None else value.lower()
