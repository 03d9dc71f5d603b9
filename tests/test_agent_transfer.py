"""The agent_transfer example: a bridge transfer to an agent, with a callback or another try as the fallback."""

from __future__ import annotations

from typing import Any

import pytest

import dialogues  # noqa: F401  (registers the examples)
from dialogues import agent_transfer
from gateway.render import RenderContext, render
from runtime import BridgeTransfer, Exit, Interaction, SayAs, TransferStatus
from runtime.testing import DialogueTest
from vxml import assert_valid_vxml

CTX = RenderContext(call_id="test-call", seq=1, submit_url="/calls/test-call/turns/1", root_url="/root.vxml")


@pytest.fixture
def bookings(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Callbacks booked during the test (the back end is replaced; it must run once per booking)."""
    booked: list[tuple[str, str]] = []

    def book(number: str, call_id: str) -> str:
        booked.append((number, call_id))
        return f"REF-{len(booked)}"

    monkeypatch.setattr(agent_transfer, "request_callback", book)
    return booked


def test_the_caller_is_bridged_to_the_agent_line_with_every_transfer_option() -> None:
    t = DialogueTest("agent-transfer", call_id="call-42")
    turn = t.turn
    assert isinstance(turn, BridgeTransfer) and turn.name == "agent-1"
    assert (turn.dest, turn.aai) == ("tel:+15550100", "rayvr-call=call-42")
    assert (turn.connect_timeout_ms, turn.max_time_ms) == (25_000, 1_800_000)
    assert turn.transfer_audio == "https://example.com/audio/hold-music.wav"
    assert turn.cancel_dtmf == (agent_transfer.STOP_WAITING,)
    assert t.text == "Please hold while we connect you to an agent. To stop waiting, press star."
    assert_valid_vxml(render(turn, CTX))


def test_a_conversation_ends_the_call_with_its_length() -> None:
    t = DialogueTest("agent-transfer")
    t.transfer_status("far_end_disconnect", duration_s=312)
    assert t.text == "Your call with our agent has ended. Thank you for calling. Goodbye."
    assert t.last.variables == {"outcome": "talked", "talk_s": 312.0}


def test_a_conversation_that_reached_the_time_limit_says_so() -> None:
    t = DialogueTest("agent-transfer")
    t.transfer_status(TransferStatus.MAXTIME_DISCONNECT, duration_s=1800)
    assert "time limit" in t.text
    assert t.last.variables == {"outcome": "talked", "talk_s": 1800.0}


def test_star_during_the_conversation_ends_it_as_a_conversation() -> None:
    t = DialogueTest("agent-transfer")
    t.transfer_cancelled("*", duration_s=95)
    assert t.last.variables == {"outcome": "talked", "talk_s": 95.0}


def test_busy_then_another_try_that_reaches_an_agent() -> None:
    t = DialogueTest("agent-transfer")
    t.transfer_status("busy")
    assert t.turn.name == "fallback-1"
    assert t.text == ("All our agents are busy right now. To be called back, press 1. To try again, press 2. "
                      "To leave, press 3.")
    t.dtmf("2", interpretation="retry")
    assert isinstance(t.turn, BridgeTransfer) and t.turn.name == "agent-2"
    assert t.text.startswith("Let us try again.")
    t.restart()  # as if the node died while the caller talked to the agent
    t.transfer_status("network_disconnect", duration_s=40.5)
    assert t.last.variables == {"outcome": "talked", "talk_s": 40.5}


def test_after_the_last_try_only_a_callback_or_leaving_is_offered(bookings: list[tuple[str, str]]) -> None:
    t = DialogueTest("agent-transfer")
    t.transfer_status("noanswer")
    t.dtmf("2", interpretation="retry")
    t.transfer_status("noanswer")
    assert t.text == "None of our agents could answer. To be called back, press 1. To leave, press 3."
    assert isinstance(t.turn, Interaction) and '"retry"' not in t.turn.dtmf[0].srgs
    t.dtmf("1", interpretation="callback")
    assert t.turn.name == "callback-number-1"
    t.dtmf("5551234567")
    assert t.turn.name == "callback-confirm-1"
    assert isinstance(t.turn, Interaction)
    assert t.turn.prompts[-1].parts == ("We will call you back on ", SayAs("5551234567", "telephone"),
                                        ". If that is right, press 1. To key it again, press 2.")
    assert_valid_vxml(render(t.turn, CTX))
    t.dtmf("1", interpretation="yes")
    assert t.last.variables == {"outcome": "callback", "number": "5551234567", "reference": "REF-1"}
    assert "An agent will call you back on" in t.text
    assert bookings == [("5551234567", "test-call")]
    assert ["step", "request-callback", True, "REF-1"] in t.journal


def test_a_restart_after_booking_does_not_book_again(bookings: list[tuple[str, str]]) -> None:
    t = DialogueTest("agent-transfer")
    t.transfer_status("busy")
    t.dtmf("1", interpretation="callback")
    t.dtmf("0612345678")
    t.dtmf("2", interpretation="no")
    assert t.turn.name == "callback-number-1", "a wrong number is keyed again"
    t.dtmf("0698765432")
    t.dtmf("1", interpretation="yes")
    assert t.last.variables["number"] == "0698765432"
    t.restart()
    assert bookings == [("0698765432", "test-call")]


def test_a_failed_booking_apologises(monkeypatch: pytest.MonkeyPatch) -> None:
    def down(number: str, call_id: str) -> str:
        raise ConnectionError("CRM unreachable")

    monkeypatch.setattr(agent_transfer, "request_callback", down)
    t = DialogueTest("agent-transfer")
    t.transfer_status("busy")
    t.dtmf("1", interpretation="callback")
    t.dtmf("5551234567")
    t.dtmf("1", interpretation="yes")
    assert t.last.variables == {"outcome": "callback-failed"}
    assert "could not book your callback" in t.text


def test_pressing_star_while_waiting_offers_the_fallback() -> None:
    t = DialogueTest("agent-transfer")
    t.transfer_cancelled("*")
    assert t.text.startswith("You stopped waiting. To be called back, press 1. To try again, press 2.")
    t.dtmf("3", interpretation="leave")
    assert t.last == Exit({"outcome": "no-agent", "attempts": 1}, t.last.message)
    assert t.text == "Thank you for calling. Goodbye."


@pytest.mark.parametrize(("failure", "says", "retry"), [
    ("error.connection.noauthorization", "We cannot connect you to an agent from this line.", False),
    ("error.connection.baddestination", "We cannot connect you to an agent from this line.", False),
    ("error.unsupported.transfer.bridge", "We cannot connect you to an agent from this line.", False),
    ("error.connection.noroute", "We could not reach our agents.", True),
    ("error.connection.protocol.503", "We could not reach our agents.", True),
])
def test_a_transfer_the_platform_cannot_place(failure: str, says: str, retry: bool) -> None:
    t = DialogueTest("agent-transfer")
    t.transfer_failed(failure, "detail")
    assert t.text.startswith(says)
    assert ("To try again, press 2." in t.text) is retry


@pytest.mark.parametrize(("answer", "says"), [
    (lambda t: t.transfer_status("unknown"), "We could not connect you to an agent."),
    (lambda t: t.transfer_status("network_busy"), "The telephone network is busy."),
    (lambda t: t.event("error.semantic", "oops"), "Something went wrong while connecting you."),
])
def test_other_outcomes_still_get_the_fallback(answer: Any, says: str) -> None:
    t = DialogueTest("agent-transfer")
    answer(t)
    assert t.turn.name == "fallback-1" and t.text.startswith(says)


def test_silence_at_the_fallback_ends_politely() -> None:
    t = DialogueTest("agent-transfer")
    t.transfer_status("busy")
    t.no_input()
    assert t.text.startswith("Sorry, I did not hear anything. All our agents are busy")
    t.no_match()
    t.no_input()
    assert t.last.variables == {"outcome": "no-agent", "attempts": 1}


def test_no_number_keyed_ends_politely() -> None:
    t = DialogueTest("agent-transfer")
    t.transfer_status("busy")
    t.dtmf("1", interpretation="callback")
    t.no_input()
    t.no_input()
    t.no_input()
    assert t.last.variables == {"outcome": "no-callback"}


def test_a_hang_up_while_on_hold_ends_the_call() -> None:
    t = DialogueTest("agent-transfer")
    t.hang_up()
    assert t.last == Exit(name="hangup")
