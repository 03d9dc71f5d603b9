"""Input results: what the caller's browser reports back after a turn.

Every value here is a frozen, journaled dataclass. A hang-up is not returned
as a result: it is raised inside the dialogue as :class:`runtime.HangUp`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from runtime._codec import wire

if TYPE_CHECKING:
    from runtime.recordings import RecordedAudio

HANGUP_EVENT = "connection.disconnect.hangup"
TRANSFER_EVENT = "connection.disconnect.transfer"


class InputResult:
    """Base of every result a turn gives back."""

    __slots__ = ()


@wire
@dataclass(frozen=True, slots=True)
class MarkReached:
    """The last SSML mark the browser reached, and when (milliseconds, as the browser reports)."""

    name: str
    time_ms: int | None = None


@wire
@dataclass(frozen=True, slots=True)
class Hypothesis:
    """One entry of a recognition n-best list.

    ``input_mode`` is ``"dtmf"`` or ``"voice"``; ``interpretation`` is the
    grammar's semantic result as plain data (a string, number or dict).
    """

    utterance: str
    interpretation: Any
    confidence: float
    input_mode: str


@wire
@dataclass(frozen=True, slots=True)
class Recognition(InputResult):
    """The caller said or keyed something a grammar matched; best hypothesis first.

    ``recording`` is the caller's utterance as audio, when the turn asked for
    it (``SpeechSettings(record_utterance=True)``) and the browser made one.
    """

    hypotheses: tuple[Hypothesis, ...]
    mark: MarkReached | None = None
    recording: RecordedAudio | None = None

    def __post_init__(self) -> None:
        if not self.hypotheses:
            raise ValueError("a recognition needs at least one hypothesis")

    @property
    def best(self) -> Hypothesis:
        """The most likely hypothesis."""
        return self.hypotheses[0]

    @property
    def utterance(self) -> str:
        """What the caller said or keyed, by the best hypothesis."""
        return self.best.utterance

    @property
    def interpretation(self) -> Any:
        """The semantic interpretation of the best hypothesis."""
        return self.best.interpretation


@wire
@dataclass(frozen=True, slots=True)
class Played(InputResult):
    """A message was played to its end (or to the mark where it was interrupted)."""

    mark: MarkReached | None = None


@wire
@dataclass(frozen=True, slots=True)
class Event(InputResult):
    """An event the browser raised, such as ``noinput`` or ``error.badfetch``."""

    name: str
    message: str = ""
    mark: MarkReached | None = None

    def matches(self, family: str) -> bool:
        """Whether this event is ``family`` or in it, by VoiceXML's prefix rule.

        ``error`` matches ``error`` and ``error.badfetch.http.404`` but not
        ``errorx``; an empty family matches every event.
        """
        family = family.rstrip(".")
        return not family or self.name == family or self.name.startswith(family + ".")


@wire
@dataclass(frozen=True, slots=True)
class NoInput(Event):
    """The caller said nothing before the no-input timeout."""

    name: str = "noinput"


@wire
@dataclass(frozen=True, slots=True)
class NoMatch(Event):
    """The caller said or keyed something no grammar matched."""

    name: str = "nomatch"


@wire
@dataclass(frozen=True, slots=True)
class MaxSpeechTimeout(Event):
    """The caller spoke for longer than the turn's maximum speech time (``maxspeechtimeout``)."""

    name: str = "maxspeechtimeout"


_SIMPLE: dict[str, type[Event]] = {"noinput": NoInput, "nomatch": NoMatch, "maxspeechtimeout": MaxSpeechTimeout}


@wire
@dataclass(frozen=True, slots=True)
class HungUp(Event):
    """The caller hung up after part of the turn's result was collected (``partial``).

    A hang-up during a recording still delivers the audio recorded until then:
    the dialogue gets :class:`runtime.HangUp` raised, and its ``partial`` is
    the :class:`runtime.Recorded` result.
    """

    name: str = HANGUP_EVENT
    partial: InputResult | None = None


E = TypeVar("E", bound=type[Event])
_FAMILIES: dict[str, type[Event]] = {}


def event_family(*families: str) -> Callable[[E], E]:
    """Register an :class:`Event` subclass for every event in ``families`` (by the prefix rule).

    :func:`event` then gives that class for those names; the most specific
    registered family wins. The subclass takes ``(name, message, mark)``.
    """

    def register(cls: E) -> E:
        for family in families:
            if _FAMILIES.get(family, cls) is not cls:
                raise ValueError(f"events of {family!r} are already read as {_FAMILIES[family].__qualname__}")
            _FAMILIES[family] = cls
        return cls

    return register


def event(name: str, message: str = "", mark: MarkReached | None = None) -> Event:
    """The typed event for ``name``: :class:`NoInput`, :class:`NoMatch`, :class:`MaxSpeechTimeout`, its
    family's class, or :class:`Event`."""
    if name in _SIMPLE:
        return _SIMPLE[name](message=message, mark=mark)
    families = [family for family in _FAMILIES if name == family or name.startswith(family + ".")]
    cls = _FAMILIES[max(families, key=len)] if families else Event
    return cls(name, message, mark)
