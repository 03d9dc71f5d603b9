"""Document-level rendering: settings as properties and xml:lang, fetch audio, document hooks, and their goldens."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from lxml import etree

from gateway.cli import build_parser, document_hooks
from gateway.hooks import load_hook, load_hooks
from gateway.render import RenderContext, document_properties, element, render
from golden import assert_golden
from runtime import (Audio, Disconnect, DocumentSettings, DtmfSettings, Exit, FetchSettings, Grammar, Interaction,
                     Message, Played, Prompt, Sentence)
from runtime.settings import NO_SETTINGS
from runtime.turns import Turn
from runtime.testing import DialogueTest
from vxml import assert_valid_vxml

V = "http://www.w3.org/2001/vxml"
NS = {"v": V}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CTX = RenderContext(call_id="c0ffee", seq=3, submit_url="/calls/c0ffee/turns/3", root_url="/root.vxml")
DIGITS = Grammar("builtin:dtmf/digits")
TRICKY = "Fish & chips <today> \"quoted\" 'single' café 日本語 العربية Привет 🎉"

EVERY_FETCH = DocumentSettings(
    fetch_audio="https://media.example/hold.wav?loop=1&v=2", fetch_audio_delay_ms=800, fetch_audio_minimum_ms=2000,
    fetch_timeout_ms=7000, audio_fetch=FetchSettings(max_age_s=3600, max_stale_s=60, hint="prefetch"),
    document_fetch=FetchSettings(max_age_s=0, hint="safe"), grammar_fetch=FetchSettings(max_stale_s=0),
    object_fetch=FetchSettings(hint="safe"), script_fetch=FetchSettings(max_age_s=86400),
    data_fetch=FetchSettings(max_age_s=5, max_stale_s=1, hint="safe"))
CALL_WIDE = DocumentSettings(properties={
    "inputmodes": "dtmf", "bargeintype": "hotword", "timeout": "7s", "maxnbest": "3", "confidencelevel": "0.6",
    "universals": "help", "com.example.asr.profile": TRICKY})


def valid(turn: Any, ctx: RenderContext = CTX, hooks: tuple[Any, ...] = ()) -> tuple[bytes, etree._Element]:
    document = render(turn, ctx, hooks)
    assert render(turn, ctx, hooks) == document, "rendering is not deterministic"
    return document, assert_valid_vxml(document)


def properties(root: etree._Element) -> list[tuple[str, str]]:
    return [(p.get("name"), p.get("value")) for p in root.xpath("v:property", namespaces=NS)]


def with_settings(**fields: Any) -> RenderContext:
    return replace(CTX, settings=DocumentSettings(**fields))


# --- properties --------------------------------------------------------------------------------


def test_no_settings_no_properties() -> None:
    _, root = valid(Message("Hello"))
    assert properties(root) == []
    assert document_properties(NO_SETTINGS) == []


def test_fetch_settings_become_properties_in_a_fixed_order() -> None:
    assert document_properties(EVERY_FETCH) == [
        ("fetchaudio", "https://media.example/hold.wav?loop=1&v=2"), ("fetchaudiodelay", "800ms"),
        ("fetchaudiominimum", "2000ms"), ("fetchtimeout", "7000ms"),
        ("audiomaxage", "3600"), ("audiomaxstale", "60"), ("audiofetchhint", "prefetch"),
        ("documentmaxage", "0"), ("documentfetchhint", "safe"),
        ("grammarmaxstale", "0"),
        ("objectfetchhint", "safe"),
        ("scriptmaxage", "86400"),
        ("datamaxage", "5"), ("datamaxstale", "1"), ("datafetchhint", "safe"),
    ]


def test_properties_sit_at_document_level_after_the_metadata() -> None:
    document, root = valid(Interaction("Your number?", dtmf=DIGITS), replace(CTX, settings=CALL_WIDE))
    assert [c.tag.split("}")[1] for c in root][:9] == ["meta", "meta"] + ["property"] * 7
    assert properties(root) == list(CALL_WIDE.properties)
    assert root.xpath("//v:field/v:property", namespaces=NS) == [], "call-wide properties are not field properties"
    assert "日本語 العربية Привет 🎉".encode() in document


def test_a_turns_own_properties_are_closer_to_the_field_than_the_documents() -> None:
    # The document says 7s; the interaction's own no-input timeout wins where the field is (VoiceXML scoping).
    _, root = valid(Interaction("Go", dtmf=DIGITS, no_input_timeout_ms=3000,
                                dtmf_settings=DtmfSettings(term_char="#")), replace(CTX, settings=CALL_WIDE))
    assert ("timeout", "7s") in properties(root)
    assert [(p.get("name"), p.get("value")) for p in root.xpath("//v:field/v:property", namespaces=NS)] == [
        ("timeout", "3000ms")]
    assert [(p.get("name"), p.get("value")) for p in root.xpath("//v:form[not(@id)]/v:property", namespaces=NS)] == [
        ("termchar", "#")]


# --- fetch audio -------------------------------------------------------------------------------


def test_the_dialogues_fetch_audio_also_plays_while_the_result_is_posted() -> None:
    ctx = replace(CTX, fetch_audio="/gateway-hold.wav", fetch_timeout_s=12,
                  settings=DocumentSettings(fetch_audio="/dialogue-hold.wav", fetch_timeout_ms=3000))
    _, root = valid(Message("One moment."), ctx)
    submit = root.xpath("//v:submit", namespaces=NS)[0]
    assert submit.get("fetchaudio") == "/dialogue-hold.wav"
    assert submit.get("fetchtimeout") == "12s", "the post keeps the gateway's timeout, which failover relies on"
    assert properties(root) == [("fetchaudio", "/dialogue-hold.wav"), ("fetchtimeout", "3000ms")]


def test_without_the_dialogues_fetch_audio_the_gateways_plays() -> None:
    _, root = valid(Message("One moment."), replace(CTX, fetch_audio="/gateway-hold.wav",
                                                    settings=DocumentSettings(fetch_audio_delay_ms=0)))
    assert root.xpath("//v:submit/@fetchaudio", namespaces=NS) == ["/gateway-hold.wav"]
    assert properties(root) == [("fetchaudiodelay", "0ms")]


# --- language ----------------------------------------------------------------------------------


def lang_of(root: etree._Element, path: str) -> list[str | None]:
    return [e.get(XML_LANG) for e in root.xpath(path, namespaces=NS)]


def test_language_per_call_per_turn_and_per_prompt() -> None:
    gateway = replace(CTX, lang="en-GB")
    call = replace(gateway, settings=DocumentSettings(lang="fr-CA"))
    _, root = valid(Message("Hello"), gateway)
    assert root.get(XML_LANG) == "en-GB", "without settings the gateway's language"
    _, root = valid(Message("Bonjour"), call)
    assert root.get(XML_LANG) == "fr-CA", "the call's language wins over the gateway's"
    _, root = valid(Message(Prompt("Hallo"), Prompt("Ciao", lang="it-IT"), Sentence("Hej", lang="sv-SE"),
                            lang="de-DE"), call)
    assert root.get(XML_LANG) == "de-DE", "the turn's language wins over the call's"
    assert lang_of(root, "v:form[1]//v:prompt") == [None, "it-IT", None]
    assert lang_of(root, "//v:s") == ["sv-SE"]


def test_a_last_turn_is_in_the_calls_language_and_its_message_keeps_its_own() -> None:
    call = replace(CTX, settings=DocumentSettings(lang="es-MX"))
    _, root = valid(Exit(message=Message("Adiós")), call)
    assert root.get(XML_LANG) == "es-MX"
    assert lang_of(root, "//v:prompt") == [None]
    _, root = valid(Disconnect(message=Message("Tchau", lang="pt-BR")), call)
    assert root.get(XML_LANG) == "es-MX"
    assert lang_of(root, "//v:prompt") == ["pt-BR"]


def test_renderers_see_the_effective_language_and_fetch_audio() -> None:
    ctx = replace(CTX, lang="en-US", fetch_audio="/a.wav", settings=DocumentSettings(lang="nl-NL"))
    assert ctx.effective().lang == "nl-NL" and ctx.effective().fetch_audio == "/a.wav"
    assert CTX.effective() is CTX


# --- hooks -------------------------------------------------------------------------------------


def vendor_hook(root: etree._Element, turn: Turn, ctx: RenderContext) -> None:
    """What a platform integration does: a vendor property and a meta, after the call's own metadata."""
    at = len(root.xpath("v:meta|v:property", namespaces=NS))
    root.insert(at, element(None, "property", {"name": "com.example.platform.recordcall", "value": "true"}))
    root.insert(at, element(None, "meta", {"name": "com.example.turn-name", "content": turn.name}))


