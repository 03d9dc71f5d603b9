"""Interaction and Recording: what is refused when built, and the VoiceXML each option becomes.

Every document is validated against the VoiceXML 2.1 XSD and DTD; inline
grammars are also validated, put back in the SRGS namespace, against the SRGS
schema.
"""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from gateway.render import RenderContext, render
from runtime import (AbnfGrammar, Audio, DtmfSettings, FetchSettings, Grammar, InlineGrammar, Interaction, Mark,
                     Message, Phase, Prompt, Record, RecordedAudio, Recording, SpeechSettings)
from runtime._codec import pack, unpack
from vxml import assert_valid_srgs, assert_valid_vxml, one, xpath

V = "http://www.w3.org/2001/vxml"
NS = {"v": V}
CTX = RenderContext(call_id="call-1", seq=4, submit_url="/calls/call-1/turns/4", root_url="/root.vxml")
DIGIT = Grammar("builtin:dtmf/digits?length=1")
MENU = InlineGrammar.choices({"1": "sales", "2": "support"})
SAID = InlineGrammar.choices({"sales": "sales", "support": "support"}, mode="voice")
TRICKY = "Fish & chips <today> \"quoted\" 'single' café naïve 日本語 العربية Привет 🎉 ok"




def tags(element: etree._Element) -> list[str]:
    return [etree.QName(child).localname for child in element]


def valid(turn: Any) -> etree._Element:
    document = render(turn, CTX)
    assert render(turn, CTX) == document, "rendering is not deterministic"
    root = assert_valid_vxml(document)
    for grammar in xpath(root, "//v:grammar[v:rule]"):
        assert_valid_srgs(grammar)
    return root


def turn_form(root: etree._Element) -> etree._Element:
    return one(root, "v:form[1]")


# --- what is refused when a turn is built ------------------------------------------------------


