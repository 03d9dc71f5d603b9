"""Structured speech: what a prompt says, built from parts instead of SSML strings.

A prompt is a sequence of parts. Plain ``str`` parts are spoken as text (and
escaped when rendered); the classes here add the SSML features VoiceXML
prompts allow. Nothing here is markup: the gateway renders it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

from runtime._codec import wire
from runtime.fetching import FetchSettings
from runtime.recordings import RecordedAudio

EMPHASIS_LEVELS = ("strong", "moderate", "none", "reduced")
_XML_NAME = re.compile(r"[^\W\d][\w.\-]*")

Part = Union[str, "Audio", "Pause", "Mark", "SayAs", "Emphasis", "Prosody", "Sentence", "Paragraph",
             "Substitute", RecordedAudio]


def parts_of(items: tuple[Part, ...]) -> tuple[Part, ...]:
    """Check that every item is a speech part; return them as a tuple."""
    for item in items:
        if not isinstance(item, (str, Audio, Pause, Mark, SayAs, Emphasis, Prosody, Sentence,
                                 Paragraph, Substitute, RecordedAudio)):
            raise TypeError(f"{type(item).__qualname__} is not a speech part; use str, Audio, Pause, "
                            "Mark, SayAs, Emphasis, Prosody, Sentence, Paragraph, Substitute or RecordedAudio")
        if isinstance(item, RecordedAudio) and not item.playable:
            raise ValueError("this recording was too large to store, so it cannot be played back")
    return tuple(items)


@wire
@dataclass(frozen=True, slots=True)
class Audio:
    """An audio file, with what to say instead if it cannot be played, and how to fetch it."""

    src: str
    fallback: tuple[Part, ...] = ()
    fetch: FetchSettings | None = None

    def __init__(self, src: str, *fallback: Part, fetch: FetchSettings | None = None) -> None:
        if fetch is not None and not isinstance(fetch, FetchSettings):
            raise TypeError(f"fetch must be FetchSettings, not {type(fetch).__qualname__}")
        object.__setattr__(self, "src", src)
        object.__setattr__(self, "fallback", parts_of(fallback))
        object.__setattr__(self, "fetch", fetch)


@wire
@dataclass(frozen=True, slots=True)
class Pause:
    """Silence of a given length in milliseconds."""

    ms: int

    def __post_init__(self) -> None:
        if self.ms < 0:
            raise ValueError("a pause cannot be negative")


@wire
@dataclass(frozen=True, slots=True)
class Mark:
    """A named point in a prompt; the browser reports the last one reached on barge-in."""

    name: str

    def __post_init__(self) -> None:
        # The VoiceXML DTD declares a mark's name as an ID, so it must be an XML name.
        if not _XML_NAME.fullmatch(self.name):
            raise ValueError(f"mark name {self.name!r} is not an XML name (a letter or '_', then letters, "
                             "digits, '_', '-' or '.')")


@wire
@dataclass(frozen=True, slots=True)
class SayAs:
    """Text to be read in a given way, for example digits or a date."""

    text: str
    interpret_as: str
    format: str | None = None


@wire
@dataclass(frozen=True, slots=True)
class Emphasis:
    """Parts spoken with emphasis (``strong``, ``moderate``, ``none`` or ``reduced``)."""

    parts: tuple[Part, ...]
    level: str = "moderate"

    def __init__(self, *parts: Part, level: str = "moderate") -> None:
        if level not in EMPHASIS_LEVELS:
            raise ValueError(f"emphasis level must be one of {', '.join(EMPHASIS_LEVELS)}, not {level!r}")
        object.__setattr__(self, "parts", parts_of(parts))
        object.__setattr__(self, "level", level)


@wire
@dataclass(frozen=True, slots=True)
class Prosody:
    """Parts spoken at another rate, pitch or volume (SSML values, e.g. ``slow``, ``+10%``)."""

    parts: tuple[Part, ...]
    rate: str | None = None
    pitch: str | None = None
    volume: str | None = None

    def __init__(self, *parts: Part, rate: str | None = None, pitch: str | None = None,
                 volume: str | None = None) -> None:
        object.__setattr__(self, "parts", parts_of(parts))
        object.__setattr__(self, "rate", rate)
        object.__setattr__(self, "pitch", pitch)
        object.__setattr__(self, "volume", volume)


@wire
@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence, optionally in another language (``xml:lang``)."""

    parts: tuple[Part, ...]
    lang: str | None = None

    def __init__(self, *parts: Part, lang: str | None = None) -> None:
        object.__setattr__(self, "parts", parts_of(parts))
        object.__setattr__(self, "lang", lang)


@wire
@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph, optionally in another language (``xml:lang``)."""

    parts: tuple[Part, ...]
    lang: str | None = None

    def __init__(self, *parts: Part, lang: str | None = None) -> None:
        object.__setattr__(self, "parts", parts_of(parts))
        object.__setattr__(self, "lang", lang)


@wire
@dataclass(frozen=True, slots=True)
class Substitute:
    """Text shown in the code but spoken as ``alias`` (e.g. ``W3C`` as "World Wide Web Consortium")."""

    text: str
    alias: str
