"""Golden documents for the core turns (each family's tests add their own)."""

from __future__ import annotations

import pytest

from gateway.render import RenderContext, render, render_notice, render_retry, render_root
from golden import assert_golden
from runtime import (Audio, Disconnect, DtmfSettings, Exit, Grammar, InlineGrammar, Interaction, Mark, Message,
                     Pause, Prompt, SayAs)

CTX = RenderContext(call_id="c0ffee", seq=3, submit_url="/calls/c0ffee/turns/3", root_url="/root.vxml")

CASES = {
    "message": Message("Hello & welcome, Zoë <3", Pause(250), Audio("jingle.wav", "la la"), Mark("end"),
                       name="greeting"),
    "message-no-bargein-lang": Message(Prompt("Bonjour", bargein=False, lang="fr-FR"), lang="de-DE"),
    "interaction-dtmf": Interaction("Key in your number", dtmf=Grammar("builtin:dtmf/digits?length=4"),
                                    no_input_timeout_ms=5000,
                                    dtmf_settings=DtmfSettings(inter_digit_timeout_ms=3000, term_timeout_ms=1000,
                                                               term_char="#")),
    "interaction-inline-and-speech": Interaction(
        Prompt("Sales or support?", bargein=False), Prompt(SayAs("1", "digits"), " or ", SayAs("2", "digits")),
        dtmf=InlineGrammar.choices({"1": "sales", "2": "support"}),
        speech=[Grammar("https://example.com/g/departments.grxml", weight=0.5),
                InlineGrammar.choices({"sales": "sales", "support": "support"}, mode="voice", lang="en-GB")]),
    "exit-variables": Exit(variables={"outcome": "done", "amount": 12.5, "tags": ["a", "b"]},
                           message=Message("Goodbye.")),
    "disconnect": Disconnect(),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_core_turns_match_their_golden_documents(name):
    assert_golden(name, render(CASES[name], CTX))


def test_support_documents_match_their_golden_documents():
    assert_golden("root", render_root())
    assert_golden("notice", render_notice("This call has ended."))
    assert_golden("retry", render_retry(CTX, '{"events":[]}', 2))


def test_every_golden_document_has_its_prompts_and_grammars_checked_against_ssml_and_srgs():
    from pathlib import Path

    from vxml import assert_valid_parts, assert_valid_vxml

    golden = sorted((Path(__file__).parent / "golden").glob("*.vxml"))
    checked = {path.name: assert_valid_parts(assert_valid_vxml(path.read_bytes())) for path in golden}
    assert len(golden) >= 50
    assert sum(checked.values()) > 100, checked
