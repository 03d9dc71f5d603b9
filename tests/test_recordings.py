"""Recordings from the browser to the dialogue: the documents' own scripts run in node with root.js, the
gateway attaches what it stored, gateway.wire reads the post, and DialogueTest answers with the same results.
"""

from __future__ import annotations

import json
from typing import Any

import msgpack
import pytest
from lxml import etree

from gateway.render import render
from gateway.uploads import Upload, attach_upload
from gateway.wire import parse_result
from runtime import (HANGUP_EVENT, Event, Exit, HangUp, HungUp, Hypothesis, InlineGrammar, Interaction, MarkReached,
                     Message, Recognition, Record, Recorded, RecordedAudio, Recording, SpeechSettings, dialogue)
from runtime._codec import _DATACLASS, pack, unpack
from runtime.errors import BadResult
from runtime.testing import DialogueTest
from test_interaction import CTX, one
from test_render import evaluate, needs_node

LOCATION = "call-1/4-0123456789abcdef0123456789abcdef.wav"
STORED = Upload(LOCATION, 48_044, "audio/x-wav")
TRICKY = "café & <naïve> \"q\" 'a' 日本語 🎉"


def script(turn: Any, path: str) -> str:
    """The text of one script of ``turn``'s document."""
    return one(etree.fromstring(render(turn, CTX)), path).text


def run_in_browser(code: str, *checks: str) -> tuple[Any, list[Any]]:
    """Run ``code`` after rayvr.reset() as a document would; the posted result JSON and the value of each check."""
    wrapped = f"(function () {{ rayvr.reset(); {code}\n return [rayvr.json(rayvr.result), {', '.join(checks)}]; }})()"
    [output] = evaluate(f"JSON.stringify({wrapped})")
    posted, *values = json.loads(output)
    return posted, values


SHADOW = "var rayvrRecord = {bytes: 'RIFF'}; var rayvrRecord$ = {duration: 4200, size: '48044', termchar: '#', maxtime: false};"
RECORD_FILLED = "v:form[1]/v:record/v:filled/v:script"
RECORD_HANG_UP = "v:form[1]/v:record/v:catch/v:script"


# --- recordings, as the documents' scripts report them --------------------------------------------


@needs_node
def test_a_posted_recording_reaches_the_dialogue_as_a_reference_to_the_stored_audio() -> None:
    turn = Recording("Speak.", media_type="audio/x-wav")
    posted, (has_audio, audio_is_the_recording) = run_in_browser(
        "var application = {}; " + SHADOW + script(turn, RECORD_FILLED), "rayvr.hasAudio()",
        "rayvr.audio === rayvrRecord")
    assert has_audio and audio_is_the_recording
    assert json.loads(posted)["recording"] == {"duration": 4200, "size": 48044, "termchar": "#", "maxtime": False,
                                               "kept": None, "type": "audio/x-wav"}
    result = parse_result({"result": attach_upload(posted, STORED)})
    assert result == Recorded(RecordedAudio(location=LOCATION, size=48_044, duration_ms=4200, media_type="audio/x-wav"),
                              termchar="#")
    assert result.location == LOCATION and result.duration_ms == 4200 and not result.too_large


@needs_node
def test_a_recording_kept_on_the_platform_stays_there_and_survives_the_next_turn() -> None:
    turn = Recording("Speak.", keep_as="greeting")
    posted, (has_audio, kept, kept_after_reset) = run_in_browser(
        SHADOW.replace("maxtime: false", "maxtime: 'true'") + script(turn, RECORD_FILLED), "rayvr.hasAudio()",
        "rayvr.kept.greeting === rayvrRecord", "(rayvr.reset(), rayvr.kept.greeting === rayvrRecord)")
    assert not has_audio and kept and kept_after_reset
    assert parse_result({"result": posted}) == Recorded(
        RecordedAudio(kept="greeting", size=48_044, duration_ms=4200), termchar="#", max_time_reached=True)


@needs_node
def test_a_recording_over_the_limit_reaches_the_dialogue_as_too_large() -> None:
    posted, _ = run_in_browser(SHADOW + script(Recording("Speak."), RECORD_FILLED))
    result = parse_result({"result": attach_upload(posted, Upload(None, 99_000_000, "audio/x-wav", too_large=True))})
    assert result == Recorded(RecordedAudio(size=99_000_000, duration_ms=4200, media_type="audio/x-wav",
                                            too_large=True), termchar="#")
    assert result.too_large and result.location is None


@needs_node
def test_a_hang_up_while_recording_posts_the_audio_with_the_hang_up() -> None:
    turn = Recording("Speak.")
    code = f"var _event = '{HANGUP_EVENT}', _message = 'caller hung up'; " + SHADOW + script(turn, RECORD_HANG_UP)
    posted, (has_audio,) = run_in_browser(code, "rayvr.hasAudio()")
    assert has_audio
    result = parse_result({"result": attach_upload(posted, STORED)})
    assert result == HungUp(message="caller hung up", partial=Recorded(
        RecordedAudio(location=LOCATION, size=48_044, duration_ms=4200, media_type="audio/x-wav"), termchar="#"))
    assert result.name == HANGUP_EVENT


