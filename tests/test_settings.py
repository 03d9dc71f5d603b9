"""runtime.settings: document settings checked when built, merged call-wide and per turn, kept with every turn."""

from __future__ import annotations

from typing import Any

import pytest

from runtime import (Call, DocumentSettings, Exit, FetchSettings, Message, MemoryStore, Played, dialogue)
from runtime import _codec
from runtime._runner import CallRunner, encode_record, read_checkpoint
from runtime.settings import NO_SETTINGS, check_lang
from runtime.testing import DialogueTest


# --- building --------------------------------------------------------------------------------


def test_properties_are_kept_in_order_as_pairs() -> None:
    settings = DocumentSettings(properties={"inputmodes": "dtmf", "com.vendor.tone": "warm", "bargeintype": "hotword"})
    assert settings.properties == (("inputmodes", "dtmf"), ("com.vendor.tone", "warm"), ("bargeintype", "hotword"))
    assert DocumentSettings(properties=[("a", "1"), ("b", "2")]).properties == (("a", "1"), ("b", "2"))
    assert settings.property_value("com.vendor.tone") == "warm"
    assert settings.property_value("timeout") is None
    assert hash(settings) == hash(DocumentSettings(properties=list(settings.properties))), "settings are immutable"


def test_settings_round_trip_through_the_journal_codec() -> None:
    settings = DocumentSettings(lang="zh-Hant-TW", fetch_audio="https://a.example/hold.wav?a=1&b=2",
                                fetch_audio_delay_ms=0, fetch_audio_minimum_ms=2500, fetch_timeout_ms=8000,
                                audio_fetch=FetchSettings(max_age_s=60, hint="safe"),
                                data_fetch=FetchSettings(max_stale_s=0),
                                properties={"com.vendor.name": "Zoë & <Ω> 🎉"})
    decoded = _codec.unpack(_codec.pack(settings))
    assert decoded == settings
    assert type(decoded.properties) is tuple and type(decoded.properties[0]) is tuple


@pytest.mark.parametrize("lang", ["en", "en-US", "zh-Hant-TW", "de-CH-1901", "x-klingon", "i-default"])
def test_language_tags_are_accepted(lang: str) -> None:
    assert DocumentSettings(lang=lang).lang == lang
    assert check_lang(lang) == lang


@pytest.mark.parametrize("lang", ["", "en_US", "englishes-US", "en-", "-US", "en US", "fr-FR;q=1", "日本"])
def test_malformed_language_tags_are_refused(lang: str) -> None:
    with pytest.raises(ValueError, match="is not a language tag"):
        DocumentSettings(lang=lang)


@pytest.mark.parametrize(("kwargs", "error", "says"), [
    ({"fetch_audio_delay_ms": -1}, ValueError, "fetch_audio_delay_ms must be a non-negative number of milliseconds"),
    ({"fetch_audio_minimum_ms": 1.5}, ValueError, "fetch_audio_minimum_ms must be"),
    ({"fetch_timeout_ms": True}, ValueError, "fetch_timeout_ms must be"),
    ({"fetch_timeout_ms": "5s"}, ValueError, "fetch_timeout_ms must be"),
    ({"fetch_audio": ""}, ValueError, "fetch_audio must be an audio URL"),
    ({"grammar_fetch": FetchSettings(timeout_ms=100)}, ValueError,
     "grammar_fetch cannot set a timeout: VoiceXML has one fetch timeout"),
    ({"audio_fetch": {"hint": "safe"}}, TypeError, "audio_fetch must be FetchSettings, not dict"),
    ({"properties": {"two words": "x"}}, ValueError, "'two words' is not an XML name token"),
    ({"properties": {"": "x"}}, ValueError, "'' is not an XML name token"),
    ({"properties": {"fetchaudio": "x.wav"}}, ValueError,
     r"'fetchaudio' has its own setting: DocumentSettings\(fetch_audio="),
    ({"properties": {"fetchtimeout": "5s"}}, ValueError, r"DocumentSettings\(fetch_timeout_ms="),
    ({"properties": {"grammarmaxage": "0"}}, ValueError, r"DocumentSettings\(grammar_fetch="),
    ({"properties": {"timeout": 5}}, TypeError, "property 'timeout' must be a string"),
    ({"properties": {"timeout": None}}, TypeError, "property 'timeout' must be a string"),
    ({"properties": [("a", "1"), ("a", "2")]}, ValueError, "property 'a' is given twice"),
    ({"properties": [("a", "1", "x")]}, ValueError, r"a property is a \(name, value\) pair"),
])
def test_bad_settings_are_refused_when_built(kwargs: dict[str, Any], error: type, says: str) -> None:
    with pytest.raises(error, match=says):
        DocumentSettings(**kwargs)


def test_settings_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        DocumentSettings("en-US")  # type: ignore[misc]


# --- merging ---------------------------------------------------------------------------------


