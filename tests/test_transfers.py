"""runtime.transfers: the three transfer turns, their results, and what a dialogue sees after a transfer.

No Ray and no HTTP: the dialogues run in :class:`runtime.testing.DialogueTest`.
"""

from __future__ import annotations

import enum
from typing import Any

import pytest

from runtime import (BlindTransfer, BridgeTransfer, Call, CallTransferred, ConsultationTransfer, Disconnect,
                     Disconnected, Event, Exit, Grammar, HangUp, Hypothesis, InlineGrammar, MarkReached, Message,
                     NoMatch, Prompt, Recognition, Transfer, TransferFailed, TransferResult, TransferStatus,
                     event, event_family, wire)
from runtime import _codec
from runtime.testing import DialogueTest

STAR = InlineGrammar.choices({"*": "cancel"})
ALL_STATUSES = ["noanswer", "busy", "network_busy", "near_end_disconnect", "far_end_disconnect",
                "network_disconnect", "maxtime_disconnect", "unknown"]


# --- building the turns ----------------------------------------------------------------------


def test_a_bridge_transfer_takes_every_option() -> None:
    turn = BridgeTransfer("Please hold.", Prompt("Connecting you now.", bargein=False), dest="tel:+15551234567",
                          aai="customer=42", connect_timeout_ms=20000, max_time_ms=600000,
                          transfer_audio="https://example.com/hold.wav", cancel_dtmf=STAR,
                          cancel_speech=[Grammar("cancel.grxml")], name="to-agent", lang="en-GB")
    assert turn.type == "bridge"
    assert [p.parts for p in turn.prompts] == [("Please hold.",), ("Connecting you now.",)]
    assert (turn.dest, turn.dest_expr, turn.aai, turn.aai_expr) == ("tel:+15551234567", None, "customer=42", None)
    assert (turn.connect_timeout_ms, turn.max_time_ms, turn.transfer_audio) == (20000, 600000,
                                                                                "https://example.com/hold.wav")
    assert turn.cancel_dtmf == (STAR,) and turn.cancel_speech == (Grammar("cancel.grxml"),)
    assert (turn.name, turn.lang) == ("to-agent", "en-GB")


def test_a_consultation_transfer_takes_everything_but_max_time() -> None:
    turn = ConsultationTransfer(dest_expr="session.connection.remote.uri", aai_expr="'call=' + session.x",
                                connect_timeout_ms=15000, transfer_audio="ring.wav", cancel_dtmf=STAR)
    assert turn.type == "consultation"
    assert (turn.dest, turn.dest_expr, turn.aai_expr) == (None, "session.connection.remote.uri", "'call=' + session.x")
    assert turn.max_time_ms is None and turn.prompts == ()
    with pytest.raises(TypeError, match="max_time_ms"):
        ConsultationTransfer(dest="tel:+1555", max_time_ms=1000)  # type: ignore[call-arg]


@pytest.mark.parametrize("option", [{"connect_timeout_ms": 1000}, {"max_time_ms": 1000},
                                    {"transfer_audio": "ring.wav"}])
def test_a_blind_transfer_refuses_what_only_applies_while_the_platform_waits(option: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match=next(iter(option))):
        BlindTransfer(dest="tel:+1555", **option)


def test_a_blind_transfer_takes_destination_aai_prompts_and_cancel_grammars() -> None:
    turn = BlindTransfer("Transferring you.", dest="sip:sales@example.com", aai="x", cancel_speech=Grammar("c.grxml"))
    assert turn.type == "blind"
    assert (turn.connect_timeout_ms, turn.max_time_ms, turn.transfer_audio) == (None, None, None)
    assert turn.cancel_speech == (Grammar("c.grxml"),) and turn.cancel_dtmf == ()


def test_the_base_class_is_not_a_turn_of_its_own() -> None:
    with pytest.raises(TypeError, match="BlindTransfer, BridgeTransfer or ConsultationTransfer"):
        Transfer(dest="tel:+1555")
    for cls in (BlindTransfer, BridgeTransfer, ConsultationTransfer):
        assert isinstance(cls(dest="tel:+1555"), Transfer)


