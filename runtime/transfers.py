"""Transfers: connect the caller to another party (VoiceXML 2.1 ``<transfer>``).

Three turns, one per transfer type, because each type allows other options
(VoiceXML 2.0 section 2.3.7, and the ``type`` attribute of VoiceXML 2.1):

=========================  =====  ======  ============
option                     blind  bridge  consultation
=========================  =====  ======  ============
destination, AAI           yes    yes     yes
prompts, cancel grammars   yes    yes     yes
connect timeout            no     yes     yes
transfer audio             no     yes     yes
max time                   no     yes     no
=========================  =====  ======  ============

What the dialogue gets back, by type:

* :class:`BlindTransfer`: the platform hands the call over and leaves it,
  without learning whether the destination answers. The turn raises
  :class:`~runtime.errors.CallTransferred` (``connection.disconnect.transfer``)
  inside the dialogue: the caller is gone from the application, as after a
  hang-up, so no output turn can follow. If the turn returns at all, the
  transfer did not happen: a :class:`TransferResult` (the caller cancelled it
  with a cancel grammar while the prompts played) or a :class:`TransferFailed`.
* :class:`ConsultationTransfer`: the platform waits for the destination to
  answer. Answered: :class:`~runtime.errors.CallTransferred` is raised, as for
  a blind transfer. Not answered (busy, no answer, network busy, cancelled by
  the caller): a :class:`TransferResult`, and the caller is still with you.
* :class:`BridgeTransfer`: the application stays in the call and gets the
  caller back when it ends: a :class:`TransferResult` with how it ended and
  how long the two parties talked.

Every type may instead give back a :class:`TransferFailed` (the platform
could not place the call: ``error.connection.*``, ``error.unsupported.transfer.*``),
another :class:`~runtime.results.Event`, or raise :class:`~runtime.errors.HangUp`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Iterable

from runtime._codec import wire
from runtime._values import xml_text
from runtime.results import Event, InputResult, Recognition, event_family
from runtime.speech import Part
from runtime.grammars import AnyGrammar, grammars_of
from runtime.turns import OutputTurn, Prompt, prompts_of

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_SPACE = re.compile(r"\s")


@wire
class TransferStatus(StrEnum):
    """How a transfer ended, as the platform reports it in the transfer's form item variable."""

    NO_ANSWER = "noanswer"
    """Nobody answered before the connect timeout."""
    BUSY = "busy"
    """The destination was busy."""
    NETWORK_BUSY = "network_busy"
    """An intermediate network refused the call."""
    NEAR_END_DISCONNECT = "near_end_disconnect"
    """The caller ended it with a cancel grammar (or the call ended on the caller's side)."""
    FAR_END_DISCONNECT = "far_end_disconnect"
    """The called party hung up."""
    NETWORK_DISCONNECT = "network_disconnect"
    """The network ended the call."""
    MAXTIME_DISCONNECT = "maxtime_disconnect"
    """The call reached the transfer's max time and the platform ended it."""
    UNKNOWN = "unknown"
    """The platform does not know (or reported a status outside VoiceXML's list)."""


UNANSWERED = frozenset({TransferStatus.NO_ANSWER, TransferStatus.BUSY, TransferStatus.NETWORK_BUSY})


@wire
@dataclass(frozen=True, slots=True)
class TransferResult(InputResult):
    """A transfer ended and the caller is (still, or again) with the application.

    Attributes:
        status: how it ended.
        duration_s: how long the caller and the destination were connected, in
            seconds (the ``duration`` shadow variable); 0 when they never were
            or the platform did not say.
        cancelled_by: the caller's DTMF or speech that matched a cancel grammar
            and ended the transfer (then ``status`` is ``near_end_disconnect``).
        vendor_status: a status outside VoiceXML's list, as the platform
            reported it (``status`` is then ``unknown``).
    """

    status: TransferStatus
    duration_s: float = 0.0
    cancelled_by: Recognition | None = None
    vendor_status: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.status, TransferStatus):
            object.__setattr__(self, "status", TransferStatus(self.status))
        if isinstance(self.duration_s, bool) or not isinstance(self.duration_s, (int, float)):
            raise TypeError(f"a transfer's duration is a number of seconds, not {self.duration_s!r}")
        if not 0 <= self.duration_s < float("inf"):
            raise ValueError(f"a transfer's duration must be a finite number of seconds, at least 0, not "
                             f"{self.duration_s!r}")
        object.__setattr__(self, "duration_s", float(self.duration_s))
        if self.cancelled_by is not None and not isinstance(self.cancelled_by, Recognition):
            raise TypeError(f"cancelled_by is the Recognition that ended the transfer, not {self.cancelled_by!r}")

    @property
    def unanswered(self) -> bool:
        """Whether the destination was never reached (busy, no answer, network busy)."""
        return self.status in UNANSWERED