def test_an_override_wins_field_by_field_and_property_by_name() -> None:
    base = DocumentSettings(lang="en-US", fetch_audio="hold.wav", fetch_timeout_ms=5000,
                            audio_fetch=FetchSettings(max_age_s=60, hint="safe"),
                            properties={"inputmodes": "dtmf voice", "bargeintype": "speech", "com.v.a": "1"})
    over = DocumentSettings(lang="fr-FR", audio_fetch=FetchSettings(max_age_s=0),
                            properties={"com.v.b": "2", "bargeintype": "hotword"})
    merged = base.merged(over)
    assert merged == DocumentSettings(
        lang="fr-FR", fetch_audio="hold.wav", fetch_timeout_ms=5000,
        audio_fetch=FetchSettings(max_age_s=0, hint="safe"),
        properties=[("inputmodes", "dtmf voice"), ("bargeintype", "hotword"), ("com.v.a", "1"), ("com.v.b", "2")])
    assert base.merged(None) is base
    assert base.merged(NO_SETTINGS) == base
    assert NO_SETTINGS.merged(over) == over


# --- in a dialogue ---------------------------------------------------------------------------


@dialogue("settings-test")
class Configured:
    """Sets call-wide settings, overrides them for one turn, changes them, and ends."""

    async def run(self, call: Call) -> Exit:
        assert call.settings == NO_SETTINGS
        call.configure(lang="fr-FR", properties={"bargeintype": "hotword"})
        await call.turn(Message("Bonjour", name="one"), settings=DocumentSettings(
            fetch_audio="hold.wav", properties={"com.vendor.tone": "warm"}))
        now = call.configure(DocumentSettings(properties={"inputmodes": "dtmf"}), lang="de-DE")
        assert now is call.settings
        await call.turn(Message("Guten Tag", name="two"))
        if call.params.get("clear"):
            call.configure(replace=True)
        return Exit(message=Message("Auf Wiedersehen"))


ONE = DocumentSettings(lang="fr-FR", fetch_audio="hold.wav",
                       properties={"bargeintype": "hotword", "com.vendor.tone": "warm"})
TWO = DocumentSettings(lang="de-DE", properties={"bargeintype": "hotword", "inputmodes": "dtmf"})


def test_call_wide_settings_with_a_turns_own_on_top_reach_each_reply() -> None:
    t = DialogueTest("settings-test")
    assert t.turn.name == "one"
    assert t.settings == ONE
    t.played()
    assert t.turn.name == "two"
    assert t.settings == TWO, "the first turn's own settings do not outlive it"
    t.played()
    assert t.ended
    assert t.settings == TWO, "the last turn is shown with the call-wide settings"


def test_configure_with_replace_clears_the_call_wide_settings() -> None:
    t = DialogueTest("settings-test", {"clear": "1"})
    t.played()
    t.played()
    assert t.ended and t.settings == NO_SETTINGS


def test_each_record_keeps_its_turns_settings_and_a_restored_call_repeats_them() -> None:
    t = DialogueTest("settings-test")
    assert read_checkpoint(t.store, t.call_id).settings == ONE
    t.played()
    assert read_checkpoint(t.store, t.call_id).settings == TWO
    restored = CallRunner(t.call_id, t.store)
    restored.restore()
    repeated = t._run(restored.advance(1, Played()))
    assert repeated.repeated and repeated.seq == 2 and repeated.settings == TWO
    last = t._run(restored.advance(2, Played()))
    assert last.final and last.settings == TWO, "replay ran configure again: the call-wide settings are back"


def test_settings_are_not_journal_entries() -> None:
    t = DialogueTest("settings-test")
    t.played()
    t.played()
    assert [entry[0] for entry in t.journal] == ["out", "in", "out", "in", "out"]


def test_records_without_settings_read_as_none_set() -> None:
    store = MemoryStore()
    store.append("old", 1, encode_record(1, [["out", 1, "Message", "m"]], Message("Hi"), False,
                                         dialogue="settings-test", params={}))
    assert "settings" not in _codec.unpack(store.load("old")[0]), "unset settings are not written"
    assert read_checkpoint(store, "old").settings == NO_SETTINGS


@dialogue("settings-misuse")
class Misused:
    async def run(self, call: Call) -> Exit:
        what = call.params["what"]
        if what == "turn":
            await call.turn(Message("Hi"), settings={"lang": "fr-FR"})  # type: ignore[arg-type]
        elif what == "configure":
            call.configure({"lang": "fr-FR"})  # type: ignore[arg-type]
        else:
            call.configure(lang="fr_FR")
        return Exit()


@pytest.mark.parametrize(("what", "says"), [
    ("turn", "settings must be DocumentSettings, not dict"),
    ("configure", "settings must be DocumentSettings, not dict"),
    ("lang", "'fr_FR' is not a language tag"),
])
def test_misused_settings_fail_the_call_with_a_clear_error(what: str, says: str) -> None:
    t = DialogueTest("settings-misuse", {"what": what})
    assert t.ended and t.last.name == "disconnect"
    assert says in t._runner._driver.failure.message
