"""The voicemail example, driven with DialogueTest: record, review, re-record, keep, hang up."""

from __future__ import annotations

import dialogues  # noqa: F401  (registers the examples)
from gateway.render import RenderContext, render
from runtime import Exit, Interaction, Message, Recorded, RecordedAudio, Recording
from runtime.testing import DialogueTest
from vxml import assert_valid_vxml

CTX = RenderContext(call_id="vm", seq=1, submit_url="/calls/vm/turns/1", root_url="/root.vxml")


def test_record_listen_then_keep_a_posted_message():
    t = DialogueTest("voicemail", {"mailbox": "Zoë"}, call_id="vm-1")
    assert isinstance(t.turn, Recording)
    assert t.text == "Please leave your message for Zoë after the tone. Press any key when you are done."
    assert t.turn.record.beep and t.turn.record.keep_as is None and t.turn.record.max_time_ms == 120_000
    t.recorded(4200, size=67_244, termchar="#")
    assert isinstance(t.turn, Interaction) and t.turn.name == "review-1"
    t.dtmf("1", "listen")
    assert isinstance(t.turn, Message) and t.turn.name == "playback-1"
    played = t.turn.prompts[1].parts[0]
    assert played == RecordedAudio(location="vm-1/1-recording.wav", size=67_244, duration_ms=4200,
                                   media_type="audio/x-wav")
    assert b'<audio src="/recordings/vm-1/1-recording.wav"/>' in render(t.turn, CTX)
    t.played()
    assert t.turn.name == "review-2"
    t.dtmf("2", "keep")
    assert t.text == "Your message has been saved. Goodbye."
    t.played()
    assert t.last == Exit(variables={"message": "vm-1/1-recording.wav", "kept": None, "duration_ms": 4200,
                                     "media_type": "audio/x-wav"})


def test_record_again_then_keep_the_second_message():
    t = DialogueTest("voicemail", call_id="vm-2")
    t.recorded(1000)
    t.dtmf("3", "again")
    assert t.turn.name == "record-2"
    t.recorded(2500)
    t.dtmf("2", "keep")
    t.played()
    assert t.last.variables["message"] == "vm-2/3-recording.wav"
    assert t.last.variables["duration_ms"] == 2500


def test_kept_on_the_platform_the_message_plays_from_its_variable():
    t = DialogueTest("voicemail", {"keep": "platform"}, call_id="vm-3")
    assert t.turn.record.keep_as == "voicemail"
    assert not t.turn.posts_audio
    document = render(t.turn, CTX)
    assert_valid_vxml(document)
    assert b'enctype="multipart/form-data"' not in document, "nothing is posted when the audio stays on the platform"
    t.recorded(3000)
    t.dtmf("1", "listen")
    assert t.turn.prompts[1].parts[0] == RecordedAudio(kept="voicemail", duration_ms=3000, media_type="audio/x-wav")
    assert b"<audio expr=\"rayvr.kept[&quot;voicemail&quot;]\"/>" in render(t.turn, CTX)
    t.played()
    t.dtmf("2", "keep")
    t.played()
    assert t.last.variables == {"message": None, "kept": "voicemail", "duration_ms": 3000, "media_type": "audio/x-wav"}


def test_a_message_too_large_to_store_is_asked_for_again():
    t = DialogueTest("voicemail", call_id="vm-4")
    t.recorded(600_000, too_large=True)
    assert t.text == "Sorry, that message was too long to keep. Please make it shorter."
    t.played()
    assert t.turn.name == "record-2"


def test_silence_is_asked_for_again_and_three_failures_disconnect():
    t = DialogueTest("voicemail", call_id="vm-5")
    t.no_input()
    assert t.text == "Sorry, I did not hear anything."
    t.played()
    t.event("error.badfetch")
    assert t.text == "Sorry, something went wrong."
    t.played()
    t.recorded(600_000, too_large=True)
    t.played()
    assert t.ended
    assert t.text == "We could not record a message. Goodbye."


def test_a_hang_up_while_recording_saves_what_was_recorded():
    t = DialogueTest("voicemail", call_id="vm-6")
    t.hang_up(t.make_recording(1800))
    assert t.last == Exit(variables={"message": "vm-6/1-recording.wav", "kept": None, "duration_ms": 1800,
                                     "media_type": "audio/x-wav"}, name="hung-up")
    hang_up = t.journal[1][2]
    assert isinstance(hang_up.partial, Recorded) and hang_up.partial.location == "vm-6/1-recording.wav"


def test_a_hang_up_during_the_review_saves_the_message_and_survives_a_restart():
    t = DialogueTest("voicemail", call_id="vm-7")
    t.recorded(2000)
    t.restart()
    t.hang_up()
    assert t.last.name == "hung-up"
    assert t.last.variables["message"] == "vm-7/1-recording.wav"


def test_a_hang_up_before_anything_was_recorded_saves_nothing():
    t = DialogueTest("voicemail", call_id="vm-8")
    t.hang_up()
    assert t.last == Exit(variables={"message": None}, name="hung-up")


def test_silence_in_the_review_keeps_the_message():
    t = DialogueTest("voicemail", call_id="vm-9")
    t.recorded(2000)
    t.no_input()
    t.no_match()
    t.no_input()
    assert t.text == "Your message has been saved. Goodbye."


def test_a_hang_up_during_a_too_large_re_recording_keeps_the_earlier_message():
    t = DialogueTest("voicemail")
    t.recorded(4000)
    t.dtmf("3", "again")
    t.hang_up(t.make_recording(700_000, too_large=True))
    assert t.last.variables["message"] is not None
    assert t.last.variables["duration_ms"] == 4000