@event_family("error.connection", "error.unsupported.transfer")
@wire
@dataclass(frozen=True, slots=True)
class TransferFailed(Event):
    """The platform could not place the transfer; the caller is still with the application.

    ``name`` is the event, for example ``error.connection.noauthorization``,
    ``error.connection.baddestination``, ``error.connection.noroute``,
    ``error.connection.noresource``, ``error.connection.protocol.486`` or
    ``error.unsupported.transfer.blind``; match a family with :meth:`matches`.
    """

    @property
    def reason(self) -> str:
        """What failed: ``noroute``, ``protocol.486``, ``unsupported.transfer.blind`` (the name after
        ``error.connection.``, or after ``error.`` for the other families)."""
        if self.matches("error.connection"):
            return self.name[len("error.connection."):]
        return self.name.removeprefix("error.")

    @property
    def protocol_code(self) -> str | None:
        """The protocol's own cause of an ``error.connection.protocol.nnn`` event (``"486"``), else None."""
        prefix = "error.connection.protocol."
        if not self.name.startswith(prefix):
            return None
        return self.name[len(prefix):] or None


# --- the turns -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Transfer(OutputTurn):
    """Base of the three transfer turns; build a :class:`BlindTransfer`, :class:`BridgeTransfer` or
    :class:`ConsultationTransfer`.

    Attributes:
        prompts: played before the transfer attempt starts (cancel grammars listen during them).
        dest: the destination URI (``tel:+15551234567``, ``sip:agent@example.com``).
        dest_expr: an ECMAScript expression the browser evaluates to the destination instead.
        aai: application-to-application data sent to the far end (``session.connection.aai`` there).
        aai_expr: an ECMAScript expression the browser evaluates to the AAI instead.
        connect_timeout_ms: how long to wait for an answer before ``noanswer``.
        max_time_ms: the longest the bridged call may last (0: no limit).
        transfer_audio: the URI of audio the caller hears while the call is placed (until answered).
        cancel_dtmf: DTMF grammars with which the caller ends the transfer.
        cancel_speech: speech grammars with which the caller ends the transfer.
        name: the turn's name, in logs and the journal.
        lang: the language of the turn's prompts and grammars.
    """

    type: ClassVar[str] = ""

    prompts: tuple[Prompt, ...]
    dest: str | None
    dest_expr: str | None
    aai: str | None
    aai_expr: str | None
    connect_timeout_ms: int | None
    max_time_ms: int | None
    transfer_audio: str | None
    cancel_dtmf: tuple[AnyGrammar, ...]
    cancel_speech: tuple[AnyGrammar, ...]
    name: str
    lang: str | None

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise TypeError("build a BlindTransfer, BridgeTransfer or ConsultationTransfer")

    def _set(self, prompts: tuple[Prompt | Part, ...], *, dest: str | None, dest_expr: str | None,
             aai: str | None, aai_expr: str | None, connect_timeout_ms: int | None, max_time_ms: int | None,
             transfer_audio: str | None, cancel_dtmf: AnyGrammar | Iterable[AnyGrammar] | None,
             cancel_speech: AnyGrammar | Iterable[AnyGrammar] | None, name: str, lang: str | None) -> None:
        """Check every option and set the fields (shared by the three constructors)."""
        if (dest is None) == (dest_expr is None):
            raise ValueError("a transfer needs exactly one of dest (a URI) and dest_expr (an ECMAScript expression)")
        if aai is not None and aai_expr is not None:
            raise ValueError("give a transfer's AAI as aai or as aai_expr, not both")
        if dest is not None:
            _check_uri(dest, "dest")
        if transfer_audio is not None:
            _check_uri(transfer_audio, "transfer_audio", scheme=False)
        for what, value in (("dest_expr", dest_expr), ("aai_expr", aai_expr)):
            if value is not None and not xml_text(value, what).strip():
                raise ValueError(f"{what} cannot be empty")
        if aai is not None:
            xml_text(aai, "aai")
        _check_time(connect_timeout_ms, "connect_timeout_ms", zero=False)
        _check_time(max_time_ms, "max_time_ms", zero=True)
        fields = {"prompts": prompts_of(prompts), "dest": dest, "dest_expr": dest_expr, "aai": aai,
                  "aai_expr": aai_expr, "connect_timeout_ms": connect_timeout_ms, "max_time_ms": max_time_ms,
                  "transfer_audio": transfer_audio, "cancel_dtmf": grammars_of(cancel_dtmf),
                  "cancel_speech": grammars_of(cancel_speech), "name": name, "lang": lang}
        for field, value in fields.items():
            object.__setattr__(self, field, value)


