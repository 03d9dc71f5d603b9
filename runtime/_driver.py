"""The deterministic driver: runs a dialogue coroutine against its journal.

Rules (the whole contract of a dialogue with the runtime):

1. The driver steps the ``run`` coroutine itself with ``send``/``throw``; no
   event loop runs dialogue code. The only awaitables a dialogue may await
   are the call's own (:meth:`Call.turn`, :meth:`Call.step`); anything else
   is thrown back into the dialogue as :class:`UnjournaledAwaitError`.
2. Every value that enters the dialogue from outside is a journal entry:
   ``["out", seq, kind, name]`` for each output turn, ``["in", seq, result]``
   for the caller's result, ``["now"|"random"|"id", value]`` for the
   call's non-deterministic helpers and ``["step", name, ok, value]`` for
   back-end steps.
3. Replay feeds recorded entries back in order. A dialogue that asks for
   something other than what was recorded at that position gets a
   :class:`NonDeterminismError`, and the call ends through the dialogue's
   failure turn instead of going on from a state that never happened.
4. The driver only ever appends; the caller of :meth:`Driver.advance`
   writes the new entries to the store before showing the output.
"""

from __future__ import annotations

import inspect
import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Coroutine, Generator

from runtime import _codec
from runtime.errors import (CallTransferred, DialogueError, Disconnected, HangUp, NonDeterminismError, RayvrError,
                            StepFailed, UnjournaledAwaitError)
from runtime.results import HANGUP_EVENT, TRANSFER_EVENT, Event, InputResult
from runtime.settings import NO_SETTINGS, DocumentSettings
from runtime.turns import Disconnect, Exit, LastTurn, Message, OutputTurn, Prompt

log = logging.getLogger("rayvr.driver")

Entry = list[Any]

# Events after which the caller is gone from the application, and what the dialogue gets for them.
_DISCONNECTIONS: dict[str, type[Disconnected]] = {HANGUP_EVENT: HangUp, TRANSFER_EVENT: CallTransferred}

DEFAULT_FAILURE_MESSAGE = "We are sorry, a technical problem has occurred. Please call again later."


class _TurnRequest:
    __slots__ = ("turn", "settings")

    def __init__(self, turn: OutputTurn, settings: DocumentSettings | None) -> None:
        self.turn = turn
        self.settings = settings

    def __await__(self) -> Generator["_TurnRequest", Any, Any]:
        return (yield self)


