"""How a record is stored: its dataclass fields are the one declaration `to_dict`, `from_dict` and `fingerprint` read.

The stored format (what `Schema.dump` writes and `Schema.load` reads back):
- keys in field order; enums as their value, datetimes as ISO strings, tuples as lists, a dict of rows (records with
  a `key`) as the list of their own stored forms sorted by key, a list of records (with `to_dict` / `from_dict`) as
  the list of their stored forms in order;
- compact: a value equal to its field's default (None, False, empty) is left out and restored as that default. An
  enum, or a field without a default, is always written and required on load;
- a `dict[str, str]` field (not rows: its values are plain strings) is stored as the JSON object it is;
- field metadata `loads_from(other)`: absent (stored before the field existed) reads as `other`'s value;
  `same_as(other)`: also left out while equal to `other`. `other` comes earlier and is always written.

`fingerprint` copies every value (lists as tuples, rows as tuples of their values): equal fingerprints mean equal
`dump()` output, at a tenth of its cost. The records of a list are not copied: they must be frozen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, fields
from datetime import datetime
from enum import Enum
from operator import attrgetter
from types import NoneType, UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

_LOADS_FROM = "loads_from"
_SAME_AS = "same_as"

type Convert = Callable[[Any], Any]


def loads_from(other: str) -> dict[str, str]:
    """Field metadata: a stored form without this field reads it as `other`'s value."""
    return {_LOADS_FROM: other}


def same_as(other: str) -> dict[str, str]:
    """Field metadata: left out while equal to `other`, and restored from it."""
    return {_LOADS_FROM: other, _SAME_AS: other}


class Schema:
    """The stored form of one dataclass, derived from its fields and their types."""

    def __init__(self, cls: type[Any]) -> None:
        """Read the fields of `cls` (a dataclass whose module defines every type its annotations name)."""
        hints = get_type_hints(cls)
        # (name, default, always written, encode, same_as) in field order.
        self._writers: list[tuple[str, object, bool, Convert | None, str | None]] = []
        # (name, required, decode, loads_from).
        self._readers: list[tuple[str, bool, Convert | None, str | None]] = []
        scalars: list[str] = []
        # Mutable values, copied into the fingerprint: lists (None allowed or not), and at most one dict of rows.
        lists: list[str] = []
        self._optional_lists: list[str] = []
        mappings: list[str] = []
        self._rows: Callable[[object], dict[Any, Any]] = lambda _record: {}
        self._row_values: Convert = tuple
        for item in fields(cls):
            hint, optional = _unwrap(hints[item.name])
            default = _default(item)
            required = default is MISSING or (isinstance(hint, type) and issubclass(hint, Enum))
            encode, decode = _conversions(hint)
            self._writers.append((item.name, default, required, encode, item.metadata.get(_SAME_AS)))
            self._readers.append((item.name, required, decode, item.metadata.get(_LOADS_FROM)))
            origin = get_origin(hint)
            if origin is list:
                (self._optional_lists if optional else lists).append(item.name)
            elif origin is dict and get_args(hint)[1] is str:
                mappings.append(item.name)
            elif origin is dict:
                self._rows = attrgetter(item.name)
                self._row_values = attrgetter(*(row.name for row in fields(get_args(hint)[1])))
            else:
                scalars.append(item.name)
        self._scalars = _getter(scalars)
        self._lists = _getter(lists)
        self._mappings = _getter(mappings)

    def dump(self, record: object) -> dict[str, Any]:
        """The compact JSON-safe form of `record`."""
        data: dict[str, Any] = {}
        for name, default, always, encode, same in self._writers:
            value = getattr(record, name)
            if not always and (value == default or (same is not None and value == getattr(record, same))):
                continue
            data[name] = value if encode is None else encode(value)
        return data

    def load(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The keyword arguments that rebuild a record from `dump` output (absent optional fields: not given)."""
        values: dict[str, Any] = {}
        for name, required, decode, fallback in self._readers:
            value = data[name] if required else data.get(name)
            if value is not None:
                values[name] = value if decode is None else decode(value)
            elif fallback is not None:
                values[name] = values[fallback]
        return values

    def fingerprint(self, record: object) -> tuple[object, ...]:
        """Every field's value, copied (see the module docstring)."""
        return (
            self._scalars(record),
            tuple(map(tuple, self._lists(record))),
            [None if (value := getattr(record, name)) is None else tuple(value) for name in self._optional_lists],
            tuple(map(self._row_values, self._rows(record).values())),
            tuple(tuple(sorted(mapping.items())) for mapping in self._mappings(record)),
        )


def _unwrap(hint: Any) -> tuple[Any, bool]:
    """(the type, whether None is allowed) of `X | None` or `X`."""
    if get_origin(hint) in (Union, UnionType):
        args = [arg for arg in get_args(hint) if arg is not NoneType]
        if len(args) == 1:
            return args[0], True
    return hint, False


def _default(item: Field[Any]) -> object:
    if item.default is not MISSING:
        return item.default
    if item.default_factory is not MISSING:
        return item.default_factory()
    return MISSING


def _conversions(hint: Any) -> tuple[Convert | None, Convert | None]:
    """(encode, decode) of a field's values; None where a value is stored as it is."""
    origin = get_origin(hint)
    if hint is datetime:
        return datetime.isoformat, datetime.fromisoformat
    if isinstance(hint, type) and issubclass(hint, Enum):
        return str, hint
    if origin is list:
        item = get_args(hint)[0]
        if hasattr(item, "from_dict"):
            return (
                lambda records: [record.to_dict() for record in records],
                lambda stored: list(map(item.from_dict, stored)),
            )
        return list, list
    if origin is tuple:
        return list, tuple
    if origin is dict and get_args(hint)[1] is str:
        return dict, dict
    if origin is dict:
        row = get_args(hint)[1]
        return (
            lambda rows: [value.to_dict() for _, value in sorted(rows.items())],
            lambda stored: {value.key: value for value in map(row.from_dict, stored)},
        )
    return None, None


def _getter(names: list[str]) -> Callable[[object], tuple[Any, ...]]:
    """The values of these attributes, always as a tuple (attrgetter gives a bare value for one name)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda record: (one(record),)
    return lambda _record: ()