@wire
@dataclass(frozen=True, slots=True, init=False)
class BlindTransfer(Transfer):
    """Hand the caller over to ``dest`` and leave the call (``<transfer type="blind">``).

    Prompts play first; a cancel grammar lets the caller stop the transfer
    while they play. The platform does not wait for an answer, so there is
    no connect timeout, transfer audio or max time.

    Raises (from ``await call.turn(...)``):
        CallTransferred: the call was handed over; the caller is gone.
    Returns:
        :class:`TransferResult` if the caller cancelled, or :class:`TransferFailed`.
    """

    type: ClassVar[str] = "blind"

    def __init__(self, *prompts: Prompt | Part, dest: str | None = None, dest_expr: str | None = None,
                 aai: str | None = None, aai_expr: str | None = None,
                 cancel_dtmf: AnyGrammar | Iterable[AnyGrammar] | None = None,
                 cancel_speech: AnyGrammar | Iterable[AnyGrammar] | None = None,
                 name: str = "transfer", lang: str | None = None) -> None:
        self._set(prompts, dest=dest, dest_expr=dest_expr, aai=aai, aai_expr=aai_expr, connect_timeout_ms=None,
                  max_time_ms=None, transfer_audio=None, cancel_dtmf=cancel_dtmf, cancel_speech=cancel_speech,
                  name=name, lang=lang)


@wire
@dataclass(frozen=True, slots=True, init=False)
class BridgeTransfer(Transfer):
    """Connect the caller to ``dest`` and stay in the call (``<transfer type="bridge">``).

    The caller comes back to the dialogue when the call ends, with a
    :class:`TransferResult`. Cancel grammars listen for the whole call: a match
    ends it (``near_end_disconnect``).
    """

    type: ClassVar[str] = "bridge"

    def __init__(self, *prompts: Prompt | Part, dest: str | None = None, dest_expr: str | None = None,
                 aai: str | None = None, aai_expr: str | None = None, connect_timeout_ms: int | None = None,
                 max_time_ms: int | None = None, transfer_audio: str | None = None,
                 cancel_dtmf: AnyGrammar | Iterable[AnyGrammar] | None = None,
                 cancel_speech: AnyGrammar | Iterable[AnyGrammar] | None = None,
                 name: str = "transfer", lang: str | None = None) -> None:
        self._set(prompts, dest=dest, dest_expr=dest_expr, aai=aai, aai_expr=aai_expr,
                  connect_timeout_ms=connect_timeout_ms, max_time_ms=max_time_ms, transfer_audio=transfer_audio,
                  cancel_dtmf=cancel_dtmf, cancel_speech=cancel_speech, name=name, lang=lang)


@wire
@dataclass(frozen=True, slots=True, init=False)
class ConsultationTransfer(Transfer):
    """Place a call to ``dest``, and hand the caller over once it is answered (``<transfer type="consultation">``).

    Raises (from ``await call.turn(...)``):
        CallTransferred: the destination answered and the caller is connected to it.
    Returns:
        :class:`TransferResult` when it was not answered or the caller cancelled
        (the caller is still with you), or :class:`TransferFailed`.
    """

    type: ClassVar[str] = "consultation"

    def __init__(self, *prompts: Prompt | Part, dest: str | None = None, dest_expr: str | None = None,
                 aai: str | None = None, aai_expr: str | None = None, connect_timeout_ms: int | None = None,
                 transfer_audio: str | None = None, cancel_dtmf: AnyGrammar | Iterable[AnyGrammar] | None = None,
                 cancel_speech: AnyGrammar | Iterable[AnyGrammar] | None = None,
                 name: str = "transfer", lang: str | None = None) -> None:
        self._set(prompts, dest=dest, dest_expr=dest_expr, aai=aai, aai_expr=aai_expr,
                  connect_timeout_ms=connect_timeout_ms, max_time_ms=None, transfer_audio=transfer_audio,
                  cancel_dtmf=cancel_dtmf, cancel_speech=cancel_speech, name=name, lang=lang)


# --- checks ----------------------------------------------------------------------------------




def _check_uri(value: object, what: str, scheme: bool = True) -> None:
    text = xml_text(value, what)
    if not text or _SPACE.search(text):
        raise ValueError(f"{what} must be a URI without spaces, not {text!r}")
    if scheme and not _SCHEME.match(text):
        raise ValueError(f"{what} must be a URI with a scheme, such as tel:+15551234567 or sip:agent@example.com, "
                         f"not {text!r}")


def _check_time(value: object, what: str, zero: bool) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be a whole number of milliseconds, not {value!r}")
    if value < 0 or (value == 0 and not zero):
        raise ValueError(f"{what} must be {'zero or more' if zero else 'more than zero'}, not {value}")