@needs_node
def test_a_hang_up_before_recording_began_is_a_plain_hang_up() -> None:
    code = (f"var _event = '{HANGUP_EVENT}', _message = ''; var rayvrRecord = undefined; var rayvrRecord$ = undefined; "
            + script(Recording("Speak."), RECORD_HANG_UP))
    posted, (has_audio,) = run_in_browser(code, "rayvr.hasAudio()")
    assert not has_audio
    assert parse_result({"result": posted}) == Event(HANGUP_EVENT)


@needs_node
def test_a_termination_grammar_match_is_reported_only_when_it_happened_during_the_recording() -> None:
    turn = Recording("Speak, then press hash or star.", dtmf=InlineGrammar.choices({"#": "done", "*": "cancel"}),
                     dtmf_term=False)
    before = "var earlier = [{utterance: '5', interpretation: '5', confidence: 1, inputmode: 'dtmf'}]; "
    matched = ("var application = {lastresult$: earlier}; var rayvrLastResultBefore = application.lastresult$; "
               "application.lastresult$ = [{utterance: '*', interpretation: 'cancel', confidence: 1, inputmode: 'dtmf'}];")
    posted, _ = run_in_browser(before + matched + SHADOW.replace("'#'", "undefined") + script(turn, RECORD_FILLED))
    result = parse_result({"result": attach_upload(posted, STORED)})
    assert result.termination == Recognition((Hypothesis("*", "cancel", 1.0, "dtmf"),))
    assert result.termchar is None

    silence = "var application = {lastresult$: earlier}; var rayvrLastResultBefore = application.lastresult$;"
    posted, _ = run_in_browser(before + silence + SHADOW + script(turn, RECORD_FILLED))
    assert parse_result({"result": attach_upload(posted, STORED)}).termination is None


@needs_node
def test_a_recognised_utterance_comes_with_its_recording() -> None:
    turn = Interaction("Say your name.", speech=InlineGrammar.choices({"Zoë": "zoe"}, mode="voice"),
                       speech_settings=SpeechSettings(record_utterance=True, utterance_media_type="audio/x-wav"))
    lastresult = ("var r = [{utterance: 'Zoë', interpretation: 'zoe', confidence: 0.9, inputmode: 'voice'}];"
                  "r.markname = 'm1'; r.marktime = 20; r.recording = {bytes: 'RIFF'}; r.recordingsize = 3200;"
                  "r.recordingduration = '800'; var application = {lastresult$: r};")
    posted, (has_audio,) = run_in_browser(lastresult + script(turn, "v:form[1]/v:field/v:filled/v:script"),
                                          "rayvr.hasAudio()")
    assert has_audio
    result = parse_result({"result": attach_upload(posted, Upload(LOCATION, 3200, "audio/x-wav"))})
    assert result == Recognition((Hypothesis("Zoë", "zoe", 0.9, "voice"),), MarkReached("m1", 20),
                                 recording=RecordedAudio(location=LOCATION, size=3200, duration_ms=800,
                                                         media_type="audio/x-wav"))

    without = lastresult.replace("r.recording = {bytes: 'RIFF'};", "")
    posted, (has_audio,) = run_in_browser(without + script(turn, "v:form[1]/v:field/v:filled/v:script"),
                                          "rayvr.hasAudio()")
    assert not has_audio, "a browser that made no recording posts the recognition alone"
    assert parse_result({"result": posted}).recording is None


@needs_node
def test_the_submit_posts_audio_only_when_the_turn_has_some() -> None:
    root = etree.fromstring(render(Recording("Speak."), CTX))
    cond = one(root, "v:form[@id='rayvrSubmit']//v:if").get("cond")
    assert evaluate(f"(function () {{ rayvr.reset(); return {cond}; }})()",
                    f"(function () {{ rayvr.reset(); rayvr.audio = {{}}; return {cond}; }})()") == [False, True]


# --- what the gateway refuses --------------------------------------------------------------------


def recording_post(recording: Any, **extra: Any) -> dict[str, str]:
    return {"result": json.dumps({"events": [], "recording": recording, **extra}, ensure_ascii=False)}


GOOD = {"duration": 100, "size": 10, "termchar": None, "maxtime": False, "kept": None, "type": "audio/x-wav"}


