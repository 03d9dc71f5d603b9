"""Recorded audio: what a recording turn (or a recognition with ``record_utterance``) gives back.

The journal never holds audio. A recording posted to the server is streamed
by the gateway into its recordings storage, and the journal keeps a
:class:`RecordedAudio` reference to it: where it is, its size, duration and
media type. A recording kept on the platform stays in the browser, under a
name, for later playback in the same call.

A :class:`RecordedAudio` is also a speech part: put it in a prompt to play
the recording back (``Message("You said:", result.audio)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from runtime._codec import wire
from runtime.results import InputResult, MarkReached, Recognition

_LOCATION = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")
_KEPT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


def check_kept_name(name: str) -> str:
    """A name a recording can be kept under on the platform: a letter, then letters, digits or ``_``."""
    if not isinstance(name, str) or not _KEPT_NAME.fullmatch(name):
        raise ValueError(f"{name!r} cannot name a kept recording: use a letter, then up to 63 letters, digits "
                         "or '_'")
    return name


def _check_count(value: Any, what: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ValueError(f"{what} must be a non-negative whole number, not {value!r}")


@wire
@dataclass(frozen=True, slots=True)
class RecordedAudio:
    """A reference to a recording: stored by the gateway, or kept on the platform.

    Exactly one of ``location`` and ``kept`` is set, unless the recording was
    too large to store (``too_large``), in which case there is nothing to play.

    Attributes:
        location: where the gateway's recordings storage holds the audio
            (``<call id>/<turn>-<random>.wav``); the gateway serves it back
            for playback.
        kept: the name the audio is kept under on the platform.
        size: its size in bytes (as stored, or as the browser reports it).
        duration_ms: its duration in milliseconds, as the browser reports it.
        media_type: its media type (``audio/x-wav``), as posted or as asked for.
        too_large: the upload was over the gateway's limit and was not stored.
    """

    location: str | None = None
    kept: str | None = None
    size: int | None = None
    duration_ms: int | None = None
    media_type: str | None = None
    too_large: bool = False

    def __post_init__(self) -> None:
        if self.location is not None and not (isinstance(self.location, str) and _LOCATION.fullmatch(self.location)):
            raise ValueError(f"{self.location!r} is not a recording location (a relative path of letters, digits, "
                             "'.', '_', '-' whose parts do not start with '.')")
        if self.kept is not None:
            check_kept_name(self.kept)
        if self.too_large and (self.location is not None or self.kept is not None):
            raise ValueError("a recording too large to store has no location and is not kept")
        if not self.too_large and (self.location is None) == (self.kept is None):
            raise ValueError("a recording has either a location or a kept name")
        _check_count(self.size, "a recording's size")
        _check_count(self.duration_ms, "a recording's duration")

    @property
    def playable(self) -> bool:
        """Whether there is audio to play back."""
        return not self.too_large


@wire
@dataclass(frozen=True, slots=True)
class Recorded(InputResult):
    """The caller was recorded.

    Attributes:
        audio: the recording (also a speech part that plays it back).
        termchar: the DTMF key that ended the recording, if one did.
        max_time_reached: the recording ended because it reached its maximum time.
        termination: what a DTMF termination grammar matched, if one ended the recording.
        mark: the last SSML mark reached in the prompts, if the browser reports one.
    """

    audio: RecordedAudio
    termchar: str | None = None
    max_time_reached: bool = False
    termination: Recognition | None = None
    mark: MarkReached | None = None

    @property
    def too_large(self) -> bool:
        """The audio was over the gateway's upload limit: nothing was stored."""
        return self.audio.too_large

    @property
    def location(self) -> str | None:
        """Where the gateway stored the audio (None if kept on the platform or too large)."""
        return self.audio.location

    @property
    def duration_ms(self) -> int | None:
        """The recording's duration in milliseconds, as the browser reports it."""
        return self.audio.duration_ms
