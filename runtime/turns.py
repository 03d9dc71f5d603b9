"""Output turns: what a dialogue asks the caller's browser to do next.

An output turn is awaited on the call (``await call.turn(Message("Hi"))``) and
gives back the caller's result. A dialogue ends by returning a :class:`LastTurn`.
Each turn is a frozen, journaled dataclass; the gateway renders each kind in
one place. To add a turn kind, subclass :class:`OutputTurn` or
:class:`LastTurn`, decorate it with :func:`runtime.wire`, and register a
renderer for it in the gateway.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from runtime._codec import wire
from runtime.speech import Part, parts_of


class Turn:
    """Base of every turn. ``name`` identifies the turn in logs and in the journal."""

    __slots__ = ()
    name: str


class OutputTurn(Turn):
    """A turn that shows the caller something and waits for a result."""

    __slots__ = ()


class LastTurn(Turn):
    """A turn that ends the dialogue (returned from ``run``)."""

    __slots__ = ()


# --- fetching ------------------------------------------------------------------------------


@wire
@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How the browser fetches a resource (audio, grammar, object, subdialog, document).

    Args:
        timeout_ms: how long to wait for the resource (``fetchtimeout``).
        max_age_s: the oldest cached copy to accept without revalidating (``maxage``).
        max_stale_s: how far past its expiry a cached copy may still be used (``maxstale``).
        hint: ``"prefetch"`` (fetch when the document loads) or ``"safe"`` (only when needed).
    """

    timeout_ms: int | None = None
    max_age_s: int | None = None
    max_stale_s: int | None = None
    hint: str | None = None

    def __post_init__(self) -> None:
        for name in ("timeout_ms", "max_age_s", "max_stale_s"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} cannot be negative")
        if self.hint not in (None, "prefetch", "safe"):
            raise ValueError(f"fetch hint must be 'prefetch' or 'safe', not {self.hint!r}")


# --- prompts ------------------------------------------------------------------------------


@wire
@dataclass(frozen=True, slots=True)
class Prompt:
    """One prompt phase: speech parts, whether input may interrupt it, and its language."""

    parts: tuple[Part, ...]
    bargein: bool = True
    lang: str | None = None

    def __init__(self, *parts: Part, bargein: bool = True, lang: str | None = None) -> None:
        if not parts:
            raise ValueError("a prompt needs at least one part")
        object.__setattr__(self, "parts", parts_of(parts))
        object.__setattr__(self, "bargein", bargein)
        object.__setattr__(self, "lang", lang)


def prompts_of(items: Iterable[Prompt | Part]) -> tuple[Prompt, ...]:
    """Turn a mix of prompts and bare speech parts into prompts; adjacent bare parts form one prompt."""
    prompts: list[Prompt] = []
    loose: list[Part] = []
    for item in items:
        if isinstance(item, Prompt):
            if loose:
                prompts.append(Prompt(*loose))
                loose = []
            prompts.append(item)
        else:
            loose.append(item)
    if loose:
        prompts.append(Prompt(*loose))
    return tuple(prompts)


DTMF_KEYS = "0123456789*#ABCD"


@wire
@dataclass(frozen=True, slots=True)
class DtmfSettings:
    """How DTMF input is collected (all times in milliseconds)."""

    inter_digit_timeout_ms: int | None = None
    term_timeout_ms: int | None = None
    term_char: str | None = None

    def __post_init__(self) -> None:
        if self.term_char is not None and (len(self.term_char) != 1 or self.term_char not in DTMF_KEYS):
            raise ValueError(f"{self.term_char!r} is not a DTMF key")
        for name in ("inter_digit_timeout_ms", "term_timeout_ms"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} cannot be negative")


# --- output turns ----------------------------------------------------------------------------


@wire
@dataclass(frozen=True, slots=True)
class Message(OutputTurn):
    """Play prompts to the caller; the result is :class:`runtime.results.Played`."""

    prompts: tuple[Prompt, ...]
    name: str = "message"
    lang: str | None = None

    def __init__(self, *prompts: Prompt | Part, name: str = "message", lang: str | None = None) -> None:
        if not prompts:
            raise ValueError("a message needs something to say")
        object.__setattr__(self, "prompts", prompts_of(prompts))
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "lang", lang)


# --- last turns ------------------------------------------------------------------------------


@wire
@dataclass(frozen=True, slots=True)
class Exit(LastTurn):
    """End the VoiceXML application (``<exit>``), optionally after a closing message.

    ``variables`` are returned to the platform with the exit.
    """

    variables: dict[str, Any] = field(default_factory=dict)
    message: Message | None = None
    name: str = "exit"


@wire
@dataclass(frozen=True, slots=True)
class Disconnect(LastTurn):
    """Hang up on the caller (``<disconnect>``), optionally after a closing message."""

    variables: dict[str, Any] = field(default_factory=dict)
    message: Message | None = None
    name: str = "disconnect"




# Grammars and the input turns live in their own modules; these names stay importable from here.
_MOVED = {"Grammar": "runtime.grammars", "InlineGrammar": "runtime.grammars", "AbnfGrammar": "runtime.grammars",
          "AnyGrammar": "runtime.grammars", "grammars_of": "runtime.grammars", "Interaction": "runtime.interaction"}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