@pytest.mark.parametrize(("options", "says"), [
    ({}, "exactly one of dest"),
    ({"dest": "tel:+1555", "dest_expr": "d"}, "exactly one of dest"),
    ({"dest": "tel:+1555", "aai": "a", "aai_expr": "b"}, "aai or as aai_expr, not both"),
    ({"dest": "5551234"}, "URI with a scheme"),
    ({"dest": "+1 555 1234"}, "without spaces"),
    ({"dest": "tel:+1 555 1234"}, "without spaces"),
    ({"dest": ""}, "without spaces"),
    ({"dest": "tel:+1555\x00"}, "XML cannot carry"),
    ({"dest": "tel:+1555", "aai": "a\x1bb"}, "XML cannot carry"),
    ({"dest": "tel:+1555", "aai": "\ud800"}, "XML cannot carry"),
    ({"dest_expr": "  "}, "dest_expr cannot be empty"),
    ({"dest": "tel:+1555", "aai_expr": ""}, "aai_expr cannot be empty"),
    ({"dest": "tel:+1555", "transfer_audio": "hold music.wav"}, "without spaces"),
    ({"dest": "tel:+1555", "connect_timeout_ms": 0}, "more than zero"),
    ({"dest": "tel:+1555", "connect_timeout_ms": -1}, "more than zero"),
    ({"dest": "tel:+1555", "max_time_ms": -5}, "zero or more"),
])
def test_bad_options_are_refused_when_the_turn_is_built(options: dict[str, Any], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        BridgeTransfer(**options)


@pytest.mark.parametrize(("options", "says"), [
    ({"dest": 15551234}, "dest must be a string"),
    ({"dest": "tel:+1555", "aai": {"id": 1}}, "aai must be a string"),
    ({"dest": "tel:+1555", "connect_timeout_ms": 1.5}, "whole number of milliseconds"),
    ({"dest": "tel:+1555", "max_time_ms": True}, "whole number of milliseconds"),
    ({"dest": "tel:+1555", "cancel_dtmf": ["builtin:dtmf/digits"]}, "is not a grammar"),
])
def test_options_of_the_wrong_type_are_refused(options: dict[str, Any], says: str) -> None:
    with pytest.raises(TypeError, match=says):
        BridgeTransfer(**options)


def test_no_limit_and_foreign_text_are_accepted() -> None:
    turn = BridgeTransfer("Un momento, por favor — 日本語 🎉", dest="sip:josé@ejemplo.es", aai="naïve & <ok>",
                          max_time_ms=0)
    assert turn.max_time_ms == 0
    assert turn.dest == "sip:josé@ejemplo.es"


def test_prompts_are_checked_like_any_turn() -> None:
    with pytest.raises(TypeError, match="is not a speech part"):
        BridgeTransfer(42, dest="tel:+1555")  # type: ignore[arg-type]


# --- results ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_every_status_is_typed_and_survives_the_journal(status: str) -> None:
    result = TransferResult(status, 12)  # type: ignore[arg-type]
    assert result.status is TransferStatus(status)
    assert result.status == status, "statuses compare equal to the names VoiceXML uses"
    assert result.duration_s == 12.0 and isinstance(result.duration_s, float)
    back = _codec.unpack(_codec.pack(result))
    assert back == result and back.status is result.status


def test_unanswered_means_the_destination_was_never_reached() -> None:
    assert {s for s in ALL_STATUSES if TransferResult(TransferStatus(s)).unanswered} == {
        "noanswer", "busy", "network_busy"}


def test_a_cancelled_transfer_keeps_the_callers_input_through_the_journal() -> None:
    cancel = Recognition((Hypothesis("*", "cancel", 1.0, "dtmf"),), MarkReached("hold", 800))
    result = TransferResult(TransferStatus.NEAR_END_DISCONNECT, 0.0, cancel)
    assert _codec.unpack(_codec.pack(result)) == result
    assert result.cancelled_by is not None and result.cancelled_by.interpretation == "cancel"


@pytest.mark.parametrize(("duration", "error"), [(-1, ValueError), (float("nan"), ValueError),
                                                 (float("inf"), ValueError), ("3", TypeError), (True, TypeError)])
def test_bad_durations_are_refused(duration: Any, error: type) -> None:
    with pytest.raises(error, match="duration"):
        TransferResult(TransferStatus.BUSY, duration)


def test_an_unknown_status_name_is_refused_in_python() -> None:
    with pytest.raises(ValueError, match="not a valid TransferStatus"):
        TransferResult("hung_up")  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "reason", "code"), [
    ("error.connection.noauthorization", "noauthorization", None),
    ("error.connection.baddestination", "baddestination", None),
    ("error.connection.noroute", "noroute", None),
    ("error.connection.noresource", "noresource", None),
    ("error.connection.protocol.486", "protocol.486", "486"),
    ("error.connection.protocol", "protocol", None),
    ("error.connection", "", None),
    ("error.unsupported.transfer.blind", "unsupported.transfer.blind", None),
    ("error.unsupported.transfer.bridge", "unsupported.transfer.bridge", None),
    ("error.unsupported.transfer.consultation", "unsupported.transfer.consultation", None),
])
def test_connection_errors_are_typed(name: str, reason: str, code: str | None) -> None:
    failure = event(name, "détail <x>")
    assert type(failure) is TransferFailed
    assert (failure.name, failure.message, failure.reason, failure.protocol_code) == (name, "détail <x>", reason, code)
    assert failure.matches("error") and isinstance(failure, Event)
    assert _codec.unpack(_codec.pack(failure)) == failure


