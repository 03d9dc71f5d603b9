"""msgpack encoding of journals, checkpoints and the types they hold.

Turn and result classes register themselves with :func:`wire`; they are
encoded as a msgpack extension holding the class tag and the field values, so
a decoded value is the same frozen dataclass it was (tuples stay tuples).
Enums registered with :func:`wire` are encoded by tag and value and come back
as the same member.
Anything else must be plain data: None, bool, int, float, str, bytes, list,
tuple and dict with string keys.
"""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any, TypeVar

import msgpack

_DATACLASS = 1
_TUPLE = 2
_ENUM = 3
_REGISTRY: dict[str, type] = {}

T = TypeVar("T", bound=type)


def wire(cls: T) -> T:
    """Register a dataclass (or an Enum) so journals and checkpoints can hold it."""
    tag = cls.__name__
    if _REGISTRY.get(tag, cls) is not cls:
        raise TypeError(f"a wire type named {tag!r} is already registered")
    _REGISTRY[tag] = cls
    return cls


def _default(obj: Any) -> msgpack.ExtType:
    if isinstance(obj, tuple):
        return msgpack.ExtType(_TUPLE, pack(list(obj)))
    if isinstance(obj, int):
        raise TypeError(f"the integer {obj} is outside the 64-bit range a journal can hold")
    cls = type(obj)
    if isinstance(obj, Enum) and _REGISTRY.get(cls.__name__) is cls:
        return msgpack.ExtType(_ENUM, pack([cls.__name__, obj.value]))
    if dataclasses.is_dataclass(obj) and _REGISTRY.get(cls.__name__) is cls:
        fields = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
        return msgpack.ExtType(_DATACLASS, pack([cls.__name__, fields]))
    raise TypeError(f"{cls.__qualname__} cannot be journaled; use plain data "
                    "(None, bool, int, float, str, bytes, list, tuple, dict)")


def _ext_hook(code: int, data: bytes) -> Any:
    if code == _TUPLE:
        return tuple(unpack(data))
    if code == _DATACLASS:
        tag, fields = unpack(data)
        cls = _REGISTRY.get(tag)
        if cls is None:
            raise ValueError(f"unknown wire type {tag!r} in journal")
        obj = object.__new__(cls)
        for name, value in fields.items():
            object.__setattr__(obj, name, value)
        for missing in dataclasses.fields(cls):
            # A field added after the journal was written takes its default, so old journals still replay.
            if missing.name not in fields:
                if missing.default is not dataclasses.MISSING:
                    object.__setattr__(obj, missing.name, missing.default)
                elif missing.default_factory is not dataclasses.MISSING:
                    object.__setattr__(obj, missing.name, missing.default_factory())
        return obj
    if code == _ENUM:
        tag, value = unpack(data)
        cls = _REGISTRY.get(tag)
        if cls is None:
            raise ValueError(f"unknown wire type {tag!r} in journal")
        return cls(value)
    return msgpack.ExtType(code, data)


def pack(value: Any) -> bytes:
    """Encode plain data and registered dataclasses as msgpack bytes."""
    return msgpack.packb(value, default=_default, use_bin_type=True, strict_types=True)


def unpack(data: bytes) -> Any:
    """Decode bytes written by :func:`pack`."""
    return msgpack.unpackb(data, ext_hook=_ext_hook, raw=False, strict_map_key=False)