@pytest.mark.parametrize(("build", "says"), [
    (lambda: Interaction("Go"), "at least one DTMF or speech grammar"),
    (lambda: Interaction(Phase("Hello"), Phase("Still no grammar")), "needs a grammar"),
    (lambda: Interaction(Phase("a"), "b", dtmf=DIGIT), "either bare prompts .* or Phase objects"),
    (lambda: Interaction(Phase("a", dtmf=DIGIT), dtmf=DIGIT, record=Record()), "not both"),
    (lambda: Interaction("a", dtmf=DIGIT, record="yes"), "record must be a Record"),
    (lambda: Interaction("a", dtmf=DIGIT, bargein_type="loud"), "bargein_type must be 'speech' or 'hotword'"),
    (lambda: Interaction("a", dtmf=DIGIT, lang="en US"), "not a language tag"),
    (lambda: Interaction("a", dtmf="builtin:dtmf/digits"), "str is not a grammar"),
    (lambda: Interaction("a", speech=MENU), "declares mode='dtmf' but is given as a voice grammar"),
    (lambda: Interaction(Prompt(Mark("m"), "a"), dtmf=DIGIT, ack=Prompt(Mark("m"), "ok")), "'m' is used twice"),
    (lambda: Interaction("a", dtmf=DIGIT, properties={"a b": 1}), "not a VoiceXML property name"),
    (lambda: Interaction("a", dtmf=DIGIT, properties={"x": None}), "must be a string, number or boolean"),
    (lambda: Interaction("a", dtmf=DIGIT, properties={"x": "a\nb"}), "control character"),
    (lambda: Interaction("a", dtmf=DIGIT, no_input_timeout_ms=5000, properties={"timeout": "9s"}),
     "'timeout' is already set by the turn's own settings"),
    (lambda: Interaction("a", dtmf=DIGIT, dtmf_settings=DtmfSettings(term_char="#"), properties={"termchar": "*"}),
     "'termchar' is already set"),
    (lambda: Phase(dtmf=DIGIT), "a phase needs something to say"),
    (lambda: SpeechSettings(confidence_level=1.5), "confidence_level must be a number from 0.0 to 1.0"),
    (lambda: SpeechSettings(sensitivity=-0.1), "sensitivity must be a number from 0.0 to 1.0"),
    (lambda: SpeechSettings(speed_vs_accuracy=True), "speed_vs_accuracy must be a number"),
    (lambda: SpeechSettings(max_nbest=0), "max_nbest must be a whole number of at least 1"),
    (lambda: SpeechSettings(complete_timeout_ms=-1), "complete_timeout_ms must be a non-negative whole number"),
    (lambda: SpeechSettings(max_speech_timeout_ms=1.5), "max_speech_timeout_ms must be a non-negative whole"),
    (lambda: SpeechSettings(utterance_media_type="wav"), "not a media type"),
    (lambda: Record(max_time_ms=-5), "max_time_ms must be a non-negative whole number"),
    (lambda: Record(media_type="audio"), "not a media type"),
    (lambda: Record(keep_as="my recording"), "cannot name a kept recording"),
    (lambda: Record(dtmf=SAID), "declares mode='voice' but is given as a dtmf grammar"),
    (lambda: Recording("a", final_silence_ms=-1), "final_silence_ms must be a non-negative whole number"),
    (lambda: Recording("a", no_input_timeout_ms=1000, properties={"timeout": "2s"}), "'timeout' is already set"),
    (lambda: Recording(Mark("x"), "a", ack=Prompt(Mark("x"))), "'x' is used twice"),
    (lambda: Grammar(""), "src cannot be empty"),
    (lambda: Grammar("g.grxml", type="srgs"), "not a media type"),
    (lambda: Grammar("g.grxml", lang="english (US)"), "not a language tag"),
    (lambda: Grammar("g.grxml", weight=float("nan")), "non-negative finite"),
    (lambda: Grammar("g.grxml", weight=True), "non-negative finite"),
    (lambda: Grammar("g.grxml\x01"), "XML cannot carry"),
    (lambda: Grammar("g.grxml", fetch={"timeout_ms": 5}), "fetch must be FetchSettings"),
    (lambda: InlineGrammar('<grammar root="r" mode="keypad"><rule id="r">1</rule></grammar>'), "SRGS modes are"),
    (lambda: InlineGrammar('<grammar root="r"><rule id="r">1</rule><rule id="r">2</rule></grammar>'),
     "defines rule id 'r' twice"),
    (lambda: InlineGrammar('<grammar root="rayvrX"><rule id="rayvrX">1</rule></grammar>'), "reserved"),
    (lambda: InlineGrammar('<grammar xmlns="urn:other" root="r"><rule id="r">1</rule></grammar>'),
     "must be an SRGS <grammar>"),
    (lambda: InlineGrammar.choices({"1": "a"}, mode="keys"), "mode must be 'dtmf' or 'voice'"),
    (lambda: AbnfGrammar("$a = b;"), "needs root="),
    (lambda: AbnfGrammar("   ", root="a"), "needs rules"),
    (lambda: AbnfGrammar("$a = b;", root="a b"), "not an ABNF rule name"),
    (lambda: AbnfGrammar("$a = b;", root="a", tag_format="semantics/1.0; x"), "not a tag format"),
    (lambda: AbnfGrammar("#ABNF 1.0; root $a; $a = b;", root="a"), "declare root in it"),
    (lambda: AbnfGrammar("#ABNF 1.0; mode keys; root $a; $a = b;"), "SRGS modes are"),
    (lambda: AbnfGrammar("$a = b \x00;", root="a"), "XML cannot carry"),
    (lambda: Interaction("a", speech=AbnfGrammar("#ABNF 1.0; mode dtmf; root $a; $a = 1;")), "given as a voice"),
    (lambda: RecordedAudio(), "either a location or a kept name"),
    (lambda: RecordedAudio(location="a/b.wav", kept="x"), "either a location or a kept name"),
    (lambda: RecordedAudio(location="../etc/passwd"), "not a recording location"),
    (lambda: RecordedAudio(location="/abs/path.wav"), "not a recording location"),
    (lambda: RecordedAudio(location="a/b.wav", too_large=True), "too large to store has no location"),
    (lambda: RecordedAudio(location="a/b.wav", size=-1), "size must be a non-negative whole number"),
    (lambda: Message(RecordedAudio(too_large=True)), "too large to store, so it cannot be played back"),
])
def test_what_the_gateway_could_not_render_is_refused_when_built(build: Any, says: str) -> None:
    with pytest.raises((ValueError, TypeError), match=says):
        build()