class _StepRequest:
    __slots__ = ("name", "fn", "args", "kwargs")

    def __init__(self, name: str, fn: Callable[..., Any], args: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> None:
        self.name, self.fn, self.args, self.kwargs = name, fn, args, kwargs

    def __await__(self) -> Generator["_StepRequest", Any, Any]:
        return (yield self)


class Call:
    """What a dialogue's ``run`` receives: the call's identity and its journaled operations.

    Attributes:
        id: the call id (also the name of the call's actor).
        params: the parameters of the request that started the call (each
            value a string, or a list of strings when repeated).
    """

    def __init__(self, driver: "Driver", call_id: str, params: dict[str, Any]) -> None:
        self._driver = driver
        self.id = call_id
        self.params = params

    def turn(self, turn: OutputTurn, settings: DocumentSettings | None = None) -> Awaitable[Any]:
        """Show ``turn`` to the caller and give back the caller's result.

        Args:
            turn: what to show.
            settings: document settings for this turn only, on top of the
                call's (:meth:`configure`).

        Raises:
            HangUp: the caller hung up during this turn.
            CallTransferred: a transfer turn handed the caller over to its destination.
        """
        if not isinstance(turn, OutputTurn):
            raise TypeError(f"call.turn takes an output turn such as Message or Interaction, not "
                            f"{type(turn).__qualname__}; return last turns (Exit, Disconnect, Return, Goto, "
                            "Submit) from run")
        if settings is not None and not isinstance(settings, DocumentSettings):
            raise TypeError(f"settings must be DocumentSettings, not {type(settings).__qualname__}")
        return _TurnRequest(turn, settings)

    @property
    def settings(self) -> DocumentSettings:
        """The call-wide document settings (language, fetching, properties) in force now."""
        return self._driver.settings

    def configure(self, settings: DocumentSettings | None = None, /, *, replace: bool = False,
                  **fields: Any) -> DocumentSettings:
        """Change the call-wide document settings of every later turn, last turns included.

        ``call.configure(lang="fr-FR", properties={"bargeintype": "hotword"})``
        or ``call.configure(DocumentSettings(...))``. What is given is merged
        over the current settings (fields it sets win, properties merge by
        name); with ``replace=True`` it replaces them, so
        ``call.configure(replace=True)`` clears every call-wide setting.

        Nothing is journaled: ``run`` makes the same calls when it is
        replayed, and each turn's record keeps the settings it was shown with.

        Returns:
            The call-wide settings now in force.
        """
        change = settings if settings is not None else NO_SETTINGS
        if not isinstance(change, DocumentSettings):
            raise TypeError(f"settings must be DocumentSettings, not {type(change).__qualname__}")
        if fields:
            change = change.merged(DocumentSettings(**fields))
        self._driver.settings = change if replace else self._driver.settings.merged(change)
        return self._driver.settings

    def step(self, fn: Callable[..., Any], *args: Any, name: str | None = None, **kwargs: Any) -> Awaitable[Any]:
        """Run a back-end call once and journal its result (plain data only).

        ``fn`` may be a plain or an ``async`` function; it runs on the actor's
        event loop, outside the dialogue. On replay its recorded result is
        given back without calling it again. If it raises, :class:`StepFailed`
        is raised here (and again, identically, on replay).
        """
        return _StepRequest(name or getattr(fn, "__qualname__", repr(fn)), fn, args, kwargs)

    def now(self) -> datetime:
        """The current time (UTC), journaled so replay sees the same instant."""
        return datetime.fromtimestamp(self._driver.record("now", time.time), timezone.utc)

    def random(self) -> float:
        """A random float in [0, 1), journaled."""
        return self._driver.record("random", random.random)

    def new_id(self) -> str:
        """A new unique id (32 hex digits), journaled."""
        return self._driver.record("id", lambda: uuid.uuid4().hex)


@dataclass(frozen=True, slots=True)
class Outcome:
    """Where the dialogue stopped: the turn shown as ``seq``, whether it is the last, and its document settings."""

    seq: int
    turn: OutputTurn | LastTurn
    final: bool
    settings: DocumentSettings = NO_SETTINGS


def failure_turn(dialogue: Any, error: RayvrError) -> LastTurn:
    """The turn that ends a call whose dialogue failed: the dialogue's own ``on_failure``, or a polite goodbye."""
    handler = getattr(dialogue, "on_failure", None)
    if handler is not None:
        try:
            turn = handler(error)
            if isinstance(turn, LastTurn):
                return turn
            log.error("on_failure returned %r, not a last turn", turn, extra={"call_id": error.call_id})
        except Exception:
            log.exception("on_failure raised", extra={"call_id": error.call_id})
    return Disconnect(message=Message(Prompt(DEFAULT_FAILURE_MESSAGE, bargein=False), name="failure"))


class Driver:
    """Runs one call's dialogue, replaying ``journal`` first, then live.

    Args:
        call_id: the call's id, for errors and logs.
        dialogue: a fresh instance of the registered dialogue class.
        params: the call's start parameters.
        journal: the entries recorded so far (replayed before going live).
    """

    def __init__(self, call_id: str, dialogue: Any, params: dict[str, Any], journal: list[Entry]) -> None:
        self.call_id = call_id
        self.dialogue = dialogue
        self.journal: list[Entry] = list(journal)
        self.position = 0  # next journal entry to replay; == len(journal) when live
        self.seq = 0
        self.failure: RayvrError | None = None
        self.settings: DocumentSettings = NO_SETTINGS  # call-wide; set by Call.configure
        self._call = Call(self, call_id, params)
        self._coro: Coroutine[Any, Any, Any] | None = None
        self._hung_up = False

    @property
    def replaying(self) -> bool:
        """Whether recorded entries remain to be fed back."""
        return self.position < len(self.journal)

    # --- journal ---------------------------------------------------------------------------

    def _next_entry(self, kind: str, detail: Any) -> Entry | None:
        """The recorded entry at the cursor if replaying (checked to be ``kind``), else None."""
        if not self.replaying:
            return None
        entry = self.journal[self.position]
        if entry[0] != kind or (kind in ("out", "step") and entry[1:len(detail) + 1] != list(detail)):
            raise NonDeterminismError(
                f"replay diverged at journal position {self.position}: the journal has "
                f"{_describe(entry)} but the dialogue did {_describe([kind, *detail])}",
                call_id=self.call_id, turn=self.seq, position=self.position,
                expected=entry, actual=[kind, *detail])
        self.position += 1
        return entry

    def _append(self, entry: Entry) -> None:
        self.journal.append(entry)
        self.position = len(self.journal)

    def record(self, kind: str, produce: Callable[[], Any]) -> Any:
        """Journal a non-deterministic value (or give back the recorded one when replaying)."""
        entry = self._next_entry(kind, ())
        if entry is not None:
            return entry[1]
        value = produce()
        self._append([kind, value])
        return value

    # --- running ---------------------------------------------------------------------------

    async def start(self) -> Outcome:
        """Run the dialogue from the top to its first output turn (replaying what is recorded)."""
        self._coro = self.dialogue.run(self._call)
        if not inspect.iscoroutine(self._coro):
            raise TypeError(f"{type(self.dialogue).__qualname__}.run must be an async def")
        return await self._drive(("send", None))

    async def advance(self, result: InputResult) -> Outcome:
        """Feed the caller's result for the current turn and run to the next turn."""
        self._append(["in", self.seq, result])
        return await self._drive(self._delivery(result))

    def _delivery(self, result: InputResult) -> tuple[str, Any]:
        if isinstance(result, Event) and result.name in _DISCONNECTIONS:
            self._hung_up = True
            return ("throw", _DISCONNECTIONS[result.name](call_id=self.call_id, turn=self.seq, result=result))
        return ("send", result)

    async def _drive(self, action: tuple[str, Any]) -> Outcome:
        assert self._coro is not None
        while True:
            try:
                how, value = action
                request = self._coro.throw(value) if how == "throw" else self._coro.send(value)
            except StopIteration as stop:
                return self._finish(stop.value)
            except Disconnected as gone:
                return self._finish(Exit(name="transferred" if isinstance(gone, CallTransferred) else "hangup"))
            except RayvrError as error:
                return self._fail(error)
            except Exception as error:  # the dialogue's own bug: end the call politely
                log.exception("dialogue raised", extra={"call_id": self.call_id, "turn": self.seq})
                return self._fail(DialogueError(f"the dialogue raised {type(error).__name__}: {error}",
                                                call_id=self.call_id, turn=self.seq))
            try:
                action = await self._serve(request)
            except NonDeterminismError as error:
                self._coro.close()
                return self._fail(error)
            if isinstance(action, Outcome):
                return action

    async def _serve(self, request: Any) -> tuple[str, Any] | Outcome:
        if isinstance(request, _TurnRequest):
            if self._hung_up:
                return ("throw", DialogueError(
                    "the caller has hung up or was transferred: no more output turns; return a last turn or "
                    "let HangUp (or CallTransferred) propagate",
                    call_id=self.call_id, turn=self.seq))
            self.seq += 1
            turn = request.turn
            detail = (self.seq, type(turn).__name__, turn.name)
            if self._next_entry("out", detail) is None:
                self._append(["out", *detail])
            if self.replaying:
                entry = self._next_entry("in", ())
                assert entry is not None
                return self._delivery(entry[2])
            return Outcome(self.seq, turn, final=False, settings=self.settings.merged(request.settings))
        if isinstance(request, _StepRequest):
            return await self._step(request)
        return ("throw", UnjournaledAwaitError(
            f"the dialogue awaited {request!r}, which is not one of the call's own operations; "
            "only call.turn(...) and call.step(...) may be awaited in a dialogue: wrap I/O and "
            "sleeps in an async function and await call.step(that_function, ...)",
            call_id=self.call_id, turn=self.seq))

    async def _step(self, request: _StepRequest) -> tuple[str, Any]:
        entry = self._next_entry("step", (request.name,))
        if entry is None:
            try:
                value = request.fn(*request.args, **request.kwargs)
                if inspect.isawaitable(value):
                    value = await value
                _codec.pack(value)  # refuse what the journal could not hold, before recording it
                entry = ["step", request.name, True, value]
            except Exception as error:
                entry = ["step", request.name, False, [type(error).__name__, str(error)]]
            self._append(entry)
        _, name, ok, value = entry
        if ok:
            return ("send", value)
        return ("throw", StepFailed(f"step {name} failed: {value[0]}: {value[1]}", call_id=self.call_id,
                                    turn=self.seq, step=name, error_type=value[0]))

    def _finish(self, turn: Any) -> Outcome:
        if not isinstance(turn, LastTurn):
            return self._fail(DialogueError(
                f"run returned {turn!r}; a dialogue must return a last turn such as Exit() or Disconnect()",
                call_id=self.call_id, turn=self.seq))
        return self._last(turn)

    def _fail(self, error: RayvrError) -> Outcome:
        self.failure = error
        log.error("dialogue failed: %s", error, extra={"call_id": self.call_id, "turn": self.seq})
        if not self.replaying:
            self._append(["failed", str(error)])  # the journal says why the call ended as it did
        elif self.journal[self.position][0] == "failed":
            self.position += 1
        return self._last(failure_turn(self.dialogue, error))

    def _last(self, turn: LastTurn) -> Outcome:
        self.seq += 1
        detail = (self.seq, type(turn).__name__, turn.name)
        if not self.replaying:
            self._append(["out", *detail])
        else:
            try:
                self._next_entry("out", detail)
            except NonDeterminismError as error:
                # Replay cannot reach the recorded state; the caller of the driver decides what to show.
                self.failure = self.failure or error
        return Outcome(self.seq, turn, final=True, settings=self.settings)


def _describe(entry: Entry) -> str:
    kind = entry[0]
    if kind == "out":
        return f"output turn {entry[1]} {entry[2]}({entry[3]!r})"
    if kind == "step":
        return f"step {entry[1]!r}"
    if kind == "in":
        return f"the result of turn {entry[1]}"
    return f"call.{kind}()"


