"""gateway.render: every turn type and option rendered, validated against the W3C schema, and checked.

The root document's script (gateway/root.js) is executed for real with node,
and what it produces is read back with gateway.wire.parse_result.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pytest
from lxml import etree

from gateway.render import RenderContext, render, render_notice, render_retry, render_root, renderer
from gateway.wire import parse_result
from runtime.results import HANGUP_EVENT, Event, Hypothesis, MarkReached, NoInput, NoMatch, Played, Recognition
from runtime.speech import Audio, Emphasis, Mark, Paragraph, Pause, Prosody, SayAs, Sentence, Substitute
from runtime.grammars import Grammar, InlineGrammar
from runtime.interaction import Interaction
from runtime.turns import Disconnect, DtmfSettings, Exit, Message, OutputTurn, Prompt
from browser import NODE, needs_node
from vxml import assert_valid_vxml, one, xpath

V = "http://www.w3.org/2001/vxml"
NS = {"v": V}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CTX = RenderContext(call_id="call-1", seq=4, submit_url="/calls/call-1/turns/4", root_url="/root.vxml")
TRICKY = "Fish & chips <today> \"quoted\" 'single' café naïve 日本語 العربية Привет 🎉 ok"
ROOT_JS = resources.files("gateway").joinpath("root.js")




def spoken(element: etree._Element) -> str:
    return "".join(element.itertext())


def valid(turn: Any, ctx: RenderContext = CTX) -> tuple[bytes, etree._Element]:
    document = render(turn, ctx)
    assert render(turn, ctx) == document, "rendering is not deterministic"
    return document, assert_valid_vxml(document)


DIGIT = Grammar("builtin:dtmf/digits?length=1")


# --- the validator itself --------------------------------------------------------------------


@pytest.mark.parametrize(("document", "says"), [
    (b'<vxml xmlns="http://www.w3.org/2001/vxml" version="2.1"><form/></vxml>', "no UTF-8 XML declaration"),
    (b'<?xml version="1.0" encoding="UTF-8"?>\n<vxml xmlns="http://www.w3.org/2001/vxml" version="3.0"><form/></vxml>',
     "not '2.1'"),
    (b'<?xml version="1.0" encoding="UTF-8"?>\n<vxml xmlns="http://www.w3.org/2001/vxml" version="2.1"><form><field>'
     b'<grammar xmlns="http://www.w3.org/2001/06/grammar" version="1.0" root="r"><rule id="r">x</rule></grammar>'
     b'</field></form></vxml>', r"not valid VoiceXML \(XSD\)"),
    (b'<?xml version="1.0" encoding="UTF-8"?>\n<vxml xmlns="http://www.w3.org/2001/vxml" version="2.1"><form><block>'
     b'<prompt><mark name="a b"/></prompt></block></form></vxml>', r"not valid VoiceXML \(DTD\)"),
])
def test_the_validator_rejects_invalid_documents(document: bytes, says: str) -> None:
    with pytest.raises(AssertionError, match=says):
        assert_valid_vxml(document)


# --- the common document and the submission machinery -------------------------------------------


def test_document_header_names_the_root_the_language_and_the_call() -> None:
    document, root = valid(Message("Hello"))
    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<vxml xmlns="http://www.w3.org/2001/vxml"'
                               b' version="2.1" application="/root.vxml" xml:lang="en-US">')
    assert [(m.get("name"), m.get("content")) for m in xpath(root, "v:meta")] == [
        ("rayvr.call", "call-1"), ("rayvr.turn", "4")]


def test_output_turn_documents_start_empty_and_submit_their_result() -> None:
    _, root = valid(Message("Hello"))
    assert [(v.get("name"), v.get("expr")) for v in xpath(root, "v:var")] == [
        ("rayvrSubmitting", "false"), ("rayvrRetries", "0")]
    assert [s.text for s in xpath(root, "v:script")] == ["rayvr.reset();"]
    forms = xpath(root, "v:form")
    assert [f.get("id") for f in forms] == [None, "rayvrSubmit", "rayvrFailed"], "the turn's form must come first"
    block = one(root, "v:form[@id='rayvrSubmit']/v:block")
    assert [(c.tag.split("}")[1], dict(c.attrib)) for c in block] == [
        ("assign", {"name": "rayvrSubmitting", "expr": "true"}),
        ("var", {"name": "result", "expr": "rayvr.json(rayvr.result)"}),
        ("submit", {"next": "/calls/call-1/turns/4", "method": "post", "namelist": "result",
                    "fetchtimeout": "10s"}),
    ]
    failed = one(root, "v:form[@id='rayvrFailed']/v:block")
    assert spoken(one(failed, "v:prompt")) == CTX.failure_text
    assert [c.tag for c in failed] == [f"{{{V}}}prompt", f"{{{V}}}disconnect"]


def test_catches_are_ordered_so_a_failed_submit_is_retried_before_the_catch_all() -> None:
    # VoiceXML picks the first matching catch of a scope in document order, so the
    # conditional ones must come before the catch-all.
    _, root = valid(Interaction("Press one", dtmf=DIGIT))
    catches = xpath(root, "v:catch")
    assert [dict(c.attrib) for c in catches] == [
        {"event": "error.badfetch", "cond": "rayvrSubmitting"},
        {"cond": "rayvrSubmitting"},
        {},
    ]
    failed_post, while_submitting, catch_all = catches
    assert xpath(failed_post, "v:script") == [], "a failed POST is not an event of the turn"
    assert [s.text for s in xpath(while_submitting, "v:script")] == ["rayvr.event(_event, _message);"]
    assert [s.text for s in xpath(catch_all, "v:script")] == ["rayvr.event(_event, _message);"]
    assert one(catch_all, "v:goto").get("next") == "#rayvrSubmit"
    for handler in (failed_post, while_submitting):
        assert one(handler, "v:assign").attrib == {"name": "rayvrRetries", "expr": "rayvrRetries + 1"}
        choice = one(handler, "v:if")
        assert choice.get("cond") == "rayvrRetries <= 3"
        assert one(choice, "v:elseif").get("cond") == "rayvrRetries == 4"
        assert [g.get("next") for g in xpath(choice, "v:goto")] == ["#rayvrSubmit", "#rayvrFailed"]
        assert [c.tag.split("}")[1] for c in choice] == ["goto", "elseif", "goto", "else", "exit"]


def test_every_goto_target_exists() -> None:
    for turn in (Message("Hi"), Interaction("Press one", dtmf=DIGIT)):
        _, root = valid(turn)
        ids = {f"#{form.get('id')}" for form in xpath(root, "v:form[@id]")}
        assert {g.get("next") for g in xpath(root, "//v:goto")} <= ids


def test_context_options_reach_the_document() -> None:
    ctx = RenderContext(call_id="c-9", seq=12, submit_url="https://gw.example/calls/c-9/turns/12?x=1&y=2",
                        root_url="https://gw.example/root.vxml", lang="fr-CA", submit_retries=5,
                        fetch_timeout_s=30, fetch_audio="https://gw.example/hold.wav?a=1&b=2", failure_text=TRICKY)
    document, root = valid(Message("Bonjour"), ctx)
    assert root.get("application") == "https://gw.example/root.vxml"
    assert root.get(XML_LANG) == "fr-CA"
    submit = one(root, "//v:submit")
    assert submit.get("next") == "https://gw.example/calls/c-9/turns/12?x=1&y=2"
    assert submit.get("fetchtimeout") == "30s"
    assert submit.get("fetchaudio") == "https://gw.example/hold.wav?a=1&b=2"
    assert b'fetchaudio="https://gw.example/hold.wav?a=1&amp;b=2"' in document
    assert [i.get("cond") for i in xpath(root, "v:catch/v:if")] == ["rayvrRetries <= 5"] * 2
    assert [i.get("cond") for i in xpath(root, "v:catch/v:if/v:elseif")] == ["rayvrRetries == 6"] * 2
    assert spoken(one(root, "v:form[@id='rayvrFailed']//v:prompt")) == TRICKY


# --- messages and speech -----------------------------------------------------------------------


def test_message_plays_its_prompts_then_submits() -> None:
    _, root = valid(Message("Welcome.", Prompt("Please listen.", bargein=False)))
    block = one(root, "v:form[1]/v:block")
    assert [(c.tag.split("}")[1], c.get("bargein"), spoken(c)) for c in block] == [
        ("prompt", "true", "Welcome."), ("prompt", "false", "Please listen."), ("goto", None, "")]
    assert block[-1].get("next") == "#rayvrSubmit"


def test_every_speech_part_kind() -> None:
    message = Message(Prompt(
        "Hello ", Audio("intro.wav?x=1&y=2", "Welcome ", Pause(100)), " and ", Mark("after-intro"),
        SayAs("12", "digits"), SayAs("20240131", "date", "ymd"), Emphasis("now", level="strong"),
        Prosody("slowly", rate="slow", pitch="+10%", volume="loud"), Prosody("normal"),
        Sentence("Bonjour", lang="fr-FR"), Paragraph(Sentence("one"), Sentence("two")),
        Substitute("W3C", "World Wide Web Consortium"), " end"))
    document, _ = valid(message)
    assert (b'<prompt bargein="true">Hello <audio src="intro.wav?x=1&amp;y=2">Welcome <break time="100ms"/>'
            b'</audio> and <mark name="after-intro"/><say-as interpret-as="digits">12</say-as>'
            b'<say-as interpret-as="date" format="ymd">20240131</say-as><emphasis level="strong">now</emphasis>'
            b'<prosody rate="slow" pitch="+10%" volume="loud">slowly</prosody><prosody>normal</prosody>'
            b'<s xml:lang="fr-FR">Bonjour</s><p><s>one</s><s>two</s></p>'
            b'<sub alias="World Wide Web Consortium">W3C</sub> end</prompt>') in document


def test_adjacent_text_parts_concatenate_around_elements() -> None:
    _, root = valid(Message(Prompt("a", "b", Pause(0), "c", "d", Emphasis("e", "f", Mark("m"), "g"), "h")))
    prompt = one(root, "v:form[1]//v:prompt")
    assert prompt.text == "ab"
    assert [(c.tag.split("}")[1], c.text, c.tail) for c in prompt] == [("break", None, "cd"), ("emphasis", "ef", "h")]
    assert [(c.tag.split("}")[1], c.tail) for c in prompt[1]] == [("mark", "g")]
    assert spoken(prompt) == "abcdefgh"


def test_text_is_escaped_and_comes_back_unchanged() -> None:
    message = Message(Prompt(TRICKY, Audio(f"a.wav?q={TRICKY}", TRICKY), SayAs(TRICKY, "characters"),
                             Substitute(TRICKY, TRICKY)))
    document, root = valid(message)
    prompt = one(root, "v:form[1]//v:prompt")
    assert prompt.text == TRICKY
    assert one(prompt, "v:audio").get("src") == f"a.wav?q={TRICKY}"
    assert spoken(one(prompt, "v:audio")) == TRICKY
    assert one(prompt, "v:say-as").text == TRICKY
    assert one(prompt, "v:sub").attrib == {"alias": TRICKY}
    assert one(prompt, "v:sub").text == TRICKY
    assert "日本語 العربية Привет 🎉".encode() in document, "non-ASCII text is written as UTF-8, not as references"


def test_mark_names_are_unique_xml_names() -> None:
    _, root = valid(Message(Prompt("a", Mark("m.1")), Prompt(Emphasis(Mark("_m-2"), Mark("é")))))
    assert [m.get("name") for m in xpath(root, "//v:mark")] == ["m.1", "_m-2", "é"]
    for name in ("two words", "1st", "a:b", "", "<m>"):
        with pytest.raises(ValueError, match="is not an XML name"):
            Mark(name)
    with pytest.raises(ValueError, match="'m' is used twice in one turn"):
        render(Interaction(Prompt(Mark("m"), "one"), Prompt(Sentence(Mark("m"))), dtmf=DIGIT), CTX)


def test_language_per_turn_and_per_prompt() -> None:
    _, root = valid(Message(Prompt("Hallo"), Prompt("Bonjour", lang="fr-FR"), lang="de-DE"))
    assert root.get(XML_LANG) == "de-DE"
    assert [p.get(XML_LANG) for p in xpath(root, "v:form[1]//v:prompt")] == [None, "fr-FR"]


# --- interactions ------------------------------------------------------------------------------


def test_interaction_with_a_builtin_dtmf_grammar() -> None:
    _, root = valid(Interaction(Prompt("Enter your PIN", bargein=False), dtmf=Grammar("builtin:dtmf/digits?length=4")))
    field = one(root, "v:form[1]/v:field")
    assert field.get("name") == "rayvrInput"
    assert one(field, "v:grammar").attrib == {"src": "builtin:dtmf/digits?length=4", "mode": "dtmf"}
    assert [(p.get("bargein"), spoken(p)) for p in xpath(field, "v:prompt")] == [("false", "Enter your PIN")]
    assert xpath(field, "v:property") == []
    filled = one(field, "v:filled")
    assert one(filled, "v:script").text == (
        "rayvr.recognition(application.lastresult$);\n"
        "rayvr.mark(application.lastresult$.markname, application.lastresult$.marktime);")
    assert one(filled, "v:goto").get("next") == "#rayvrSubmit"


def test_interaction_prompts_stay_in_order_with_their_own_bargein_and_language() -> None:
    turn = Interaction(Prompt("Listen first.", bargein=False), "Then choose.", Prompt("Ou en français.", lang="fr-CA"),
                       dtmf=DIGIT, lang="en-GB")
    _, root = valid(turn)
    assert root.get(XML_LANG) == "en-GB"
    assert [(p.get("bargein"), p.get(XML_LANG), spoken(p)) for p in xpath(root, "//v:field/v:prompt")] == [
        ("false", None, "Listen first."), ("true", None, "Then choose."), ("true", "fr-CA", "Ou en français.")]


def test_timeouts_and_dtmf_settings_become_properties() -> None:
    turn = Interaction("Enter the amount, then hash.", dtmf=Grammar("builtin:dtmf/number"), no_input_timeout_ms=7000,
                       dtmf_settings=DtmfSettings(inter_digit_timeout_ms=3000, term_timeout_ms=1500, term_char="#"))
    _, root = valid(turn)
    assert [(p.get("name"), p.get("value")) for p in xpath(root, "v:form[1]/v:property")] == [
        ("interdigittimeout", "3000ms"), ("termtimeout", "1500ms"), ("termchar", "#")]
    assert [(p.get("name"), p.get("value")) for p in xpath(root, "//v:field/v:property")] == [("timeout", "7000ms")]


def test_only_the_settings_given_become_properties() -> None:
    _, root = valid(Interaction("Go", dtmf=DIGIT, dtmf_settings=DtmfSettings(term_char="*")))
    assert [(p.get("name"), p.get("value")) for p in xpath(root, "//v:property")] == [("termchar", "*")]


def test_inline_choices_grammar_is_moved_into_the_voicexml_namespace() -> None:
    choices = InlineGrammar.choices({"1": "sales", "2": "support & \"billing\""})
    document, root = valid(Interaction("Press 1 or 2", dtmf=choices))
    grammar = one(root, "//v:field/v:grammar")
    assert grammar.get("mode") == "dtmf"
    assert grammar.get("root") == "dtmfChoice"
    assert [(item.text, one(item, "v:tag").text) for item in xpath(grammar, "v:rule/v:one-of/v:item")] == [
        ("1", 'out="sales";'), ("2", 'out="support & \\"billing\\"";')]
    assert all(e.tag.startswith(f"{{{V}}}") for e in grammar.iter(etree.Element))
    assert b"2001/06/grammar" not in document


def test_speech_grammars_by_url_and_inline_get_voice_mode() -> None:
    srgs = ('<?xml version="1.0" encoding="UTF-8"?>'
            '<grammar xmlns="http://www.w3.org/2001/06/grammar" version="1.0" root="yn" xml:lang="en-US">'
            '<rule id="yn" scope="public"><one-of><item>yes</item><item>no</item></one-of></rule></grammar>')
    turn = Interaction("Yes or no?", dtmf=DIGIT,
                       speech=[Grammar("https://g.example/yesno.grxml?v=1&x=2", type="application/srgs+xml",
                                       weight=0.5), InlineGrammar(srgs)])
    document, root = valid(turn)
    builtin_dtmf, by_url, inline = xpath(root, "//v:field/v:grammar")
    assert builtin_dtmf.attrib == {"src": "builtin:dtmf/digits?length=1", "mode": "dtmf"}
    assert by_url.attrib == {"src": "https://g.example/yesno.grxml?v=1&x=2", "mode": "voice",
                             "type": "application/srgs+xml", "weight": "0.5"}
    assert inline.get("mode") == "voice"
    assert inline.get(XML_LANG) == "en-US"
    assert [spoken(i) for i in xpath(inline, ".//v:item")] == ["yes", "no"]
    assert b"2001/06/grammar" not in document


def test_prefixed_srgs_namespace_and_a_foreign_declared_encoding() -> None:
    srgs = ('<?xml version="1.0" encoding="ISO-8859-1"?>'
            '<g:grammar xmlns:g="http://www.w3.org/2001/06/grammar" version="1.0" root="r" mode="voice">'
            '<g:rule id="r"><g:item>café</g:item></g:rule></g:grammar>')
    document, root = valid(Interaction("Say it", speech=InlineGrammar(srgs)))
    assert spoken(one(root, "//v:field/v:grammar/v:rule/v:item")) == "café"
    assert b"xmlns:g" not in document


@pytest.mark.parametrize(("weight", "written"), [(1, "1.0"), (2.5, "2.5"), (0.25, "0.25"), (1e-05, "0.00001")])
def test_grammar_weights_are_plain_decimals(weight: float, written: str) -> None:
    _, root = valid(Interaction("Go", speech=Grammar("g.grxml", weight=weight)))
    assert one(root, "//v:grammar").get("weight") == written


@pytest.mark.parametrize(("srgs", "says"), [
    ("<grammar><rule id='r'>", "not well-formed XML"),
    ("yes or no", "not well-formed XML"),
    ("<rule id='r'><item>x</item></rule>", "must be an SRGS <grammar> element, not <rule>"),
    ('<!DOCTYPE grammar [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     '<grammar version="1.0" root="r"><rule id="r"><item>&x;</item></rule></grammar>', "must not have a DOCTYPE"),
])
def test_bad_grammars_are_refused_when_built(srgs: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        InlineGrammar(srgs)


def test_a_grammar_in_the_wrong_mode_is_refused_when_the_turn_is_built() -> None:
    with pytest.raises(ValueError, match="declares mode='voice' but is given as a dtmf grammar"):
        Interaction("Go", dtmf=InlineGrammar.choices({"1": "one"}, mode="voice"))


def test_negative_grammar_weights_are_refused_when_the_turn_is_built() -> None:
    with pytest.raises(ValueError, match="non-negative finite"):
        Grammar("g.grxml", weight=-1.0)


def test_negative_times_are_refused() -> None:
    with pytest.raises(ValueError, match="no_input_timeout_ms must be a non-negative whole number"):
        Interaction("Go", dtmf=DIGIT, no_input_timeout_ms=-1)


# --- last turns --------------------------------------------------------------------------------


def test_exit_with_variables_and_a_closing_message() -> None:
    variables = {"outcome": "transferred", "amount": 12.5, "count": 3, "ok": True, "none": None,
                 "items": ["a", TRICKY], "detail": {"code": "A-1", "nested": {"n": [1, 2]}}, "$": "dollar"}
    document, root = valid(Exit(variables, Message(Prompt("Goodbye", bargein=False), lang="it-IT")))
    block = one(root, "v:form/v:block")
    assert [c.tag.split("}")[1] for c in block] == ["prompt"] + ["var"] * len(variables) + ["exit"]
    assert (block[0].get("bargein"), block[0].get(XML_LANG), spoken(block[0])) == ("false", "it-IT", "Goodbye")
    declared = {v.get("name"): v.get("expr") for v in xpath(block, "v:var")}
    assert list(declared) == list(variables)
    assert declared["detail"].startswith("(") and declared["detail"].endswith(")"), "an object must not read as a block"
    assert {name: json.loads(expr.removeprefix("(").removesuffix(")")) for name, expr in declared.items()} == variables
    assert one(block, "v:exit").attrib == {"namelist": "outcome amount count ok none items detail $"}
    assert xpath(root, "v:catch") == [] and xpath(root, "//v:submit") == [], "a last turn posts nothing back"
    assert "\\u65e5\\u672c\\u8a9e" in declared["items"], "variables are written with ASCII escapes"
    assert document.isascii()


def test_exit_without_variables_or_message() -> None:
    _, root = valid(Exit())
    assert [c.tag.split("}")[1] for c in one(root, "v:form/v:block")] == ["exit"]
    assert one(root, "//v:exit").attrib == {}


def test_disconnect_with_variables() -> None:
    _, root = valid(Disconnect({"reason": "done"}, Message("Bye now")))
    block = one(root, "v:form/v:block")
    assert [c.tag.split("}")[1] for c in block] == ["prompt", "var", "disconnect"]
    assert one(block, "v:var").attrib == {"name": "reason", "expr": '"done"'}
    assert one(block, "v:disconnect").attrib == {"namelist": "reason"}


def test_line_separators_in_variables_are_escaped() -> None:
    _, root = valid(Exit({"text": "a\u2028b\u2029c"}))
    expr = one(root, "//v:var").get("expr")
    assert expr == '"a\\u2028b\\u2029c"'


@pytest.mark.parametrize("name", ["1st", "_private", "total$", "a.b", "a b", "", "var", "true", "class", "é", "a-b"])
def test_variable_names_must_be_identifiers_when_the_turn_is_built(name: str) -> None:
    with pytest.raises(ValueError, match="cannot be a VoiceXML variable name"):
        Exit({name: 1})


@pytest.mark.parametrize("name", ["a", "$", "$a", "a$b", "caller_id", "x1", "A_"])
def test_identifiers_are_accepted(name: str) -> None:
    _, root = valid(Exit({name: 1}))
    assert one(root, "//v:exit").get("namelist") == name


@pytest.mark.parametrize("value", [float("nan"), float("inf"), object(), {"k": {1, 2}}, b"bytes"])
def test_variable_values_must_be_plain_json_data_when_the_turn_is_built(value: Any) -> None:
    with pytest.raises(ValueError, match="variable 'v' cannot be passed to VoiceXML"):
        Disconnect({"v": value})


# --- the registry ------------------------------------------------------------------------------


def test_unknown_turn_types_say_how_to_register_a_renderer() -> None:
    class Survey(OutputTurn):
        name = "survey"

    with pytest.raises(TypeError, match=r"no VoiceXML renderer for .*Survey; register one with "
                                        r"@gateway\.render\.renderer\(.*Survey\)"):
        render(Survey(), CTX)


def test_a_registered_turn_type_gets_the_submission_machinery() -> None:
    @dataclass(frozen=True)
    class Beep(OutputTurn):
        name: str = "beep"

    @renderer(Beep)
    def _beep(turn: Beep, ctx: RenderContext) -> etree._Element:
        form = etree.Element(f"{{{V}}}form")
        etree.SubElement(etree.SubElement(form, f"{{{V}}}block"), f"{{{V}}}goto", next="#rayvrSubmit")
        return form

    _, root = valid(Beep())
    assert [f.get("id") for f in xpath(root, "v:form")] == [None, "rayvrSubmit", "rayvrFailed"]
    with pytest.raises(TypeError, match="already registered"):
        renderer(Beep)(_beep)


def test_subclasses_use_the_renderer_of_their_nearest_registered_base() -> None:
    class Announcement(Message):
        __slots__ = ()

    assert render(Announcement("Hi"), CTX) == render(Message("Hi"), CTX)


# --- root, notice and retry documents ----------------------------------------------------------


def test_root_document_holds_the_script() -> None:
    document = render_root()
    root = assert_valid_vxml(document)
    assert root.get("application") is None
    assert one(root, "v:script").text == ROOT_JS.read_text(encoding="utf-8")
    assert b"<![CDATA[" in document
    assert render_root() == document


def test_notice_is_stand_alone_and_says_its_text() -> None:
    document = render_notice(TRICKY, "ja-JP")
    root = assert_valid_vxml(document)
    assert root.get("application") is None
    assert root.get(XML_LANG) == "ja-JP"
    block = one(root, "v:form/v:block")
    assert [c.tag.split("}")[1] for c in block] == ["prompt", "exit"]
    assert spoken(block[0]) == TRICKY
    assert render_notice(TRICKY, "ja-JP") == document


def test_retry_posts_the_same_result_string_again() -> None:
    result_json = json.dumps({"events": [{"name": "noinput", "message": TRICKY + "\u2028\n\\"}],
                              "recognition": [], "mark": None}, ensure_ascii=False)
    ctx = RenderContext("call-1", 4, "/calls/call-1/turns/4", "/root.vxml", fetch_audio="/hold.wav")
    document = render_retry(ctx, result_json, 2)
    root = assert_valid_vxml(document)
    assert render_retry(ctx, result_json, 2) == document
    assert [f.get("id") for f in xpath(root, "v:form")] == ["rayvrSubmit", "rayvrFailed"]
    block = one(root, "v:form[@id='rayvrSubmit']/v:block")
    expr = one(block, "v:var[@name='result']").get("expr")
    assert json.loads(expr) == result_json
    assert expr.isascii()
    assert one(block, "v:submit").attrib == {"next": "/calls/call-1/turns/4?attempt=2", "method": "post",
                                             "namelist": "result", "fetchtimeout": "10s", "fetchaudio": "/hold.wav"}
    assert [dict(c.attrib) for c in xpath(root, "v:catch")] == [
        {"event": "error.badfetch", "cond": "rayvrSubmitting"}, {"cond": "rayvrSubmitting"}, {}]


def test_retry_adds_the_attempt_to_an_existing_query() -> None:
    ctx = RenderContext("c", 1, "/calls/c/turns/1?lang=en", "/root.vxml")
    root = assert_valid_vxml(render_retry(ctx, "{}", 3))
    assert one(root, "//v:submit").get("next") == "/calls/c/turns/1?lang=en&attempt=3"


# --- root.js, executed ---------------------------------------------------------------------------


# Evaluates each expression of the JSON list on stdin in a fresh context where root.js
# has run, and prints the list of results (strings) as JSON.
_EVALUATE = """
const vm = require("vm"), fs = require("fs");
const context = vm.createContext({});
vm.runInContext(fs.readFileSync(%s, "utf8"), context);
const outer = context.rayvr;
const expressions = JSON.parse(fs.readFileSync(0, "utf8"));
const results = expressions.map((e) => e.startsWith("outer:") ? eval(e.slice(6)) : vm.runInContext(e, context));
process.stdout.write(JSON.stringify(results));
"""


def evaluate(*expressions: str) -> list[Any]:
    """Run JavaScript expressions after root.js; ``outer:`` ones run in node's own realm (``outer`` is rayvr)."""
    program = _EVALUATE % json.dumps(str(ROOT_JS))
    done = subprocess.run([NODE, "-e", program], input=json.dumps(list(expressions)), capture_output=True,
                          text=True, encoding="utf-8", timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


STRINGS = ['quote " backslash \\ slash /', "newline \n tab \t return \r", "\x00 \x01 \x1f \x7f",
           "\u2028 line \u2029 paragraph", "emoji 🎉👍🏽", "日本語 العربية Привет café", "</script> ]]> &amp;", ""]


@needs_node
def test_json_serialises_tricky_strings() -> None:
    outputs = evaluate(*(f"rayvr.json({json.dumps(s)})" for s in STRINGS))
    assert [json.loads(o) for o in outputs] == STRINGS
    assert all(ord(c) >= 0x20 and c not in "\u2028\u2029" for o in outputs for c in o)
    assert outputs[3] == '"\\u2028 line \\u2029 paragraph"'
    assert outputs[5] == '"日本語 العربية Привет café"', "non-ASCII is passed through"


@needs_node
def test_json_serialises_values() -> None:
    cases = {
        "null": None, "undefined": None, "true": True, "false": False, "0": 0, "-0": 0, "42": 42, "-1.5": -1.5,
        "1e21": 1e21, "1/0": None, "-1/0": None, "NaN": None, "function () {}": None,
        "[]": [], "({})": {}, "[1, [2, [3, []]], 'x', null, undefined, function () {}]": [1, [2, [3, []]], "x", None,
                                                                                      None, None],
        "({a: 1, b: {c: [true, false], d: 'x'}, u: undefined, f: function () {}, 'k\"ey': 'v'})":
            {"a": 1, "b": {"c": [True, False], "d": "x"}, "u": None, 'k"ey': "v"},
        "new String('boxed')": "boxed", "new Number(7)": 7, "new Boolean(false)": False,
    }
    outputs = evaluate(*(f"rayvr.json({expr})" for expr in cases))
    assert [json.loads(o) for o in outputs] == list(cases.values())


@needs_node
def test_json_recognises_arrays_from_another_realm() -> None:
    # instanceof Array fails across realms; Object.prototype.toString still says [object Array].
    [output] = evaluate("outer:outer.json({list: [1, 'two', [3]], text: 'x'})")
    assert json.loads(output) == {"list": [1, "two", [3]], "text": "x"}


def browser(script: str) -> Any:
    """The result posted after running ``script`` with root.js, as gateway.wire reads it."""
    [posted] = evaluate(f"(function () {{ {script} return rayvr.json(rayvr.result); }})()")
    return parse_result({"result": posted})


@needs_node
@pytest.mark.parametrize(("script", "expected"), [
    ("rayvr.reset();"
     "var r = [{utterance: 'sales', interpretation: {dept: 'sales', tags: ['a']}, confidence: 0.82,"
     "          inputmode: 'voice'},"
     "         {utterance: 'sails', interpretation: 'sails', confidence: '0.4', inputmode: 'voice'}];"
     "r.markname = 'menu'; r.marktime = 1250;"
     "rayvr.recognition(r); rayvr.mark(r.markname, r.marktime);",
     Recognition((Hypothesis("sales", {"dept": "sales", "tags": ["a"]}, 0.82, "voice"),
                  Hypothesis("sails", "sails", 0.4, "voice")), MarkReached("menu", 1250))),
    ("rayvr.reset(); var r = [{utterance: 123, interpretation: '123', confidence: 1, inputmode: 'dtmf'}];"
     "rayvr.recognition(r); rayvr.mark(r.markname, r.marktime);",
     Recognition((Hypothesis("123", "123", 1.0, "dtmf"),))),
    ("rayvr.reset(); rayvr.recognition({utterance: '7', interpretation: 7, confidence: 0.5, inputmode: 'dtmf'});",
     Recognition((Hypothesis("7", 7, 0.5, "dtmf"),))),
    ("rayvr.reset(); rayvr.event('noinput', undefined);", NoInput()),
    ("rayvr.reset(); rayvr.event('nomatch', null);", NoMatch()),
    ("rayvr.reset(); rayvr.event('error.badfetch', 'GET /x: " + TRICKY.replace("'", "\\'") + "');",
     Event("error.badfetch", "GET /x: " + TRICKY)),
    (f"rayvr.reset(); rayvr.event('nomatch', ''); rayvr.event('{HANGUP_EVENT}', 'caller hung up');",
     Event(HANGUP_EVENT, "caller hung up")),
    ("rayvr.reset(); rayvr.mark(undefined, undefined);", Played()),
    ("rayvr.reset(); rayvr.mark('end', '40');", Played(MarkReached("end", 40))),
    ("rayvr.event('noinput'); rayvr.mark('m', 1); rayvr.reset();", Played()),
])
def test_round_trip_from_the_browser_script_to_typed_results(script: str, expected: Any) -> None:
    assert browser(script) == expected


@needs_node
def test_rendered_literals_are_ecmascript_for_the_same_values() -> None:
    variables = {"text": TRICKY + "\u2028\u2029\n", "object": {"a": [1, None, True], "b": {"c": "d"}}, "n": -2.5}
    _, root = valid(Exit(variables))
    exprs = [v.get("expr") for v in xpath(root, "//v:var")]
    result_json = json.dumps({"events": [{"name": "x", "message": TRICKY + "\u2028"}]}, ensure_ascii=False)
    retry = assert_valid_vxml(render_retry(CTX, result_json, 1))
    retry_expr = one(retry, "//v:var[@name='result']").get("expr")
    outputs = evaluate(*(f"JSON.stringify({expr})" for expr in exprs), retry_expr)
    assert [json.loads(o) for o in outputs[:-1]] == list(variables.values())
    assert outputs[-1] == result_json


def test_root_script_is_ecmascript_3() -> None:
    code = ROOT_JS.read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/", "", code, flags=re.S)
    code = re.sub(r"//[^\n]*", "", code)
    forbidden = {r"\blet\b": "let", r"\bconst\b": "const", r"=>": "arrow function", r"\bJSON\b": "JSON object",
                 r"\bclass\b": "class", r"`": "template literal", r"\.(isArray|keys|forEach|map|filter|trim)\b":
                 "ES5 method", r",\s*[}\]]": "trailing comma"}
    found = [what for pattern, what in forbidden.items() if re.search(pattern, code)]
    assert found == []


def test_two_inline_grammars_with_one_rule_id_get_distinct_ids() -> None:
    _, root = valid(Interaction("Go", dtmf=[InlineGrammar.choices({"1": "a"}), InlineGrammar.choices({"2": "b"})]))
    assert [(g.get("root"), g.xpath("v:rule/@id", namespaces=NS)) for g in xpath(root, "//v:grammar")] == [
        ("dtmfChoice", ["dtmfChoice"]), ("dtmfChoice_2", ["dtmfChoice_2"])]


def test_grammars_whose_rules_refer_to_each_other_keep_their_ids_and_cannot_repeat() -> None:
    srgs = ('<grammar version="1.0" root="main" mode="dtmf"><rule id="main"><ruleref uri="#digit"/>'
            '<tag>out=rules.digit;</tag></rule><rule id="digit"><one-of><item>1</item></one-of></rule></grammar>')
    with pytest.raises(ValueError, match="'digit' is used twice in one turn"):
        Interaction("Go", dtmf=[InlineGrammar(srgs), InlineGrammar(srgs)])


def test_characters_xml_cannot_hold_are_replaced_not_fatal() -> None:
    _, root = valid(Message(f"a\x01b\x00c\ufffe{TRICKY}"))
    assert one(root, "//v:form[not(@id)]//v:prompt").text == f"a\ufffdb\ufffdc\ufffd{TRICKY}"
    notice = etree.fromstring(render_notice("bad \x1b name"))
    assert "".join(notice.itertext()).strip() == "bad \ufffd name"


def test_audio_carries_its_own_fetch_settings() -> None:
    from runtime.fetching import FetchSettings
    _, root = valid(Message(Audio("hold.wav", "please hold", fetch=FetchSettings(timeout_ms=2500, max_age_s=60,
                                                                                  max_stale_s=0, hint="prefetch"))))
    assert one(root, "//v:audio").attrib == {"src": "hold.wav", "fetchtimeout": "2500ms", "maxage": "60",
                                             "maxstale": "0", "fetchhint": "prefetch"}
