"""Golden documents for collecting input: every Interaction shape and Recording option (see test_golden.py)."""

from __future__ import annotations

import pytest

from lxml import etree

from gateway.render import RenderContext, render
from golden import assert_golden
from vxml import assert_valid_srgs
from runtime import (AbnfGrammar, Audio, DtmfSettings, FetchSettings, Grammar, InlineGrammar, Interaction, Mark,
                     Message, Phase, Prompt, Record, RecordedAudio, Recording, SayAs, SpeechSettings)

CTX = RenderContext(call_id="c0ffee", seq=3, submit_url="/calls/c0ffee/turns/3", root_url="/root.vxml")
TRICKY = "Fish & chips <today> \"quoted\" 'single' café naïve 日本語 العربية Привет 🎉"
MENU = InlineGrammar.choices({"1": "sales", "2": "support"})
SAID = InlineGrammar.choices({"sales": "sales", "support": "support", "Zoë's & <co>": "zoe"}, mode="voice",
                             lang="en-GB")
DIGITS = Grammar("builtin:dtmf/digits?minlength=1;maxlength=4")

CASES = {
    "interaction-phases": Interaction(
        Phase(Prompt("Welcome to Acme.", Mark("welcome")), Prompt(Audio("legal.wav", "Calls may be recorded."))),
        Phase("For sales, press 1.", dtmf=MENU),
        Phase("For support, press 2.", dtmf=MENU),
        Phase(Prompt("Or say the department.", lang="en-GB"), dtmf=MENU, speech=SAID),
        dtmf=MENU, speech=Grammar("https://g.example/departments.grxml?v=2&x=1", weight=0.5),
        no_input_timeout_ms=5000, ack=Prompt(Audio("chime.wav"), "One moment."), name="main-menu"),
    "interaction-settings": Interaction(
        TRICKY, dtmf=DIGITS, speech=SAID, no_input_timeout_ms=7000, bargein_type="hotword",
        dtmf_settings=DtmfSettings(inter_digit_timeout_ms=2500, term_timeout_ms=500, term_char="#"),
        speech_settings=SpeechSettings(complete_timeout_ms=800, incomplete_timeout_ms=1200,
                                       max_speech_timeout_ms=10_000, max_nbest=3, confidence_level=0.4,
                                       sensitivity=0.6, speed_vs_accuracy=0.8),
        properties={"com.example.vendor.beam": "wide", "x-acme:agc": True}, lang="en-GB"),
    "interaction-phases-only": Interaction(
        Phase("Your balance is", SayAs("12.50", "currency"), ". Press 1 to hear it again.", dtmf=MENU),
        Phase(Prompt("Goodbye.", bargein=False))),
    "interaction-utterance": Interaction(
        "Say your account name.", speech=Grammar("builtin:grammar/alphanum"),
        speech_settings=SpeechSettings(record_utterance=True, utterance_media_type="audio/x-wav"),
        ack="Thank you."),
    "interaction-grammars": Interaction(
        "Yes or no?",
        dtmf=[InlineGrammar.choices({"1": True, "2": False}, weight=2.0),
              AbnfGrammar("#ABNF 1.0;\nmode dtmf;\nroot $yn;\n$yn = 1 {out=true;} | 2 {out=false;};")],
        speech=[Grammar("https://g.example/yesno.grxml#main", type="application/srgs+xml", lang="fr-CA",
                        fetch=FetchSettings(timeout_ms=3000, max_age_s=600, max_stale_s=30, hint="safe")),
                AbnfGrammar('$yn = oui {out=true;} | non {out=false;} | "café naïve 日本語 & <co> 🎉";', root="yn",
                            lang="fr-CA", tag_format="semantics/1.0", weight=0.25)]),
    "interaction-recording-window": Interaction(
        Phase("To skip, press star.", dtmf=InlineGrammar.choices({"*": "skip"})),
        Phase("Please say your name after the tone."),
        record=Record(beep=True, max_time_ms=8000, final_silence_ms=1500, media_type="audio/x-wav",
                      keep_as="callerName"),
        ack="Thanks."),
    "recording": Recording(
        Prompt(TRICKY), "Leave your message after the tone.", beep=True, max_time_ms=120_000,
        final_silence_ms=4000, media_type="audio/x-wav", no_input_timeout_ms=6000, ack=Prompt("Got it."),
        properties={"com.example.agc": "on"}, name="voicemail"),
    "recording-kept": Recording("Say a greeting.", keep_as="greeting", dtmf_term=False),
    "recording-termination-grammar": Recording(
        "Record, then press hash to finish or star to cancel.", beep=True,
        dtmf=InlineGrammar.choices({"#": "done", "*": "cancel"}), dtmf_term=False),
    "message-playback": Message(
        "You said:", RecordedAudio(location="c0ffee/2-0123456789abcdef0123456789abcdef.wav", duration_ms=2300),
        Prompt("and your greeting is", RecordedAudio(kept="greeting"))),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_input_turns_match_their_golden_documents(name: str) -> None:
    document = render(CASES[name], CTX)
    assert_golden(name, document)
    for grammar in etree.fromstring(document).iterfind(".//{http://www.w3.org/2001/vxml}grammar"):
        if len(grammar):  # inline SRGS XML (by URL and ABNF grammars have no elements)
            assert_valid_srgs(grammar)