def counting_hook(root: etree._Element, turn: Turn, ctx: RenderContext) -> None:
    seen = root.xpath("v:meta[@name='com.example.turn-name']", namespaces=NS)
    element(root, "var", {"name": "vendorSeen", "expr": str(len(seen))})


def test_hooks_post_process_the_document_in_order_and_it_stays_valid() -> None:
    turn = Interaction("Your number?", dtmf=DIGITS, name=TRICKY)
    _, root = valid(turn, replace(CTX, settings=CALL_WIDE), (vendor_hook, counting_hook))
    assert root.xpath("v:meta[@name='com.example.turn-name']/@content", namespaces=NS) == [TRICKY]
    assert ("com.example.platform.recordcall", "true") in properties(root)
    assert root.xpath("v:var[@name='vendorSeen']/@expr", namespaces=NS) == ["1"], "hooks run in the order given"
    _, root = valid(turn, CTX, (counting_hook, vendor_hook))
    assert root.xpath("v:var[@name='vendorSeen']/@expr", namespaces=NS) == ["0"]


def test_hooks_apply_to_last_turns_too_and_see_the_effective_context() -> None:
    seen: list[tuple[str, str]] = []

    def spy(root: etree._Element, turn: Turn, ctx: RenderContext) -> None:
        seen.append((turn.name, ctx.lang))

    valid(Exit(), replace(CTX, settings=DocumentSettings(lang="fi-FI")), (spy,))
    assert seen == [("exit", "fi-FI"), ("exit", "fi-FI")]


