"""The dialogue registry: dialogue classes by name, per process.

Registration happens at import time (the :func:`dialogue` decorator), so
every process that runs calls (each call actor) imports the same dialogue
modules; the gateway passes their names to the actors it creates.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Callable, TypeVar

from runtime.errors import UnknownDialogue

_DIALOGUES: dict[str, type] = {}

D = TypeVar("D", bound=type)


def register(name: str, cls: type) -> None:
    """Register ``cls`` as the dialogue called ``name``.

    Raises:
        TypeError: ``cls`` has no ``async def run(self, call)``.
        ValueError: another class is already registered under ``name``.
    """
    run = getattr(cls, "run", None)
    if not inspect.iscoroutinefunction(run):
        raise TypeError(f"dialogue {cls.__qualname__} needs an 'async def run(self, call)'")
    if not name or "/" in name:
        raise ValueError(f"{name!r} is not a dialogue name (non-empty, no '/')")
    existing = _DIALOGUES.get(name)
    if existing is not None and (existing.__module__, existing.__qualname__) != (cls.__module__, cls.__qualname__):
        raise ValueError(f"dialogue {name!r} is already registered as {existing.__qualname__}")
    _DIALOGUES[name] = cls


def dialogue(name: str) -> Callable[[D], D]:
    """Class decorator: register the class as the dialogue called ``name``."""

    def decorate(cls: D) -> D:
        register(name, cls)
        return cls

    return decorate


def lookup(name: str) -> type:
    """The dialogue class registered as ``name``.

    Raises:
        UnknownDialogue: nothing is registered under that name.
    """
    try:
        return _DIALOGUES[name]
    except KeyError:
        known = ", ".join(sorted(_DIALOGUES)) or "none"
        raise UnknownDialogue(f"no dialogue is registered as {name!r} (registered: {known})") from None


def registered() -> list[str]:
    """The names of every registered dialogue, sorted."""
    return sorted(_DIALOGUES)


def import_dialogues(modules: tuple[str, ...] | list[str]) -> None:
    """Import the modules that register dialogues (idempotent)."""
    for module in modules:
        importlib.import_module(module)
