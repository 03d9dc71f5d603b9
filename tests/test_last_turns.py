"""Last turns: exit (variables or a value), disconnect, return (variables or an event), goto and submit."""

from __future__ import annotations

import json
from typing import Any

import pytest
from lxml import etree

from browser import declared, needs_node
from gateway.render import RenderContext, render
from runtime import (Call, Disconnect, Exit, Expr, FetchSettings, Goto, LastTurn, Message, Prompt, Return,
                     Submit)
from runtime.testing import DialogueTest
from vxml import assert_valid_vxml

V = "http://www.w3.org/2001/vxml"
NS = {"v": V}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CTX = RenderContext(call_id="call-1", seq=7, submit_url="/calls/call-1/turns/7", root_url="/root.vxml")
TRICKY = "Fish & chips <today> \"quoted\" 'single' café naïve 日本語 العربية Привет 🎉 ok"


def valid(turn: LastTurn) -> etree._Element:
    document = render(turn, CTX)
    assert render(turn, CTX) == document
    root = assert_valid_vxml(document)
    assert root.xpath("v:catch | //v:submit[@namelist='result']", namespaces=NS) == [], \
        "a last turn posts nothing back to rayvr"
    return root


def block_of(root: etree._Element) -> list[tuple[str, dict[str, str]]]:
    [block] = root.xpath("v:form/v:block", namespaces=NS)
    return [(etree.QName(c).localname, dict(c.attrib)) for c in block]


# --- exit --------------------------------------------------------------------------------------


def test_exit_with_a_plain_value_returns_its_literal() -> None:
    root = valid(Exit(value={"outcome": TRICKY, "n": [1, 2.5, None, True]}))
    assert block_of(root) == [("exit", {"expr": json.dumps({"outcome": TRICKY, "n": [1, 2.5, None, True]}).join("()")})]


def test_exit_with_an_expression() -> None:
    root = valid(Exit(value=Expr("session.connection.remote.uri"), message=Message("Bye")))
    assert block_of(root)[-1] == ("exit", {"expr": "session.connection.remote.uri"})
    assert [tag for tag, _ in block_of(root)] == ["prompt", "exit"]


def test_exit_variables_may_be_expressions() -> None:
    root = valid(Exit({"caller": Expr("session.connection.remote.uri"), "n": 1}))
    assert block_of(root) == [("var", {"name": "caller", "expr": "session.connection.remote.uri"}),
                              ("var", {"name": "n", "expr": "1"}), ("exit", {"namelist": "caller n"})]


def test_exit_returns_variables_or_a_value_not_both() -> None:
    with pytest.raises(ValueError, match="either variables or a value"):
        Exit({"a": 1}, value="x")


@pytest.mark.parametrize("value", [float("nan"), {"k": object()}, b"bytes"])
def test_exit_values_are_checked_when_the_turn_is_built(value: Any) -> None:
    with pytest.raises(ValueError, match="the exit value cannot be passed to VoiceXML"):
        Exit(value=value)


@needs_node
def test_exit_value_and_variables_evaluate_to_the_python_values() -> None:
    document = render(Exit(value={"text": TRICKY + "\u2028", "n": -2.5}), CTX)
    [exit_] = assert_valid_vxml(document).xpath("//v:exit", namespaces=NS)
    assert declared(document, exit_.get("expr")) == [{"text": TRICKY + "\u2028", "n": -2.5}]
    document = render(Disconnect({"text": TRICKY, "caller": Expr("session.connection.remote.uri")}), CTX)
    assert declared(document, "text", "caller") == [TRICKY, "tel:+15551234"]


# --- names and values declared by every last turn ------------------------------------------------


@pytest.mark.parametrize("turn", [Exit, Disconnect, Return, lambda variables: Submit("/next", variables)])
@pytest.mark.parametrize(("name", "says"), [
    ("session", "would hide the VoiceXML session scope"), ("application", "would hide the VoiceXML application"),
    ("rayvrResult", "names starting with 'rayvr' are rayvr's own"), ("a b", "cannot be a VoiceXML variable name"),
])
def test_variable_names_are_checked_when_the_turn_is_built(turn: Any, name: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        turn({name: 1})


def test_variables_must_be_a_mapping_with_string_names() -> None:
    with pytest.raises(TypeError, match="must be a mapping"):
        Exit([("a", 1)])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="names must be strings"):
        Disconnect({1: "a"})  # type: ignore[dict-item]