def test_a_failing_hook_is_named_in_the_error() -> None:
    def broken(root: etree._Element, turn: Turn, ctx: RenderContext) -> None:
        raise KeyError("vendor")

    with pytest.raises(KeyError) as caught:
        render(Message("Hi"), CTX, (broken,))
    assert any("document hook" in note and "broken" in note for note in caught.value.__notes__)


def test_a_hook_that_breaks_the_schema_is_caught_by_validation() -> None:
    def foreign(root: etree._Element, turn: Turn, ctx: RenderContext) -> None:
        root.set("{urn:example:vendor}tone", "warm")

    with pytest.raises(AssertionError, match="not valid VoiceXML"):
        assert_valid_vxml(render(Message("Hi"), CTX, (foreign,)))


# --- loading hooks by name -----------------------------------------------------------------------


def test_hooks_are_loaded_by_module_path() -> None:
    assert load_hook("test_documents:vendor_hook") is vendor_hook
    assert load_hook(" gateway.hooks:load_hook ") is load_hook
    assert load_hooks(["test_documents:vendor_hook,test_documents:counting_hook", "", "test_documents:vendor_hook"]) \
        == (vendor_hook, counting_hook, vendor_hook)


@pytest.mark.parametrize(("spec", "error", "says"), [
    ("test_documents", ValueError, "must be written 'module:function'"),
    (":vendor_hook", ValueError, "must be written 'module:function'"),
    ("test_documents:", ValueError, "must be written 'module:function'"),
    ("test_documents:no_such_hook", ValueError, "test_documents has no no_such_hook"),
    ("no_such_module_anywhere:hook", ModuleNotFoundError, "no_such_module_anywhere"),
    ("test_documents:TRICKY", TypeError, "is a str, not a function"),
])
def test_misnamed_hooks_fail_with_a_clear_error(spec: str, error: type, says: str) -> None:
    with pytest.raises(error, match=says):
        load_hook(spec)


def test_the_command_line_names_hooks_by_flag_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = build_parser()
    monkeypatch.setenv("RAYVR_DOCUMENT_HOOKS", "env:one,env:two")
    assert document_hooks(parser.parse_args(["serve"])) == ["env:one", "env:two"]
    args = parser.parse_args(["serve", "--document-hook", "a:b", "--document-hook", "c:d"])
    assert document_hooks(args) == ["a:b", "c:d"], "flags replace the environment"
    monkeypatch.delenv("RAYVR_DOCUMENT_HOOKS")
    assert load_hooks(document_hooks(parser.parse_args(["serve"]))) == ()


# --- determinism across a restart ------------------------------------------------------------------


def test_a_restored_call_renders_its_current_turn_byte_identically() -> None:
    import test_settings  # noqa: F401  registers the settings-test dialogue

    t = DialogueTest("settings-test")
    first = render(t.turn, replace(CTX, settings=t.settings), (vendor_hook,))
    t.restart()
    again = t._run(t._runner.advance(0, Played()))  # an old turn number: the stored turn, unchanged
    assert again.repeated
    assert render(again.turn, replace(CTX, settings=again.settings), (vendor_hook,)) == first


# --- golden documents ------------------------------------------------------------------------------

GOLDEN_CASES = {
    "document-fetch-audio": (Message(Prompt("Please hold.", Audio("music.wav", "music"), bargein=False)),
                             replace(CTX, fetch_audio="/gateway-hold.wav", settings=EVERY_FETCH), ()),
    "document-call-properties": (Interaction("Your number?", dtmf=DIGITS, no_input_timeout_ms=4000),
                                 replace(CTX, settings=CALL_WIDE), ()),
    "document-lang-call": (Message("Bonjour et bienvenue.", Prompt("Hello!", lang="en-GB")),
                           replace(CTX, settings=DocumentSettings(lang="fr-FR")), ()),
    "document-lang-turn-and-prompt": (Message(Prompt("Grüezi"), Prompt("Bonjour", lang="fr-CH"), lang="de-CH"),
                                      replace(CTX, settings=DocumentSettings(lang="fr-FR")), ()),
    "document-exit-call-settings": (Exit({"done": True}, Message("Au revoir.")),
                                    replace(CTX, settings=DocumentSettings(lang="fr-FR", fetch_timeout_ms=4000)), ()),
    "document-hook": (Message("Hello"), replace(CTX, settings=DocumentSettings(properties={"bargeintype": "hotword"})),
                      (vendor_hook,)),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_document_options_match_their_golden_documents(name: str) -> None:
    turn, ctx, hooks = GOLDEN_CASES[name]
    assert_golden(name, render(turn, ctx, hooks))