# --- the simple form -----------------------------------------------------------------------------


def test_the_simple_form_is_one_field_listening_while_it_prompts_and_after() -> None:
    turn = Interaction(Prompt("Listen.", bargein=False), "Press 1.", dtmf=DIGIT, speech=SAID, no_input_timeout_ms=4000)
    assert [phase.prompts for phase in turn.phases] == [(Prompt("Listen.", bargein=False), Prompt("Press 1."))]
    assert turn.final_in_last_phase and turn.final_window == "recognition"
    form = turn_form(valid(turn))
    assert tags(form) == ["field"]
    field = one(form, "v:field")
    assert field.get("name") == "rayvrInput"
    assert tags(field) == ["property", "grammar", "grammar", "prompt", "prompt", "filled"]
    assert one(field, "v:property").attrib == {"name": "timeout", "value": "4000ms"}
    assert [(g.get("mode"), g.get("src") or g.get("root")) for g in xpath(field, "v:grammar")] == [
        ("dtmf", "builtin:dtmf/digits?length=1"), ("voice", "voiceChoice")]
    assert [p.get("bargein") for p in xpath(field, "v:prompt")] == ["false", "true"]
    assert [c.tag.split("}")[1] for c in one(field, "v:filled")] == ["script", "goto"]


def test_a_simple_interaction_with_a_recording_window_listens_while_it_prompts_then_records() -> None:
    turn = Interaction("Say your name, or press 1 to skip.", dtmf=DIGIT, record=Record(beep=True))
    assert turn.dtmf == () and turn.phases[0].dtmf == (DIGIT,) and turn.final_window == "recording"
    form = turn_form(valid(turn))
    assert tags(form) == ["field", "record"]
    assert one(form, "v:field").get("name") == "rayvrPhase1"
    assert one(form, "v:record").get("beep") == "true"


def test_turns_are_journaled_unchanged() -> None:
    turns = [Interaction(Phase("Hi"), Phase("Press", dtmf=DIGIT, speech=SAID), dtmf=DIGIT, record=None,
                         speech_settings=SpeechSettings(record_utterance=True), ack="ok",
                         properties={"com.example.beam": True}, bargein_type="hotword", lang="fr-CA"),
             Interaction("x", dtmf=[MENU], record=Record(keep_as="k", dtmf=DIGIT)),
             Recording("Speak", beep=True, max_time_ms=1000, dtmf=AbnfGrammar("$k = 1;", root="k"), ack=[Audio("a.wav")]),
             Message(RecordedAudio(location="c/1-x.wav", size=3, duration_ms=2, media_type="audio/x-wav"))]
    for turn in turns:
        assert unpack(pack(turn)) == turn


# --- phases ------------------------------------------------------------------------------------


