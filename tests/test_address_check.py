"""The address-check example (script + subdialog) and the postcode dialogue it calls, tested with DialogueTest."""

from __future__ import annotations

import json

import pytest

import dialogues  # noqa: F401  (registers the examples)
from browser import needs_node, run_turn
from dialogues.address_check import DEFAULT_POSTCODE_URL
from gateway.render import RenderContext, render
from runtime import (HANGUP_EVENT, Disconnect, Event, Exit, Interaction, Message, Return, SayAs, Subdialog, Value,
                     connection_info)
from runtime.testing import DialogueTest
from vxml import assert_valid_vxml

CALLER = {"caller": "tel:+49 30 1234567", "called": "tel:+49 800 000000", "protocol": "sip",
          "protocol_version": "2.0", "redirect": [], "aai": None, "originator": "remote"}


def documents_of(t: DialogueTest) -> None:
    """The current turn renders to a valid document."""
    assert_valid_vxml(render(t.turn, RenderContext(t.call_id, t.reply.seq, "/calls/x/turns/1", "/root.vxml")))


def test_reads_the_caller_then_calls_the_postcode_subdialog_and_speaks_it_back() -> None:
    t = DialogueTest("address-check")
    assert t.turn == connection_info(name="caller-number")
    documents_of(t)
    t.value(CALLER)
    subdialog = t.turn
    assert isinstance(subdialog, Subdialog)
    assert (subdialog.src, subdialog.variables, subdialog.method, subdialog.returns) == (
        DEFAULT_POSTCODE_URL, {"caller": "+49301234567"}, "post", "postcode")
    documents_of(t)
    t.value("10115")
    assert isinstance(t.turn, Message) and t.turn.name == "read-back"
    assert SayAs("10115", "characters") in t.turn.prompts[0].parts
    assert t.text.startswith("Thank you. Your postcode is")
    documents_of(t)
    t.played()
    assert t.last == Exit({"postcode": "10115", "caller": "+49301234567"})


def test_the_subdialog_url_comes_from_the_start_parameters() -> None:
    t = DialogueTest("address-check", {"postcode_url": "https://apps.example.com/postcode.vxml?country=DE"})
    t.value(CALLER)
    assert t.turn.src == "https://apps.example.com/postcode.vxml?country=DE"


def test_an_unknown_caller_sends_no_number() -> None:
    t = DialogueTest("address-check")
    t.value({**CALLER, "caller": "anonymous"})
    assert t.turn.variables == {}
    t.value("75001")
    t.played()
    assert t.last.variables == {"postcode": "75001", "caller": None}


def test_a_script_error_reading_the_caller_does_not_stop_the_call() -> None:
    t = DialogueTest("address-check")
    t.event("error.semantic", "session.connection is undefined")
    assert isinstance(t.turn, Subdialog) and t.turn.variables == {}


def test_a_subdialog_that_gives_up_ends_the_call_politely() -> None:
    t = DialogueTest("address-check")
    t.value(CALLER)
    t.event("postcode.failed", "no postcode after 3 tries")
    assert isinstance(t.last, Disconnect)
    assert t.last.variables == {"outcome": "no-postcode"}
    assert "could not get your postcode" in t.text


@pytest.mark.parametrize(("answer", "outcome"), [
    (Event("error.badfetch.http.503", "GET /dialogues/postcode"), "error.badfetch.http.503"),
    (Value(""), "empty-postcode"), (Value(None), "empty-postcode"), (Value({"postcode": 1}), "empty-postcode"),
])
def test_a_subdialog_that_fails_or_returns_nothing(answer: object, outcome: str) -> None:
    t = DialogueTest("address-check")
    t.value(CALLER)
    t.answer(answer)  # type: ignore[arg-type]
    assert t.last.variables == {"outcome": outcome}
    assert t.last.message.name == "unavailable"


def test_a_hang_up_in_the_subdialog_ends_the_call() -> None:
    t = DialogueTest("address-check")
    t.value(CALLER)
    t.hang_up()
    assert t.last == Exit(name="hangup")
    assert t.journal[-2][2] == Event(HANGUP_EVENT)


def test_the_call_survives_a_restart_between_the_turns() -> None:
    t = DialogueTest("address-check")
    t.value(CALLER)
    t.restart()
    assert isinstance(t.turn, Subdialog)
    t.value("10115")
    t.restart()
    t.played()
    assert t.last.variables == {"postcode": "10115", "caller": "+49301234567"}


@needs_node
@pytest.mark.parametrize(("returned", "postcode"), [
    ({"postcode": " 10 115 "}, "10115"), ({"postcode": 10115}, "10115"), ({}, ""), ({"postcode": None}, ""),
])
def test_the_script_run_on_return_takes_the_postcode_out(returned: dict, postcode: str) -> None:
    t = DialogueTest("address-check")
    t.value(CALLER)
    document = render(t.turn, RenderContext("c", 2, "/calls/c/turns/2", "/root.vxml"))
    assert run_turn(document, returned=json.dumps(returned)) == Value(postcode)


# --- the postcode dialogue, as a subdialog of another application -----------------------------------


def test_postcode_returns_what_the_caller_keyed() -> None:
    t = DialogueTest("postcode", {"caller": "+49301234567"})
    assert isinstance(t.turn, Interaction) and t.turn.name == "postcode-1"
    documents_of(t)
    t.dtmf("10115")
    assert t.last == Return({"postcode": "10115"})
    assert_valid_vxml(render(t.last, RenderContext("c", 2, "/calls/c/turns/2", "/root.vxml")))


def test_postcode_takes_the_digits_of_a_spoken_answer_and_asks_again_when_too_short() -> None:
    t = DialogueTest("postcode")
    t.say(("one oh one", "101", 0.8))
    assert t.turn.name == "postcode-2" and t.text.startswith("Sorry, a postcode has 5 digits.")
    t.say(("one oh one one five", "1 0 1 1 5", 0.9))
    assert t.last == Return({"postcode": "10115"})


def test_postcode_gives_up_with_an_event_the_calling_dialog_can_catch() -> None:
    t = DialogueTest("postcode")
    t.no_input()
    assert t.text.startswith("Sorry, I did not hear anything.")
    t.no_match()
    assert t.text.startswith("Sorry, I did not get that.")
    t.event("error.badfetch", "grammar")
    assert t.last == Return(event="postcode.failed", event_message="no postcode after 3 tries")
    assert_valid_vxml(render(t.last, RenderContext("c", 4, "/calls/c/turns/4", "/root.vxml")))
