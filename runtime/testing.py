"""Test dialogues in plain pytest: no Ray, no HTTP, synchronous and deterministic.

::

    from runtime.testing import DialogueTest

    def test_menu_reads_back_the_number():
        t = DialogueTest("menu")
        assert t.turn.name == "customer-number-1"
        t.dtmf("1234")
        t.dtmf("1", interpretation="sales")
        t.played()
        assert "1234" in t.text
        t.played()
        assert t.last.variables == {"customer": "1234", "department": "sales"}

Recordings are answered with :meth:`DialogueTest.recorded` (stored by the
gateway, kept on the platform, or too large, as the turn asks), and a hang-up
during a recording with ``t.hang_up(t.make_recording())``.

The call runs through the same runner, journal and checkpoint code as in
production, against an in-memory store; :meth:`DialogueTest.restart` rebuilds
the call from its checkpoint, as a restarted actor would.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from runtime import _codec
from runtime._registry import lookup, register
from runtime._runner import CallRunner, Reply, read_checkpoint
from runtime._stores import MemoryStore
from runtime.errors import RayvrError
from runtime.invocations import Value
from runtime.recordings import Recorded, RecordedAudio
from runtime.results import (HANGUP_EVENT, TRANSFER_EVENT, Event, HungUp, Hypothesis, InputResult, MarkReached,
                             NoInput, NoMatch, Played, Recognition, event)
from runtime.settings import DocumentSettings
from runtime.speech import Audio, Part
from runtime.transfers import TransferFailed, TransferResult, TransferStatus
from runtime.turns import LastTurn, OutputTurn


def spoken_text(turn: OutputTurn | LastTurn) -> str:
    """Everything a turn would say, as plain text with single spaces (audio counts by its fallback text)."""
    if isinstance(turn, LastTurn):
        message = getattr(turn, "message", None)
        return spoken_text(message) if message is not None else ""
    words = " ".join(_text(part) for prompt in getattr(turn, "prompts", ()) for part in prompt.parts).split()
    return " ".join(words)


def _text(part: Part) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, Audio):
        return " ".join(_text(p) for p in part.fallback)
    for attribute in ("text",):
        if hasattr(part, attribute):
            return getattr(part, attribute)
    return " ".join(_text(p) for p in getattr(part, "parts", ()))


class DialogueTest:
    """Drives one call of a dialogue turn by turn.

    Args:
        dialogue: a registered dialogue name, or a dialogue class (registered on the fly).
        params: the call's start parameters.
        call_id: the call's id.
    """

    def __init__(self, dialogue: str | type, params: dict[str, Any] | None = None,
                 call_id: str = "test-call") -> None:
        if isinstance(dialogue, type):
            register(dialogue.__qualname__, dialogue)
            dialogue = dialogue.__qualname__
        lookup(dialogue)
        self.store = MemoryStore()
        self.call_id = call_id
        self._loop = asyncio.new_event_loop()
        self._runner = CallRunner(call_id, self.store)
        self.reply: Reply = self._run(self._runner.start(dialogue, dict(params or {})))

    def _run(self, coro: Any) -> Any:
        return self._loop.run_until_complete(coro)

    def close(self) -> None:
        """Release the event loop."""
        self._loop.close()

    # --- what the caller sees -------------------------------------------------------------

    @property
    def turn(self) -> OutputTurn | LastTurn:
        """The turn the caller is being shown now."""
        return self.reply.turn

    @property
    def settings(self) -> DocumentSettings:
        """The document settings the current turn is shown with (the call's, with the turn's own on top)."""
        return self.reply.settings

    @property
    def text(self) -> str:
        """The current turn's spoken text."""
        return spoken_text(self.reply.turn)

    @property
    def ended(self) -> bool:
        """Whether the dialogue has returned its last turn."""
        return self.reply.final

    @property
    def last(self) -> LastTurn:
        """The last turn the dialogue returned (fails if it has not ended)."""
        assert self.reply.final, f"the call has not ended; it is at {self.reply.turn!r}"
        assert isinstance(self.reply.turn, LastTurn)
        return self.reply.turn

    @property
    def failure(self) -> RayvrError | None:
        """Why the dialogue failed (an unjournaled await, an exception, a replay mismatch), or None."""
        return self._runner.failure

    @property
    def journal(self) -> list[list[Any]]:
        """The call's journal as stored."""
        checkpoint = read_checkpoint(self.store, self.call_id)
        return checkpoint.journal if checkpoint else []

    # --- answering ------------------------------------------------------------------------

    def answer(self, result: InputResult) -> OutputTurn | LastTurn:
        """Post ``result`` for the current turn, as if it went through the journal; return the next turn."""
        result = _codec.unpack(_codec.pack(result))  # what the dialogue gets back is what the journal holds
        self.reply = self._run(self._runner.advance(self.reply.seq, result))
        return self.reply.turn

    def dtmf(self, keys: str, interpretation: Any = None) -> OutputTurn | LastTurn:
        """The caller keys ``keys`` (interpreted as ``keys`` unless told otherwise)."""
        return self.answer(Recognition((Hypothesis(keys, keys if interpretation is None else interpretation,
                                                   1.0, "dtmf"),)))

    def say(self, *hypotheses: tuple[str, Any, float] | str,
            recording: RecordedAudio | None = None) -> OutputTurn | LastTurn:
        """The caller speaks; each hypothesis is ``(utterance, interpretation, confidence)`` or an utterance.

        ``recording`` is the utterance's audio (for turns with ``record_utterance``), e.g. ``t.audio()``.
        """
        nbest = tuple(Hypothesis(h, h, 1.0, "voice") if isinstance(h, str) else Hypothesis(*h, "voice")
                      for h in hypotheses)
        return self.answer(Recognition(nbest, recording=recording))

    def audio(self, duration_ms: int = 3000, *, size: int | None = None, media_type: str | None = "audio/x-wav",
              too_large: bool = False, kept: str | None = None) -> RecordedAudio:
        """Audio as the gateway would reference it for the current turn: stored, kept under ``kept``, or too large."""
        if too_large:
            return RecordedAudio(size=size, duration_ms=duration_ms, media_type=media_type, too_large=True)
        if kept is not None:
            return RecordedAudio(kept=kept, size=size, duration_ms=duration_ms, media_type=media_type)
        return RecordedAudio(location=f"{self.call_id}/{self.reply.seq}-recording.wav", size=size,
                             duration_ms=duration_ms, media_type=media_type)

    def make_recording(self, duration_ms: int = 3000, *, size: int | None = None,
                       media_type: str | None = "audio/x-wav", too_large: bool = False, termchar: str | None = None,
                       max_time_reached: bool = False, termination: str | None = None) -> Recorded:
        """The :class:`Recorded` result the current recording turn would get (kept on the platform if it asks to be).

        ``termination`` is the DTMF keys a termination grammar matched.
        """
        record = getattr(self.reply.turn, "record", None)
        kept = None if too_large or record is None else record.keep_as
        matched = None if termination is None else Recognition((Hypothesis(termination, termination, 1.0, "dtmf"),))
        return Recorded(self.audio(duration_ms, size=size, media_type=media_type, too_large=too_large, kept=kept),
                        termchar, max_time_reached, matched)

    def recorded(self, duration_ms: int = 3000, **options: Any) -> OutputTurn | LastTurn:
        """The caller is recorded (options as for :meth:`make_recording`)."""
        return self.answer(self.make_recording(duration_ms, **options))

    def no_input(self) -> OutputTurn | LastTurn:
        """The caller says nothing."""
        return self.answer(NoInput())

    def no_match(self) -> OutputTurn | LastTurn:
        """The caller says or keys something no grammar matches."""
        return self.answer(NoMatch())

    def played(self, mark: str | None = None) -> OutputTurn | LastTurn:
        """A message was played (to ``mark``, if given)."""
        return self.answer(Played(MarkReached(mark) if mark else None))

    def event(self, name: str, message: str = "") -> OutputTurn | LastTurn:
        """The browser raised event ``name`` (typed as the gateway would: ``noinput`` is a NoInput, ...)."""
        return self.answer(event(name, message))

    def transfer_status(self, status: TransferStatus | str, duration_s: float = 0.0) -> OutputTurn | LastTurn:
        """A transfer ended with ``status`` (``"busy"``, ``TransferStatus.NO_ANSWER``, ...) after ``duration_s`` s."""
        return self.answer(TransferResult(TransferStatus(status), duration_s))

    def transfer_cancelled(self, keys: str | None = None, *, said: str | None = None,
                           duration_s: float = 0.0) -> OutputTurn | LastTurn:
        """The caller ended a transfer by keying ``keys`` or saying ``said`` (a cancel grammar matched)."""
        if (keys is None) == (said is None):
            raise ValueError("give the keys the caller pressed or what the caller said, not both")
        hypothesis = Hypothesis(keys, keys, 1.0, "dtmf") if keys is not None else Hypothesis(said, said, 1.0, "voice")
        return self.answer(TransferResult(TransferStatus.NEAR_END_DISCONNECT, duration_s, Recognition((hypothesis,))))

    def transferred(self) -> OutputTurn | LastTurn:
        """A transfer handed the caller over (``connection.disconnect.transfer``); the dialogue gets CallTransferred."""
        return self.answer(Event(TRANSFER_EVENT))

    def transfer_failed(self, name: str = "error.connection.noroute", message: str = "") -> OutputTurn | LastTurn:
        """The platform could not place a transfer (``error.connection.*``, ``error.unsupported.transfer.*``)."""
        failure = event(name, message)
        if not isinstance(failure, TransferFailed):
            raise ValueError(f"{name!r} is not a transfer failure; use error.connection.* or "
                             "error.unsupported.transfer.*")
        return self.answer(failure)

    def value(self, value: Any = None) -> OutputTurn | LastTurn:
        """A script, subdialog or object turn produced ``value``.

        ``value`` goes through JSON first, as it would from the browser: tuples
        arrive as lists and dict keys as strings.
        """
        return self.answer(Value(json.loads(json.dumps(value, allow_nan=False))))

    def hang_up(self, partial: InputResult | None = None) -> OutputTurn | LastTurn:
        """The caller hangs up during the current turn, after ``partial`` was collected (e.g. a recording)."""
        return self.answer(Event(HANGUP_EVENT) if partial is None else HungUp(partial=partial))

    def restart(self) -> None:
        """Rebuild the call from its checkpoint, as a restarted actor would (replaying the journal)."""
        self._runner = CallRunner(self.call_id, self.store)
        self._runner.restore()