def test_each_phase_listens_to_its_own_grammars_then_the_final_window_waits() -> None:
    turn = Interaction(Phase(Prompt("Welcome to Acme."), Prompt("Calls are recorded.")),
                       Phase("For sales, press 1.", dtmf=MENU),
                       Phase("For support, press 2.", dtmf=MENU),
                       Phase("Or say the department.", dtmf=DIGIT, speech=SAID),
                       dtmf=MENU, speech=SAID, no_input_timeout_ms=6000)
    form = turn_form(valid(turn))
    assert tags(form) == ["block", "field", "field", "field"]
    welcome, menu, spoken, final = form
    assert welcome.get("name") == "rayvrPhase1"
    assert [(p.get("bargein"), "".join(p.itertext())) for p in welcome] == [
        ("false", "Welcome to Acme."), ("false", "Calls are recorded.")], "a phase without grammars cannot be interrupted"

    # Consecutive phases with the same grammars share one field.
    assert menu.get("name") == "rayvrPhase2"
    assert ["".join(p.itertext()) for p in xpath(menu, "v:prompt")] == ["For sales, press 1.", "For support, press 2."]
    assert [p.get("bargein") for p in xpath(menu, "v:prompt")] == ["true", "true"]
    assert one(menu, "v:property").attrib == {"name": "timeout", "value": "0s"}
    assert [g.get("root") for g in xpath(menu, "v:grammar")] == ["dtmfChoice"]
    done = one(menu, "v:noinput")
    assert [(c.tag.split("}")[1], dict(c.attrib)) for c in done] == [
        ("assign", {"name": "rayvrPhase2", "expr": "true"}), ("reprompt", {})]
    assert one(menu, "v:filled/v:goto").get("next") == "#rayvrSubmit"

    assert spoken.get("name") == "rayvrPhase3"
    assert [(g.get("mode"), g.get("src") or g.get("root")) for g in xpath(spoken, "v:grammar")] == [
        ("dtmf", "builtin:dtmf/digits?length=1"), ("voice", "voiceChoice")]

    # The final window listens to other grammars: a field of its own, without prompts. The menu grammar
    # is written a second time, under fresh rule ids (ids are document-wide).
    assert final.get("name") == "rayvrInput"
    assert tags(final) == ["property", "grammar", "grammar", "filled"]
    assert one(final, "v:property").get("value") == "6000ms"
    assert [g.get("root") for g in xpath(final, "v:grammar")] == ["dtmfChoice_2", "voiceChoice_2"]
    assert xpath(final, "v:grammar/v:rule/@id") == ["dtmfChoice_2", "voiceChoice_2"]


def test_the_last_phase_is_the_final_window_when_it_listens_to_the_same_grammars() -> None:
    turn = Interaction(Phase("Welcome."), Phase("Press 1.", dtmf=MENU), dtmf=MENU, no_input_timeout_ms=3000)
    form = turn_form(valid(turn))
    assert tags(form) == ["block", "field"]
    field = form[1]
    assert field.get("name") == "rayvrInput"
    assert one(field, "v:property").get("value") == "3000ms"
    assert xpath(field, "v:noinput") == [], "the final window's silence is the turn's no-input"


def test_phases_without_a_final_window_end_as_played() -> None:
    turn = Interaction(Phase("Your balance is 12 euros.", dtmf=DIGIT), Phase("Goodbye."))
    assert turn.final_window is None
    form = turn_form(valid(turn))
    assert tags(form) == ["field", "block", "block"]
    assert one(form, "v:block[2]/v:goto").get("next") == "#rayvrSubmit"


def test_a_grammar_whose_rules_refer_to_each_other_may_be_used_by_one_element_only() -> None:
    srgs = ('<grammar root="main" mode="dtmf"><rule id="main"><ruleref uri="#d"/></rule>'
            '<rule id="d"><one-of><item>1</item><item>2</item></one-of></rule></grammar>')
    nested = InlineGrammar(srgs)
    valid(Interaction(Phase("One.", dtmf=nested), Phase("Two.", dtmf=nested), dtmf=nested))
    with pytest.raises(ValueError, match="'d' is used twice in one turn"):
        Interaction(Phase("One.", dtmf=nested), Phase("Two.", dtmf=DIGIT), dtmf=nested)


# --- settings ----------------------------------------------------------------------------------


def test_recognition_settings_become_form_properties() -> None:
    turn = Interaction(
        "Say it.", speech=SAID, bargein_type="hotword",
        dtmf_settings=DtmfSettings(inter_digit_timeout_ms=2000, term_timeout_ms=0, term_char="*"),
        speech_settings=SpeechSettings(complete_timeout_ms=800, incomplete_timeout_ms=1500, max_speech_timeout_ms=9000,
                                       max_nbest=4, confidence_level=0.45, sensitivity=0.7, speed_vs_accuracy=0.25,
                                       record_utterance=True, utterance_media_type="audio/x-wav"),
        properties={"com.nuance.ext.beam": "on", "x-vendor:level": 3, "com.example.flag": False})
    form = turn_form(valid(turn))
    assert [(p.get("name"), p.get("value")) for p in xpath(form, "v:property")] == [
        ("bargeintype", "hotword"), ("interdigittimeout", "2000ms"), ("termtimeout", "0ms"), ("termchar", "*"),
        ("completetimeout", "800ms"), ("incompletetimeout", "1500ms"), ("maxspeechtimeout", "9000ms"),
        ("maxnbest", "4"), ("confidencelevel", "0.45"), ("sensitivity", "0.7"), ("speedvsaccuracy", "0.25"),
        ("recordutterance", "true"), ("recordutterancetype", "audio/x-wav"),
        ("com.nuance.ext.beam", "on"), ("x-vendor:level", "3"), ("com.example.flag", "false")]