@pytest.mark.parametrize("name", ["error.unsupported.uri", "error.connectionx", "error.unsupported.transferx",
                                  "error.badfetch", "connection.disconnect.transfer"])
def test_other_events_stay_plain(name: str) -> None:
    assert type(event(name)) is Event


def test_the_most_specific_event_family_wins_and_families_are_not_taken_twice() -> None:
    @event_family("test.family")
    @wire
    class FamilyEvent(Event):
        __slots__ = ()

    @event_family("test.family.deep")
    @wire
    class DeepEvent(Event):
        __slots__ = ()

    assert type(event("test.family.x")) is FamilyEvent
    assert type(event("test.family.deep.y")) is DeepEvent
    assert type(event("test.familyx")) is Event
    with pytest.raises(ValueError, match="already read as"):
        event_family("test.family")(DeepEvent)


def test_enums_must_be_registered_to_be_journaled() -> None:
    class Colour(enum.Enum):
        RED = "red"

    with pytest.raises(TypeError, match="cannot be journaled"):
        _codec.pack(Colour.RED)


# --- what a dialogue sees ------------------------------------------------------------------------

seen: list[Any] = []


class BlindThenGone:
    async def run(self, call: Call) -> Exit:
        try:
            result = await call.turn(BlindTransfer("Transferring you.", dest="tel:+15550100", cancel_dtmf=STAR))
            seen.append(result)
            return Exit({"transferred": False})
        except CallTransferred as gone:
            seen.append(gone)
            return Exit({"transferred": True})
        finally:
            seen.append("finally")


def test_a_blind_transfer_that_happens_raises_call_transferred() -> None:
    seen.clear()
    t = DialogueTest(BlindThenGone)
    assert isinstance(t.turn, BlindTransfer)
    t.transferred()
    assert t.last == Exit({"transferred": True})
    gone, done = seen
    assert isinstance(gone, CallTransferred) and isinstance(gone, Disconnected) and not isinstance(gone, HangUp)
    assert gone.result == Event("connection.disconnect.transfer")
    assert gone.call_id == "test-call" and gone.turn == 1
    assert done == "finally"


def test_a_blind_transfer_the_caller_cancels_returns_a_result() -> None:
    seen.clear()
    t = DialogueTest(BlindThenGone)
    t.transfer_cancelled("*")
    assert t.last == Exit({"transferred": False})
    assert seen[0] == TransferResult(TransferStatus.NEAR_END_DISCONNECT, 0.0,
                                     Recognition((Hypothesis("*", "*", 1.0, "dtmf"),)))


