"""A user's own output turn (tests/custom_turns.py) end to end: dialogue test, document, browser script, post."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from importlib import resources

import pytest

from custom_turns import Line, ReadLine
from gateway.render import RenderContext, render
from gateway.wire import parse_result
from runtime import DocumentSettings, Event, Exit, Message
from runtime import _codec
from runtime.errors import BadResult
from runtime.testing import DialogueTest
from browser import NODE, needs_node
from vxml import assert_valid_vxml

V = {"v": "http://www.w3.org/2001/vxml"}
CTX = RenderContext(call_id="c-7", seq=1, submit_url="/calls/c-7/turns/1", root_url="/root.vxml")
CALLER, CALLED = "tel:+33 1 23 45 67 89", "sip:accueil@exemple.fr;user=phone"


def browser_runs(document: bytes, session: dict[str, object]) -> str:
    """What the browser posts as ``result`` after running the turn form's script (with root.js loaded)."""
    root = assert_valid_vxml(document)
    scripts = [s.text for s in root.xpath("v:script|v:form[1]//v:script", namespaces=V)]
    program = (f"{resources.files('gateway').joinpath('root.js').read_text(encoding='utf-8')}\n"
               f"var session = {json.dumps(session)};\n" + "\n".join(scripts) +
               "\nprocess.stdout.write(rayvr.json(rayvr.result));")
    done = subprocess.run([NODE, "-e", program], capture_output=True, text=True, encoding="utf-8", timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_turn_and_its_result_are_journaled_types() -> None:
    assert _codec.unpack(_codec.pack(ReadLine())) == ReadLine()
    assert _codec.unpack(_codec.pack(Line(CALLER, None))) == Line(CALLER, None)


def test_its_document_is_valid_and_posts_under_its_own_key() -> None:
    document = render(ReadLine(), CTX)
    root = assert_valid_vxml(document)
    assert [f.get("id") for f in root.xpath("v:form", namespaces=V)] == [None, "rayvrSubmit", "rayvrFailed"]
    assert "rayvr.result.line" in root.xpath("string(v:form[1]/v:block/v:script)", namespaces=V)
    assert render(ReadLine(), replace(CTX, settings=DocumentSettings(lang="fr-FR"))).count(b'xml:lang="fr-FR"') == 1


@needs_node
def test_end_to_end_from_dialogue_to_document_to_browser_script_to_typed_result() -> None:
    t = DialogueTest("caller-line")
    assert t.turn == ReadLine()
    posted = browser_runs(render(t.turn, replace(CTX, settings=t.settings)),
                          {"connection": {"remote": {"uri": CALLER}, "local": {"uri": CALLED}}})
    result = parse_result({"result": posted})
    assert result == Line(CALLER, CALLED)
    t.answer(result)
    assert t.turn == Message(f"You are calling {CALLED} from {CALLER}.", name="greeting")
    t.restart()  # the journal holds a Line; replay must decode it
    t.played()
    assert t.last == Exit(variables={"caller": CALLER, "called": CALLED})
    assert [entry[2] for entry in t.journal if entry[0] == "in"][0] == Line(CALLER, CALLED)


@needs_node
def test_a_platform_without_the_numbers_posts_nulls() -> None:
    posted = browser_runs(render(ReadLine(), CTX), {"connection": {"remote": {}, "local": {}}})
    assert parse_result({"result": posted}) == Line(None, None)


def test_an_event_instead_of_the_numbers_still_reaches_the_dialogue() -> None:
    t = DialogueTest("caller-line")
    result = parse_result({"result": json.dumps({"events": [{"name": "error.semantic", "message": "no session"}],
                                                 "line": None})})
    assert result == Event("error.semantic", "no session")
    t.answer(result)
    assert t.last == Exit(variables={"caller": None})


@pytest.mark.parametrize(("line", "says"), [("tel:1", "line is a string, not an object"),
                                             ({"caller": 42}, "line.caller is not a string")])
def test_its_reader_refuses_what_its_document_never_posts(line: object, says: str) -> None:
    with pytest.raises(BadResult, match=says):
        parse_result({"result": json.dumps({"line": line})})
