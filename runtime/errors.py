"""The one exception hierarchy of rayvr.

Every error rayvr raises is a :class:`RayvrError`. Errors that concern a call
carry its id and, where one is known, the turn number, so a log line or an
HTTP answer can always say which call and which turn went wrong.
"""

from __future__ import annotations

from typing import Any


class RayvrError(Exception):
    """Root of every rayvr error.

    Args:
        message: what went wrong and, where possible, what to do instead.
        call_id: the call concerned, if any.
        turn: the turn number concerned, if any.
    """

    def __init__(self, message: str, *, call_id: str | None = None, turn: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.call_id = call_id
        self.turn = turn

    def __str__(self) -> str:
        where = []
        if self.call_id is not None:
            where.append(f"call {self.call_id}")
        if self.turn is not None:
            where.append(f"turn {self.turn}")
        return f"{self.message} ({', '.join(where)})" if where else self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Ray pickles exceptions across processes; keep the keyword arguments.
        return (_rebuild, (type(self), self.message, self.call_id, self.turn, self.__dict__))


def _rebuild(cls: type[RayvrError], message: str, call_id: str | None, turn: int | None,
             state: dict[str, Any]) -> RayvrError:
    error = cls.__new__(cls)
    RayvrError.__init__(error, message, call_id=call_id, turn=turn)
    error.__dict__.update(state)
    return error


# --- raised inside dialogue code -------------------------------------------------------------


class Disconnected(RayvrError):
    """The caller is no longer connected to the application: :class:`HangUp` or :class:`CallTransferred`.

    Raised inside ``run`` so ``try/finally`` blocks run. No output turn can
    follow; ``run`` may still return a last turn (its variables reach the
    platform), and if the error is not caught the call ends with ``Exit()``.

    Attributes:
        result: what the browser posted along with the disconnection.
    """

    def __init__(self, message: str = "the caller is no longer connected", *, call_id: str | None = None,
                 turn: int | None = None, result: Any = None) -> None:
        super().__init__(message, call_id=call_id, turn=turn)
        self.result = result


class CallTransferred(Disconnected):
    """The caller was transferred away (``connection.disconnect.transfer``): the call is over for the application.

    A blind transfer raises it as soon as the platform hands the call over
    (whether or not the destination answers); a consultation transfer raises
    it once the destination has answered and the caller is connected.
    """

    def __init__(self, message: str = "the caller was transferred", *, call_id: str | None = None,
                 turn: int | None = None, result: Any = None) -> None:
        super().__init__(message, call_id=call_id, turn=turn, result=result)


class HangUp(Disconnected):
    """The caller hung up. Raised inside ``run`` so ``try/finally`` blocks run.

    Attributes:
        result: what the browser posted along with the hang-up (may hold a
            partial result, such as a recording).
    """

    def __init__(self, message: str = "the caller hung up", *, call_id: str | None = None,
                 turn: int | None = None, result: Any = None) -> None:
        super().__init__(message, call_id=call_id, turn=turn)
        self.result = result

    @property
    def partial(self) -> Any:
        """What the turn collected before the hang-up (a recording, a recognition), or None."""
        return getattr(self.result, "partial", None)


class StepFailed(RayvrError):
    """A journaled step raised; the original error's type and message are kept.

    The failure is journaled like a result, so replay raises it again at the
    same place instead of running the step a second time.
    """

    def __init__(self, message: str, *, call_id: str | None = None, turn: int | None = None,
                 step: str = "", error_type: str = "") -> None:
        super().__init__(message, call_id=call_id, turn=turn)
        self.step = step
        self.error_type = error_type


# --- dialogue code broke a rule --------------------------------------------------------------


class DialogueError(RayvrError):
    """The dialogue code did something the runtime cannot make durable."""


class UnjournaledAwaitError(DialogueError):
    """The dialogue awaited something that is not one of the call's own methods."""


class NonDeterminismError(DialogueError):
    """Replay diverged from the journal (usually: the dialogue code changed).

    Attributes:
        position: index of the journal entry where replay diverged.
        expected: what the journal recorded there.
        actual: what the dialogue did instead.
    """

    def __init__(self, message: str, *, call_id: str | None = None, turn: int | None = None,
                 position: int = -1, expected: Any = None, actual: Any = None) -> None:
        super().__init__(message, call_id=call_id, turn=turn)
        self.position = position
        self.expected = expected
        self.actual = actual


class UnknownDialogue(RayvrError):
    """No dialogue class is registered under the requested name."""


# --- a turn posted by the browser could not be applied ---------------------------------------


class TurnError(RayvrError):
    """A posted turn does not fit the call's state; the call is unchanged."""


class CallNotFound(TurnError):
    """No call with this id exists (never started, or its record is gone)."""


class CallEnded(TurnError):
    """The call has already ended; only a repeat of its last turn is answered."""


class FutureTurn(TurnError):
    """A turn number beyond the current one was posted; it is refused."""


class BadResult(TurnError):
    """What the browser posted cannot be read as a turn result."""


class CallBusy(TurnError):
    """The call's actor did not answer in time; the browser should retry the same turn."""


# --- checkpoint stores -----------------------------------------------------------------------


class StoreError(RayvrError):
    """The checkpoint store failed; the turn fails and can be retried."""


class FencingError(StoreError):
    """A checkpoint write would not advance the stored turn number and was refused."""


class StoreUnavailable(StoreError):
    """The checkpoint store could not be reached."""