class Uncaught:
    async def run(self, call: Call) -> Exit:
        await call.turn(ConsultationTransfer(dest="tel:+15550100"))
        return Exit({"reached": "never"})


def test_an_uncaught_transfer_ends_the_call_quietly() -> None:
    t = DialogueTest(Uncaught)
    t.transferred()
    assert t.last == Exit(name="transferred")


class TalksAfterTransfer:
    async def run(self, call: Call) -> Exit:
        try:
            await call.turn(ConsultationTransfer(dest="tel:+15550100"))
        except CallTransferred:
            await call.turn(Message("Are you still there?"))
        return Exit()


def test_no_output_turn_can_follow_a_transfer() -> None:
    t = DialogueTest(TalksAfterTransfer)
    t.transferred()
    assert isinstance(t.last, Disconnect) and t.last.message is not None
    assert t.last.message.name == "failure"


def test_a_hang_up_during_a_transfer_is_still_a_hang_up() -> None:
    t = DialogueTest(Uncaught)
    t.hang_up()
    assert t.last == Exit(name="hangup")


class Bridge:
    async def run(self, call: Call) -> Exit:
        outcomes = []
        for attempt in range(3):
            result = await call.turn(BridgeTransfer(dest="tel:+15550100", name=f"attempt-{attempt}"))
            outcomes.append(result)
            if isinstance(result, TransferResult) and not result.unanswered:
                break
        return Exit({"outcomes": [_describe(o) for o in outcomes]})


def _describe(result: Any) -> Any:
    if isinstance(result, TransferResult):
        assert type(result.status) is TransferStatus, "the dialogue gets the enum, also after replay"
        return [result.status.value, result.duration_s]
    if isinstance(result, TransferFailed):
        return [result.reason, result.message]
    return type(result).__name__


def test_bridge_statuses_reach_the_dialogue_typed_and_survive_a_restart() -> None:
    t = DialogueTest(Bridge)
    t.transfer_status("busy")
    t.restart()
    t.transfer_status(TransferStatus.NO_ANSWER)
    t.restart()
    assert t.turn.name == "attempt-2"
    t.transfer_status("far_end_disconnect", duration_s=125.5)
    assert t.last.variables == {"outcomes": [["busy", 0.0], ["noanswer", 0.0], ["far_end_disconnect", 125.5]]}
    assert [entry[2] for entry in t.journal if entry[0] == "in"] == [
        TransferResult(TransferStatus.BUSY), TransferResult(TransferStatus.NO_ANSWER),
        TransferResult(TransferStatus.FAR_END_DISCONNECT, 125.5)]


def test_failures_and_other_events_reach_the_dialogue_typed() -> None:
    t = DialogueTest(Bridge)
    t.transfer_failed("error.connection.noauthorization", "not allowed")
    t.event("noinput")
    t.transfer_cancelled(said="stop", duration_s=30)
    assert t.last.variables == {"outcomes": [["noauthorization", "not allowed"], "NoInput",
                                             ["near_end_disconnect", 30.0]]}


def test_the_harness_types_events_as_the_gateway_does() -> None:
    t = DialogueTest(Bridge)
    with pytest.raises(ValueError, match="not a transfer failure"):
        t.transfer_failed("error.badfetch")
    with pytest.raises(ValueError, match="not both"):
        t.transfer_cancelled("*", said="stop")
    with pytest.raises(ValueError, match="not a valid TransferStatus"):
        t.transfer_status("hung_up")
    t.event("nomatch")
    t.transfer_failed("error.unsupported.transfer.bridge")
    t.event("error.connection.noroute")
    assert t.last.variables == {"outcomes": ["NoMatch", ["unsupported.transfer.bridge", ""], ["noroute", ""]]}
    assert [type(entry[2]) for entry in t.journal if entry[0] == "in"] == [NoMatch, TransferFailed, TransferFailed]