def test_a_closing_message_must_be_a_message() -> None:
    with pytest.raises(TypeError, match="closing message must be a Message"):
        Exit(message="Goodbye")  # type: ignore[arg-type]


# --- return ------------------------------------------------------------------------------------


def test_return_with_variables_and_a_closing_message() -> None:
    root = valid(Return({"postcode": "SW1A 1AA", "tries": 2}, Message(Prompt("Thank you", bargein=False),
                                                                         lang="en-GB")))
    assert block_of(root) == [
        ("prompt", {"bargein": "false", XML_LANG: "en-GB"}),
        ("var", {"name": "postcode", "expr": '"SW1A 1AA"'}), ("var", {"name": "tries", "expr": "2"}),
        ("return", {"namelist": "postcode tries"})]


def test_return_with_nothing() -> None:
    assert block_of(valid(Return())) == [("return", {})]


def test_return_with_an_event_and_its_message() -> None:
    root = valid(Return(event="com.example.postcode.failed", event_message=TRICKY))
    assert block_of(root) == [("return", {"event": "com.example.postcode.failed", "message": TRICKY})]


def test_return_with_an_event_and_message_from_expressions() -> None:
    root = valid(Return(event=Expr("'app.' + reason"), event_message=Expr("detail")))
    assert block_of(root) == [("return", {"eventexpr": "'app.' + reason", "messageexpr": "detail"})]


def test_return_with_an_event_and_no_message() -> None:
    assert block_of(valid(Return(event="cancel"))) == [("return", {"event": "cancel"})]


@pytest.mark.parametrize(("arguments", "error", "says"), [
    ({"variables": {"a": 1}, "event": "x"}, ValueError, "either variables or an event"),
    ({"event_message": "why"}, ValueError, "event_message needs an event"),
    ({"event": "two words"}, ValueError, "returned event name 'two words' must be"),
    ({"event": ""}, ValueError, "returned event name '' must be"),
    ({"event": "é"}, ValueError, "returned event name 'é' must be"),
    ({"event": "x", "event_message": "bell \x07"}, ValueError, "XML cannot carry"),
])
def test_bad_returns_are_refused_when_built(arguments: dict[str, Any], error: type, says: str) -> None:
    with pytest.raises(error, match=says):
        Return(**arguments)


@pytest.mark.parametrize(("source", "error", "says"), [
    ("", ValueError, "cannot be empty"), (" \n", ValueError, "cannot be empty"),
    ("a\x00", ValueError, "XML cannot carry"), (None, TypeError, "must be a string"),
])
def test_expressions_are_checked_when_built(source: Any, error: type, says: str) -> None:
    with pytest.raises(error, match=says):
        Expr(source)


# --- goto --------------------------------------------------------------------------------------


def test_goto_leaves_for_another_document_with_fetch_settings() -> None:
    turn = Goto(f"https://other.example/app.vxml?from=rayvr&x={TRICKY}",
                FetchSettings(timeout_ms=5000, max_age_s=0, max_stale_s=10, hint="safe"),
                fetch_audio="https://other.example/hold.wav", message=Message("Transferring you to the other service."))
    root = valid(turn)
    assert block_of(root)[1:] == [("goto", {
        "next": f"https://other.example/app.vxml?from=rayvr&x={TRICKY}", "fetchtimeout": "5000ms", "maxage": "0",
        "maxstale": "10", "fetchhint": "safe", "fetchaudio": "https://other.example/hold.wav"})]
    assert block_of(root)[0][0] == "prompt"


def test_goto_an_expression() -> None:
    assert block_of(valid(Goto(Expr("application.nextUrl")))) == [("goto", {"expr": "application.nextUrl"})]