@pytest.mark.parametrize(("fields", "says"), [
    (recording_post(GOOD), "recording says audio was recorded, but the post carries none"),
    (recording_post("yes"), "recording is a string, not an object"),
    (recording_post({**GOOD, "termchar": "##"}), r"recording.termchar is '##', not one key"),
    (recording_post({**GOOD, "maxtime": "no"}), "recording.maxtime is 'no', not true or false"),
    (recording_post({**GOOD, "duration": "long"}), "recording.duration is 'long', not a number"),
    (recording_post({**GOOD, "duration": -4}), "recording.duration is -4, not a size or duration"),
    (recording_post({**GOOD, "kept": "not a name"}), "cannot name a kept recording"),
    (recording_post({**GOOD, "kept": 7}), "recording.kept is 7, not a string"),
    (recording_post(GOOD, upload={"location": "../../etc/passwd", "size": 1}), "not a recording location"),
    (recording_post(GOOD, upload=[]), "upload is a list, not an object"),
    ({"result": json.dumps({"utterance": {"duration": 1}, "upload": STORED.as_json()})},
     "utterance is posted without a recognition"),
])
def test_malformed_recording_results_are_refused(fields: dict[str, str], says: str) -> None:
    with pytest.raises(BadResult, match=says):
        parse_result(fields)


def test_a_malformed_recording_does_not_stop_a_hang_up() -> None:
    result = parse_result({"result": json.dumps({"events": [{"name": HANGUP_EVENT, "message": ""}],
                                                 "recording": {**GOOD, "duration": "long"}})})
    assert result == Event(HANGUP_EVENT)


def test_attaching_an_upload_keeps_the_text_and_replaces_what_the_browser_claimed() -> None:
    posted = json.dumps({"events": [], "recording": {**GOOD, "kept": None}, "note": TRICKY,
                         "upload": {"location": "other/1-" + "0" * 32 + ".wav", "size": 1}}, ensure_ascii=False)
    attached = json.loads(attach_upload(posted, STORED))
    assert attached["note"] == TRICKY
    assert attached["upload"] == {"location": LOCATION, "size": 48_044, "type": "audio/x-wav", "too_large": False}
    assert attach_upload("{not json", STORED) == "{not json"
    assert attach_upload("[]", STORED) == "[]"


# --- in the dialogue ---------------------------------------------------------------------------


@dialogue("test-record-twice")
class RecordTwice:
    async def run(self, call: Any) -> Exit:
        try:
            first = await call.turn(Recording("First.", name="first"))
            second = await call.turn(Interaction("Second.", speech=InlineGrammar.choices({"a": "a"}, mode="voice"),
                                                 record=Record(keep_as="second"), name="second"))
            return Exit(variables={"first": first.location, "second": second.audio.kept})
        except HangUp as hang_up:
            partial = hang_up.partial
            return Exit(variables={"partial": partial.location if isinstance(partial, Recorded) else None},
                        name="hung-up")


def test_dialogue_test_answers_recordings_as_the_gateway_would() -> None:
    t = DialogueTest("test-record-twice", call_id="rt-1")
    t.recorded(1500, size=24_000)
    assert t.turn.name == "second"
    t.recorded(900)
    assert t.last.variables == {"first": "rt-1/1-recording.wav", "second": "second"}
    entries = [entry[2] for entry in t.journal if entry[0] == "in"]
    assert entries[0] == Recorded(RecordedAudio(location="rt-1/1-recording.wav", size=24_000, duration_ms=1500,
                                                media_type="audio/x-wav"))
    assert b"RIFF" not in pack(t.journal), "the journal holds references, never audio"


def test_a_hang_up_with_a_partial_recording_reaches_the_dialogue_after_a_restart() -> None:
    t = DialogueTest("test-record-twice", call_id="rt-2")
    t.restart()
    t.hang_up(t.make_recording(700, termchar="5"))
    assert t.last == Exit(variables={"partial": "rt-2/1-recording.wav"}, name="hung-up")
    assert t.journal[1][2] == HungUp(partial=Recorded(RecordedAudio(location="rt-2/1-recording.wav", duration_ms=700,
                                                                    media_type="audio/x-wav"), termchar="5"))


def test_dialogue_test_builds_too_large_and_terminated_recordings() -> None:
    t = DialogueTest("test-record-twice", call_id="rt-3")
    assert t.make_recording(too_large=True).too_large
    assert t.make_recording(termination="#").termination == Recognition((Hypothesis("#", "#", 1.0, "dtmf"),))
    t.say("a", recording=t.audio(400))
    assert isinstance(t.turn, Interaction)
    assert t.journal[1][2].recording == RecordedAudio(location="rt-3/1-recording.wav", duration_ms=400,
                                                      media_type="audio/x-wav")


def test_a_journal_written_before_recognitions_had_recordings_still_reads() -> None:
    hypothesis = Hypothesis("1", "1", 1.0, "dtmf")
    old = msgpack.ExtType(_DATACLASS, pack(["Recognition", {"hypotheses": (hypothesis,), "mark": None}]))
    decoded = unpack(msgpack.packb([old], use_bin_type=True))[0]
    assert decoded == Recognition((hypothesis,))
    assert decoded.recording is None


def test_a_recording_can_be_played_in_a_message() -> None:
    audio = RecordedAudio(location=LOCATION, duration_ms=1)
    assert Message("Here:", audio).prompts[0].parts == ("Here:", audio)
