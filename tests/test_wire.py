"""gateway.wire: every kind of posted result, and every malformed post, read into typed results."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway.wire import parse_result
from runtime.errors import BadResult
from runtime.results import (HANGUP_EVENT, Event, HungUp, Hypothesis, MarkReached, MaxSpeechTimeout, NoInput, NoMatch,
                             Played, Recognition)


def post(result: Any) -> dict[str, str]:
    """The form fields a browser posts for ``result`` (an object serialised as rayvr.json would)."""
    return {"result": json.dumps(result, ensure_ascii=False)}


def hypothesis(utterance: str = "one", interpretation: Any = "1", confidence: Any = 0.9,
               inputmode: Any = "dtmf") -> dict[str, Any]:
    return {"utterance": utterance, "interpretation": interpretation, "confidence": confidence,
            "inputmode": inputmode}


EMPTY = {"events": [], "recognition": [], "mark": None}


# --- well-formed results -----------------------------------------------------------------------


def test_recognition_keeps_the_n_best_list_in_order() -> None:
    result = parse_result(post({**EMPTY, "recognition": [
        hypothesis("sales", {"dept": "sales", "score": [1, 2]}, 0.82, "voice"),
        hypothesis("sails", {"dept": "sails"}, "0.41", "voice"),
        hypothesis("seals", None, 0, "voice"),
    ]}))
    assert result == Recognition((
        Hypothesis("sales", {"dept": "sales", "score": [1, 2]}, 0.82, "voice"),
        Hypothesis("sails", {"dept": "sails"}, 0.41, "voice"),
        Hypothesis("seals", None, 0.0, "voice"),
    ))
    assert result.utterance == "sales"
    assert result.interpretation == {"dept": "sales", "score": [1, 2]}
    assert isinstance(result.hypotheses[1].confidence, float)


def test_dtmf_recognition_with_the_mark_reached() -> None:
    result = parse_result(post({**EMPTY, "recognition": [hypothesis("1 2 3", "123", "1.0", "dtmf")],
                                "mark": {"name": "after-menu", "time": 1250}}))
    assert result == Recognition((Hypothesis("1 2 3", "123", 1.0, "dtmf"),), MarkReached("after-menu", 1250))


def test_mark_time_may_be_a_string_a_float_or_null() -> None:
    assert parse_result(post({**EMPTY, "mark": {"name": "m", "time": "300"}})) == Played(MarkReached("m", 300))
    assert parse_result(post({**EMPTY, "mark": {"name": "m", "time": 299.6}})) == Played(MarkReached("m", 300))
    assert parse_result(post({**EMPTY, "mark": {"name": "m", "time": None}})) == Played(MarkReached("m"))


def test_text_survives_unchanged() -> None:
    said = "café & <naïve> \"quoted\" 'single' 日本語 العربية Привет 🎉 \u2028 \\ \n\t"
    result = parse_result(post({**EMPTY, "recognition": [hypothesis(said, {"text": said}, 0.5, "voice")]}))
    assert result.utterance == said
    assert result.interpretation == {"text": said}


@pytest.mark.parametrize(("name", "cls"), [("noinput", NoInput), ("nomatch", NoMatch)])
def test_noinput_and_nomatch_are_typed(name: str, cls: type) -> None:
    result = parse_result(post({**EMPTY, "events": [{"name": name, "message": ""}]}))
    assert type(result) is cls
    assert result.name == name
    assert result.message == ""


def test_an_error_event_keeps_its_message_and_the_mark() -> None:
    result = parse_result(post({**EMPTY, "events": [{"name": "error.badfetch.http.404", "message": "GET /x.grxml"}],
                                "mark": {"name": "m2", "time": 10}}))
    assert result == Event("error.badfetch.http.404", "GET /x.grxml", MarkReached("m2", 10))
    assert result.matches("error.badfetch")


def test_the_first_event_wins_over_later_events_and_recognition() -> None:
    result = parse_result(post({"events": [{"name": "nomatch", "message": ""}, {"name": "noinput", "message": ""}],
                                "recognition": [hypothesis()], "mark": None}))
    assert result == NoMatch()


def test_a_hang_up_wins_even_after_other_events() -> None:
    result = parse_result(post({"events": [{"name": "noinput", "message": ""},
                                           {"name": HANGUP_EVENT, "message": "caller hung up"}],
                                "recognition": [], "mark": None}))
    assert result == Event(HANGUP_EVENT, "caller hung up")
    assert type(result) is Event


def test_a_hang_up_keeps_what_was_recognised_before_it() -> None:
    result = parse_result(post({"events": [{"name": HANGUP_EVENT, "message": "caller hung up"}],
                                "recognition": [hypothesis()], "mark": {"name": "m", "time": 5}}))
    assert result == HungUp(message="caller hung up", mark=MarkReached("m", 5),
                            partial=Recognition((Hypothesis("one", "1", 0.9, "dtmf"),), MarkReached("m", 5)))
    assert result.name == HANGUP_EVENT


def test_nothing_recognised_and_no_event_means_played() -> None:
    assert parse_result(post(EMPTY)) == Played()


def test_missing_keys_count_as_empty_and_unknown_keys_are_ignored() -> None:
    assert parse_result(post({})) == Played()
    assert parse_result(post({"vendorExtension": {"size": 3}})) == Played()
    assert parse_result(post({"events": [{"name": "noinput"}]})) == NoInput()


def test_other_fields_of_the_post_are_ignored() -> None:
    fields = {**post(EMPTY), "attempt": "2", "session.id": "abc"}
    assert parse_result(fields) == Played()


# --- malformed posts ---------------------------------------------------------------------------


@pytest.mark.parametrize(("fields", "says"), [
    ({}, "no 'result' field"),
    ({"other": "{}"}, "no 'result' field"),
    ({"result": b"{}"}, "'result' field is bytes, not text"),
    ({"result": ""}, "not JSON"),
    ({"result": "{events: []}"}, "not JSON"),
    ({"result": '{"events": [}'}, "not JSON"),
    ({"result": '{"mark": NaN}'}, "not JSON"),
    ({"result": '{"mark": {"name": "m", "time": Infinity}}'}, "not JSON"),
    ({"result": "[" * 100_000}, "not JSON"),
    ({"result": '{"recognition": [{"utterance": "1", "interpretation": "1", "confidence": 1e400, '
                '"inputmode": "dtmf"}]}'}, r"recognition\[0\].confidence is inf, not a finite number"),
])
def test_unreadable_posts_and_overflowing_numbers(fields: dict[str, Any], says: str) -> None:
    with pytest.raises(BadResult, match=says):
        parse_result(fields)


@pytest.mark.parametrize(("result", "says"), [
    ([], "result is a list, not an object"),
    ("played", "result is a string, not an object"),
    (None, "result is null, not an object"),
    ({"events": {"name": "noinput"}}, "events is an object, not a list"),
    ({"events": "noinput"}, "events is a string, not a list"),
    ({"recognition": "one"}, "recognition is a string, not a list"),
    ({"events": ["noinput"]}, r"events\[0\] is a string, not an object"),
    ({"events": [{"message": "x"}]}, r"events\[0\] has no 'name'"),
    ({"events": [{"name": 7}]}, r"events\[0\].name is a number, not a string"),
    ({"events": [{"name": "noinput", "message": None}]}, r"events\[0\].message is null, not a string"),
    ({"recognition": [hypothesis(), 3]}, r"recognition\[1\] is a number, not an object"),
    ({"recognition": [{"interpretation": "1", "confidence": 1, "inputmode": "dtmf"}]},
     r"recognition\[0\] has no 'utterance'"),
    ({"recognition": [hypothesis(utterance=None)]}, r"recognition\[0\].utterance is null, not a string"),
    ({"recognition": [{"utterance": "1", "interpretation": "1", "inputmode": "dtmf"}]},
     r"recognition\[0\] has no 'confidence'"),
    ({"recognition": [hypothesis(confidence="high")]}, r"recognition\[0\].confidence is 'high', not a number"),
    ({"recognition": [hypothesis(confidence=None)]}, r"recognition\[0\].confidence is null, not a number"),
    ({"recognition": [hypothesis(confidence=True)]}, r"recognition\[0\].confidence is a boolean, not a number"),
    ({"recognition": [hypothesis(confidence=[0.5])]}, r"recognition\[0\].confidence is a list, not a number"),
    ({"recognition": [hypothesis(confidence="nan")]}, r"recognition\[0\].confidence is 'nan', not a finite"),
    ({"recognition": [hypothesis(inputmode="keypad")]}, r"recognition\[0\].inputmode is 'keypad', not one of"),
    ({"recognition": [hypothesis(inputmode=None)]}, r"recognition\[0\].inputmode is null, not a string"),
    ({"mark": "m1"}, "mark is a string, not an object"),
    ({"mark": {"time": 3}}, "mark has no 'name'"),
    ({"mark": {"name": "m", "time": "soon"}}, "mark.time is 'soon', not a number"),
])
def test_wrong_shapes_and_types(result: Any, says: str) -> None:
    with pytest.raises(BadResult, match=says) as caught:
        parse_result(post(result))
    assert str(caught.value).startswith("cannot read the browser's result: ")


def nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(("result", "says"), [
    ({"recognition": [{"utterance": "1", "interpretation": 10 ** 30, "confidence": 1, "inputmode": "dtmf"}]},
     "outside the 64-bit range"),
    ({"mark": {"name": "m", "time": 1e300}, "events": [{"name": "noinput"}]}, "outside the 64-bit range"),
    ({"recognition": [{"utterance": "1", "interpretation": nested(120), "confidence": 1, "inputmode": "dtmf"}]},
     "nested deeper than 100 levels"),
])
def test_results_the_journal_cannot_hold_are_refused(result, says) -> None:
    with pytest.raises(BadResult, match=says):
        parse_result({"result": json.dumps(result)})


def test_a_max_speech_timeout_is_a_typed_event() -> None:
    result = parse_result({"result": json.dumps({"events": [{"name": "maxspeechtimeout", "message": "too long"}]})})
    assert isinstance(result, MaxSpeechTimeout) and result.message == "too long"
    assert result.matches("maxspeechtimeout") and not result.matches("max")