def test_a_recorded_utterance_is_handed_to_the_script_and_posted_multipart() -> None:
    turn = Interaction("Say it.", speech=SAID, speech_settings=SpeechSettings(record_utterance=True))
    assert turn.posts_audio
    root = valid(turn)
    assert one(root, "//v:filled/v:script").text.endswith("\nrayvr.utterance(application.lastresult$, null);")
    submit = one(root, "v:form[@id='rayvrSubmit']/v:block")
    assert tags(submit) == ["assign", "var", "var", "if"]
    assert one(submit, "v:var[@name='rayvrAudio']").get("expr") == "rayvr.audio"
    choice = one(submit, "v:if")
    assert choice.get("cond") == "rayvr.hasAudio()"
    assert tags(choice) == ["submit", "else", "submit"]
    multipart, plain = xpath(choice, "v:submit")
    assert (multipart.get("enctype"), multipart.get("namelist")) == ("multipart/form-data", "result rayvrAudio")
    assert (plain.get("enctype"), plain.get("namelist")) == (None, "result")
    assert multipart.get("next") == plain.get("next") == "/calls/call-1/turns/4"


def test_turns_without_audio_submit_plainly() -> None:
    for turn in (Interaction("Press 1", dtmf=DIGIT), Recording("Speak", keep_as="greeting"),
                 Interaction("x", dtmf=DIGIT, record=Record(keep_as="k"))):
        assert not turn.posts_audio
        block = one(valid(turn), "v:form[@id='rayvrSubmit']/v:block")
        assert tags(block) == ["assign", "var", "submit"]


# --- grammars ----------------------------------------------------------------------------------


def test_grammar_by_url_with_every_option() -> None:
    grammar = Grammar("https://g.example/menu.grxml?x=1&y=2#departments", type="application/srgs+xml", weight=1.5,
                      lang="de-CH", fetch=FetchSettings(timeout_ms=2500, max_age_s=60, max_stale_s=0, hint="prefetch"))
    root = valid(Interaction("Go", speech=grammar))
    assert one(root, "//v:grammar").attrib == {
        "src": "https://g.example/menu.grxml?x=1&y=2#departments", "mode": "voice", "type": "application/srgs+xml",
        "weight": "1.5", "{http://www.w3.org/XML/1998/namespace}lang": "de-CH", "fetchtimeout": "2500ms",
        "maxage": "60", "maxstale": "0", "fetchhint": "prefetch"}


def test_builtin_grammars_keep_their_parameters() -> None:
    root = valid(Interaction("Go", dtmf=Grammar("builtin:dtmf/digits?minlength=3;maxlength=5"),
                             speech=Grammar("builtin:grammar/boolean?y=7;n=9")))
    assert [g.get("src") for g in xpath(root, "//v:grammar")] == ["builtin:dtmf/digits?minlength=3;maxlength=5",
                                                                  "builtin:grammar/boolean?y=7;n=9"]


def test_inline_srgs_with_weight_language_root_and_tag_format() -> None:
    srgs = ('<grammar xmlns="http://www.w3.org/2001/06/grammar" version="1.0" root="answer" xml:lang="ja-JP" '
            f'tag-format="semantics/1.0"><rule id="answer" scope="public"><one-of><item>はい<tag>out=true;</tag></item>'
            f'<item>{TRICKY.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")}<tag>out=false;</tag></item>'
            '</one-of></rule></grammar>')
    root = valid(Interaction("Go", speech=InlineGrammar(srgs, weight=0.75)))
    grammar = one(root, "//v:grammar")
    assert (grammar.get("root"), grammar.get("weight"), grammar.get("mode"), grammar.get("tag-format")) == (
        "answer", "0.75", "voice", "semantics/1.0")
    assert grammar.get("{http://www.w3.org/XML/1998/namespace}lang") == "ja-JP"
    assert ["".join(i.itertext()) for i in xpath(grammar, ".//v:item")] == ["はいout=true;", TRICKY + "out=false;"]


