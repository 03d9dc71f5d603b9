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

from runtime import _values
from runtime._codec import wire
from runtime._values import Expr
from runtime.fetching import FetchSettings
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
#
# Variables of last turns are declared in the document from Python values:
# plain data is passed as its JSON (ECMAScript) literal, an :class:`Expr` is
# evaluated by the browser.


def _closing(message: Message | None) -> Message | None:
    if message is not None and not isinstance(message, Message):
        raise TypeError(f"a closing message must be a Message, not {type(message).__qualname__}")
    return message


@wire
@dataclass(frozen=True, slots=True)
class Exit(LastTurn):
    """End the VoiceXML application (``<exit>``), optionally after a closing message.

    Args:
        variables: returned to the platform with the exit (``namelist``).
        message: played before exiting.
        name: the turn's name, in logs and the journal.
        value: instead of variables, one value returned to the platform
            (``<exit expr>``): plain data, or an :class:`Expr` to evaluate.
            None returns nothing.
    """

    variables: dict[str, Any] = field(default_factory=dict)
    message: Message | None = None
    name: str = "exit"
    value: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "variables", _values.variables(self.variables))
        _closing(self.message)
        if self.value is not None:
            _values.value_or_expr(self.value, "the exit value")
            if self.variables:
                raise ValueError("an exit returns either variables or a value, not both")


@wire
@dataclass(frozen=True, slots=True)
class Disconnect(LastTurn):
    """Hang up on the caller (``<disconnect>``), optionally after a closing message.

    ``variables`` are returned to the platform with the disconnect (``namelist``).
    """

    variables: dict[str, Any] = field(default_factory=dict)
    message: Message | None = None
    name: str = "disconnect"

    def __post_init__(self) -> None:
        object.__setattr__(self, "variables", _values.variables(self.variables))
        _closing(self.message)


@wire
@dataclass(frozen=True, slots=True)
class Return(LastTurn):
    """Return to the application that called this dialogue as a subdialog (``<return>``).

    A rayvr dialogue started by another application's ``<subdialog>`` ends
    with this: either with variables, which the caller receives as the
    properties of the subdialog's result, or by throwing an event in the
    caller (``event`` and ``event_message``).

    Args:
        variables: the values returned (``namelist``).
        message: played before returning.
        event: the event to throw in the calling dialogue instead (a name, or
            an :class:`Expr` giving one).
        event_message: the event's message (``_message`` in the caller's
            catch): text, or an :class:`Expr`.
        name: the turn's name, in logs and the journal.
    """

    variables: dict[str, Any] = field(default_factory=dict)
    message: Message | None = None
    event: str | Expr | None = None
    event_message: str | Expr | None = None
    name: str = "return"

    def __post_init__(self) -> None:
        object.__setattr__(self, "variables", _values.variables(self.variables))
        _closing(self.message)
        if self.event is None:
            if self.event_message is not None:
                raise ValueError("a return's event_message needs an event")
            return
        if self.variables:
            raise ValueError("a return gives back either variables or an event, not both")
        if not isinstance(self.event, Expr):
            _values.token(self.event, "the returned event name")
        if self.event_message is not None and not isinstance(self.event_message, Expr):
            _values.xml_text(self.event_message, "the returned event's message")


@wire
@dataclass(frozen=True, slots=True)
class Goto(LastTurn):
    """Leave rayvr for another document or application (``<goto next>``).

    The call ends for rayvr; the browser goes on with the document at ``next``.

    Args:
        next: the document's URL, or an :class:`Expr` that evaluates to it.
        fetch: how the browser fetches it.
        fetch_audio: audio played while it is fetched (a URL).
        message: played before leaving.
        name: the turn's name, in logs and the journal.
    """

    next: str | Expr
    fetch: FetchSettings | None = None
    fetch_audio: str | None = None
    message: Message | None = None
    name: str = "goto"

    def __post_init__(self) -> None:
        _values.url_or_expr(self.next, "the goto's next document")
        if self.fetch_audio is not None:
            _values.url(self.fetch_audio, "the goto's fetch audio")
        _closing(self.message)


@wire
@dataclass(frozen=True, slots=True)
class Submit(LastTurn):
    """Leave rayvr by submitting variables to another server (``<submit>``), which answers with the next document.

    Args:
        next: the URL the variables are sent to, or an :class:`Expr` that evaluates to it.
        variables: declared from Python values and sent (``namelist``).
        method: ``"get"`` or ``"post"``; None leaves the browser's default (GET).
        enctype: ``"application/x-www-form-urlencoded"`` or (POST only)
            ``"multipart/form-data"``; None leaves the browser's default.
        fetch: how the browser fetches the answer.
        fetch_audio: audio played while it is fetched (a URL).
        message: played before submitting.
        name: the turn's name, in logs and the journal.
    """

    next: str | Expr
    variables: dict[str, Any] = field(default_factory=dict)
    method: str | None = None
    enctype: str | None = None
    fetch: FetchSettings | None = None
    fetch_audio: str | None = None
    message: Message | None = None
    name: str = "submit"

    def __post_init__(self) -> None:
        _values.url_or_expr(self.next, "the submit's next URL")
        object.__setattr__(self, "variables", _values.variables(self.variables))
        _values.submission(self.method, self.enctype, "a submit")
        if self.fetch_audio is not None:
            _values.url(self.fetch_audio, "the submit's fetch audio")
        _closing(self.message)