@pytest.mark.parametrize(("arguments", "says"), [
    ({"next": ""}, "next document cannot be empty"),
    ({"next": "  "}, "next document cannot be empty"),
    ({"next": "a\x00b"}, "XML cannot carry"),
    ({"next": "/x", "fetch_audio": ""}, "fetch audio cannot be empty"),
])
def test_bad_gotos_are_refused_when_built(arguments: dict[str, Any], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        Goto(**arguments)


# --- submit ------------------------------------------------------------------------------------


def test_submit_declares_and_sends_its_variables_with_method_and_encoding() -> None:
    turn = Submit("https://crm.example/ivr/next?a=1&b=2", {"customer": "1234", "detail": {"tags": ["x", TRICKY]}},
                  method="post", enctype="multipart/form-data", fetch=FetchSettings(timeout_ms=8000),
                  fetch_audio="hold.wav", message=Message("One moment."))
    root = valid(turn)
    tags = block_of(root)
    assert [t for t, _ in tags] == ["prompt", "var", "var", "submit"]
    assert tags[-1] == ("submit", {"next": "https://crm.example/ivr/next?a=1&b=2", "fetchtimeout": "8000ms",
                                   "fetchaudio": "hold.wav", "method": "post", "enctype": "multipart/form-data",
                                   "namelist": "customer detail"})
    assert json.loads(tags[2][1]["expr"].strip("()")) == {"tags": ["x", TRICKY]}


def test_submit_by_get_to_an_expression_without_variables() -> None:
    assert block_of(valid(Submit(Expr("nextUrl"), method="get"))) == [
        ("submit", {"expr": "nextUrl", "method": "get"})]


def test_submit_leaves_method_and_encoding_to_the_browser_when_not_given() -> None:
    assert block_of(valid(Submit("/next", {"a": 1}))) == [
        ("var", {"name": "a", "expr": "1"}), ("submit", {"next": "/next", "namelist": "a"})]


@pytest.mark.parametrize(("arguments", "says"), [
    ({"method": "put"}, "method must be one of 'get', 'post', not 'put'"),
    ({"method": "POST"}, "method must be one of"),
    ({"enctype": "text/plain"}, "enctype must be one of"),
    ({"enctype": "multipart/form-data"}, "multipart/form-data needs method='post'"),
    ({"enctype": "multipart/form-data", "method": "get"}, "multipart/form-data needs method='post'"),
])
def test_bad_submits_are_refused_when_built(arguments: dict[str, Any], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        Submit("/next", **arguments)


@needs_node
def test_submitted_variables_evaluate_to_the_python_values() -> None:
    variables = {"text": TRICKY, "nested": {"a": [1, None, False]}, "caller": Expr("session.connection.remote.uri")}
    document = render(Submit("/next", variables, method="post"), CTX)
    assert declared(document, "text", "nested", "caller") == [TRICKY, {"a": [1, None, False]}, "tel:+15551234"]


# --- in a dialogue -----------------------------------------------------------------------------


class EndsAsAsked:
    """Ends with the last turn named by the start parameter ``end``."""

    async def run(self, call: Call) -> LastTurn:
        await call.turn(Message("Hello"))
        return {
            "return": Return({"done": True}, Message("Back you go.")),
            "return-event": Return(event="app.cancelled", event_message="the caller cancelled"),
            "goto": Goto("https://other.example/app.vxml"),
            "submit": Submit("https://other.example/next", {"from": "rayvr"}, method="post"),
            "exit-value": Exit(value=Expr("'done'")),
        }[call.params["end"]]


@pytest.mark.parametrize("end", ["return", "return-event", "goto", "submit", "exit-value"])
def test_a_dialogue_can_end_with_every_last_turn(end: str) -> None:
    t = DialogueTest(EndsAsAsked, {"end": end})
    t.played()
    assert t.ended
    assert t.journal[-1][:3] == ["out", 2, type(t.last).__name__]
    t.restart()
    assert t.ended and t.reply.turn == t.last
    assert_valid_vxml(render(t.last, CTX))


def test_a_closing_message_is_the_last_turns_text() -> None:
    t = DialogueTest(EndsAsAsked, {"end": "return"})
    t.played()
    assert t.last == Return({"done": True}, Message("Back you go."))
    assert t.text == "Back you go."