def test_abnf_rules_get_a_header_from_their_arguments() -> None:
    grammar = AbnfGrammar('$yesno = (yes {out=true;}) | (no {out=false;}) | <0-1> "Zoë & co";', root="$yesno",
                          lang="en-GB", tag_format="semantics/1.0", weight=2)
    assert grammar.root == "yesno"
    root = valid(Interaction("Yes or no?", speech=grammar))
    element = one(root, "//v:grammar")
    assert element.attrib == {"type": "application/srgs", "mode": "voice", "weight": "2.0"}
    assert element.text == ('#ABNF 1.0;\nlanguage en-GB;\nmode voice;\nroot $yesno;\ntag-format <semantics/1.0>;\n'
                            '$yesno = (yes {out=true;}) | (no {out=false;}) | <0-1> "Zoë & co";')
    assert b"&lt;0-1&gt;" in render(Interaction("Yes or no?", speech=grammar), CTX)


def test_a_whole_abnf_grammar_is_written_as_given() -> None:
    text = "#ABNF 1.0 UTF-8;\nmode dtmf;\nroot $pin;\n$pin = <4> ($d);\n$d = 0|1|2|3|4|5|6|7|8|9;"
    grammar = AbnfGrammar(text)
    assert grammar.declared_mode == "dtmf"
    root = valid(Interaction("PIN?", dtmf=grammar))
    assert one(root, "//v:grammar").text == text
    assert one(root, "//v:grammar").get("mode") == "dtmf"


# --- acknowledgement ---------------------------------------------------------------------------


def test_the_acknowledgement_plays_in_a_field_that_waits_after_success_only() -> None:
    turn = Interaction(Phase("Menu.", dtmf=MENU), dtmf=DIGIT, ack=[Prompt("Thank you.", lang="en-GB"), Audio("ok.wav")])
    form = turn_form(valid(turn))
    assert tags(form) == ["var", "field", "field", "field"]
    assert one(form, "v:var").attrib == {"name": "rayvrAcknowledging", "expr": "false"}
    for field in xpath(form, "v:field[@name='rayvrPhase1' or @name='rayvrInput']"):
        filled = one(field, "v:filled")
        assert tags(filled) == ["script", "assign", "goto"]
        assert one(filled, "v:assign").attrib == {"name": "rayvrAcknowledging", "expr": "true"}
        assert one(filled, "v:goto").attrib == {"nextitem": "rayvrAck"}
    ack = one(form, "v:field[@name='rayvrAck']")
    assert ack.get("cond") == "rayvrAcknowledging", "nothing but success reaches it"
    assert tags(ack) == ["property", "grammar", "prompt", "prompt", "catch", "filled"]
    assert one(ack, "v:property").attrib == {"name": "timeout", "value": "0s"}
    nothing = one(ack, "v:grammar")
    assert nothing.get("root") == "rayvrNothing" and one(nothing, "v:rule/v:ruleref").get("special") == "VOID"
    assert [(p.get("bargein"), p.get("{http://www.w3.org/XML/1998/namespace}lang")) for p in xpath(ack, "v:prompt")] == [
        ("false", "en-GB"), ("false", None)]
    assert one(ack, "v:catch").get("event") == "noinput nomatch error", "a hang-up is still posted as one"
    assert one(ack, "v:catch/v:goto").get("next") == one(ack, "v:filled/v:goto").get("next") == "#rayvrSubmit"


# --- recording ---------------------------------------------------------------------------------


def test_a_recording_turn_with_every_option() -> None:
    turn = Recording(Prompt(TRICKY), beep=True, max_time_ms=30_000, final_silence_ms=2500, media_type="audio/x-wav",
                     dtmf_term=False, dtmf=InlineGrammar.choices({"#": "done", "*": "cancel"}), no_input_timeout_ms=4000,
                     ack="Merci.", properties={"com.example.agc": True}, name="greeting", lang="fr-FR")
    assert turn.posts_audio
    root = valid(turn)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr-FR"
    form = turn_form(root)
    assert tags(form) == ["property", "property", "var", "var", "record", "field"]
    assert [(p.get("name"), p.get("value")) for p in xpath(form, "v:property")] == [
        ("timeout", "4000ms"), ("com.example.agc", "true")]
    assert one(form, "v:var[2]").attrib == {"name": "rayvrLastResultBefore", "expr": "application.lastresult$"}
    record = one(form, "v:record")
    assert record.attrib == {"name": "rayvrRecord", "beep": "true", "maxtime": "30000ms", "finalsilence": "2500ms",
                             "type": "audio/x-wav", "dtmfterm": "false"}
    assert tags(record) == ["grammar", "prompt", "catch", "filled"]
    assert "".join(one(record, "v:prompt").itertext()) == TRICKY
    hang_up = one(record, "v:catch")
    assert hang_up.get("event") == "connection.disconnect.hangup"
    assert one(hang_up, "v:script").text == (
        "rayvr.event(_event, _message);\nif (rayvrRecord !== undefined && rayvrRecord !== null) {\n"
        "  rayvr.recording(rayvrRecord, rayvrRecord$.duration, rayvrRecord$.size, rayvrRecord$.termchar, "
        'rayvrRecord$.maxtime, null, "audio/x-wav");\n}')
    assert one(hang_up, "v:goto").get("next") == "#rayvrSubmit"
    filled = one(record, "v:filled")
    assert one(filled, "v:script").text == (
        "rayvr.recording(rayvrRecord, rayvrRecord$.duration, rayvrRecord$.size, rayvrRecord$.termchar, "
        'rayvrRecord$.maxtime, null, "audio/x-wav");\n'
        "if (application.lastresult$ !== rayvrLastResultBefore) {\n  rayvr.recognition(application.lastresult$);\n}")
    assert one(filled, "v:goto").get("nextitem") == "rayvrAck"


def test_a_plain_recording_and_one_kept_on_the_platform() -> None:
    form = turn_form(valid(Recording("Speak.")))
    assert tags(form) == ["record"]
    assert one(form, "v:record").attrib == {"name": "rayvrRecord", "beep": "false", "dtmfterm": "true"}
    kept = turn_form(valid(Recording("Speak.", keep_as="greeting")))
    assert one(kept, "v:record/v:filled/v:script").text == (
        "rayvr.recording(rayvrRecord, rayvrRecord$.duration, rayvrRecord$.size, rayvrRecord$.termchar, "
        'rayvrRecord$.maxtime, "greeting", null);')
    assert one(kept, "v:record/v:filled/v:goto").get("next") == "#rayvrSubmit"


def test_an_interaction_with_a_recording_window_after_barge_in_phases() -> None:
    turn = Interaction(Phase("Press 1 to skip the recording.", dtmf=DIGIT), Phase("Speak after the beep."),
                       record=Record(beep=True, max_time_ms=5000, keep_as="answer"), ack="Thanks.")
    assert turn.final_window == "recording" and not turn.posts_audio
    form = turn_form(valid(turn))
    assert tags(form) == ["var", "field", "block", "record", "field"]
    assert one(form, "v:record").get("maxtime") == "5000ms"
    assert one(form, "v:record/v:filled/v:goto").get("nextitem") == "rayvrAck"


def test_recordings_play_back_from_the_gateway_or_from_the_platform() -> None:
    ctx = RenderContext(call_id="c", seq=2, submit_url="/p/calls/c/turns/2", root_url="/p/root.vxml",
                        recordings_url="/p/recordings")
    message = Message("You said:", RecordedAudio(location="c/1-ab.wav", duration_ms=5),
                      Prompt(RecordedAudio(kept="greeting"), "and", RecordedAudio(kept="Name_2")))
    root = assert_valid_vxml(render(message, ctx))
    assert [dict(a.attrib) for a in xpath(root, "//v:audio")] == [
        {"src": "/p/recordings/c/1-ab.wav"}, {"expr": 'rayvr.kept["greeting"]'}, {"expr": 'rayvr.kept["Name_2"]'}]
