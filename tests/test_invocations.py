"""Subdialog, object and script turns: rendered, validated, executed, and their values read back typed."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from lxml import etree

from browser import needs_node, node, run_turn, ROOT_JS
from gateway.render import RenderContext, render
from gateway.wire import parse_result
from runtime import (HANGUP_EVENT, BadResult, HungUp, Call, Event, Exit, Expr, FetchSettings, Message, ObjectCall, Played,
                     Ref, Script, Subdialog, Value, connection_info, phone_number)
from runtime._codec import pack, unpack
from runtime.testing import DialogueTest
from vxml import assert_valid_vxml, one

V = "http://www.w3.org/2001/vxml"
NS = {"v": V}
CTX = RenderContext(call_id="call-1", seq=5, submit_url="/calls/call-1/turns/5", root_url="/root.vxml")
TRICKY = "Fish & chips <today> \"quoted\" 'single' café naïve 日本語 العربية Привет 🎉 ok"


def valid(turn: Any) -> etree._Element:
    document = render(turn, CTX)
    assert render(turn, CTX) == document, "rendering is not deterministic"
    root = assert_valid_vxml(document)
    assert [f.get("id") for f in root.xpath("v:form", namespaces=NS)] == [None, "rayvrSubmit", "rayvrFailed"]
    return root


def children(element: etree._Element) -> list[tuple[str, dict[str, str]]]:
    return [(etree.QName(c).localname, dict(c.attrib)) for c in element]



def texts(element: etree._Element, path: str) -> list[str]:
    return [e.text for e in element.xpath(path, namespaces=NS)]


# --- subdialog ---------------------------------------------------------------------------------


def test_subdialog_with_every_option() -> None:
    turn = Subdialog("https://apps.example/postcode.vxml?v=2&lang=en#ask",
                     params={"country": "GB", "tries": 3, "limits": {"min": 5, "words": ["a", TRICKY]},
                             "caller": Expr("session.connection.remote.uri"), "greeting": TRICKY,
                             "control": "tab\tand bell\x07"},
                     variables={"account": "A-1", "flags": [True, None]}, method="post",
                     enctype="multipart/form-data",
                     fetch=FetchSettings(timeout_ms=4000, max_age_s=60, max_stale_s=0, hint="prefetch"),
                     fetch_audio="https://apps.example/hold.wav", on_return="var p = returned.postcode;",
                     returns="{postcode: p, all: returned}", name="postcode")
    root = valid(turn)
    form = one(root, "v:form[1]")
    assert children(form)[:2] == [("var", {"name": "account", "expr": '"A-1"'}),
                                  ("var", {"name": "flags", "expr": "[true, null]"})]
    item = one(form, "v:subdialog")
    assert dict(item.attrib) == {
        "name": "returned", "src": "https://apps.example/postcode.vxml?v=2&lang=en#ask", "fetchtimeout": "4000ms",
        "maxage": "60", "maxstale": "0", "fetchhint": "prefetch", "fetchaudio": "https://apps.example/hold.wav",
        "method": "post", "enctype": "multipart/form-data", "namelist": "account flags"}
    params = {p.get("name"): dict(p.attrib) for p in item.xpath("v:param", namespaces=NS)}
    assert params == {
        "country": {"name": "country", "value": "GB"},
        "tries": {"name": "tries", "expr": "3"},
        "limits": {"name": "limits", "expr": "(" + json.dumps({"min": 5, "words": ["a", TRICKY]}) + ")"},
        "caller": {"name": "caller", "expr": "session.connection.remote.uri"},
        "greeting": {"name": "greeting", "value": TRICKY},
        "control": {"name": "control", "expr": '"tab\\tand bell\\u0007"'},
    }
    filled = one(item, "v:filled")
    assert children(filled) == [("script", {}), ("script", {}), ("goto", {"next": "#rayvrSubmit"})]
    assert texts(filled, "v:script") == ["var p = returned.postcode;", "rayvr.value(({postcode: p, all: returned}));"]


def test_subdialog_by_expression_with_defaults() -> None:
    root = valid(Subdialog(Expr("application.componentUrl + '?x=1'")))
    form = one(root, "v:form[1]")
    assert children(form) == [("subdialog", {"name": "returned", "srcexpr": "application.componentUrl + '?x=1'"})]
    assert texts(form, "v:subdialog/v:filled/v:script") == ["rayvr.value((returned));"]


@pytest.mark.parametrize(("arguments", "error", "says"), [
    ({"src": ""}, ValueError, "subdialog's source cannot be empty"),
    ({"src": None}, TypeError, "subdialog's source must be a string"),
    ({"params": {"a-b": 1}}, ValueError, "'a-b' cannot be a VoiceXML variable name"),
    ({"params": {"x": {1, 2}}}, ValueError, "subdialog parameter 'x' cannot be passed to VoiceXML"),
    ({"params": {"x": Ref("a.txt")}}, ValueError, "subdialog parameter 'x' cannot be passed"),
    ({"params": [("x", 1)]}, TypeError, "parameters must be a dict"),
    ({"variables": {"returned": 1}}, ValueError, "would hide what the subdialog returns"),
    ({"variables": {"session": 1}}, ValueError, "would hide the VoiceXML session scope"),
    ({"variables": {"rayvrX": 1}}, ValueError, "are rayvr's own"),
    ({"variables": {"x": float("inf")}}, ValueError, "submitted variable 'x' cannot be passed"),
    ({"method": "put"}, ValueError, "method must be one of"),
    ({"enctype": "multipart/form-data"}, ValueError, "needs method='post'"),
    ({"fetch": {"timeout_ms": 1}}, TypeError, "fetch settings must be FetchSettings"),
    ({"fetch_audio": ""}, ValueError, "fetch audio cannot be empty"),
    ({"on_return": " "}, ValueError, "on_return script cannot be empty"),
    ({"returns": ""}, ValueError, "returns expression cannot be empty"),
    ({"on_return": "x = '\x00';"}, ValueError, "XML cannot carry"),
])
def test_bad_subdialogs_are_refused_when_built(arguments: dict[str, Any], error: type, says: str) -> None:
    arguments = {"src": "sub.vxml", **arguments}
    with pytest.raises(error, match=says):
        Subdialog(**arguments)


# --- object ------------------------------------------------------------------------------------


def test_object_with_every_option() -> None:
    turn = ObjectCall("method://credit-card/gather", data="https://objects.example/card.dat?k=1&j=2",
                      params={"amount": 12.5, "currency": "EUR", "grammar": Ref("https://g.example/card.grxml",
                                                                                 "application/srgs+xml"),
                              "plain-ref": Ref("https://objects.example/config"), "caller": Expr("session.x"),
                              "ns:name.v1": True},
                      type="application/x-card", codetype="application/x-gather", codebase="https://objects.example/",
                      archive=("lib/a.jar", "lib/b.jar"), fetch=FetchSettings(timeout_ms=3000, hint="safe"),
                      on_return="var n = returned.number;", returns="n", name="card")
    item = one(valid(turn), "v:form[1]/v:object")
    assert dict(item.attrib) == {
        "name": "returned", "classid": "method://credit-card/gather", "codebase": "https://objects.example/",
        "data": "https://objects.example/card.dat?k=1&j=2", "type": "application/x-card",
        "codetype": "application/x-gather", "archive": "lib/a.jar lib/b.jar", "fetchtimeout": "3000ms",
        "fetchhint": "safe"}
    assert [dict(p.attrib) for p in item.xpath("v:param", namespaces=NS)] == [
        {"name": "amount", "expr": "12.5"},
        {"name": "currency", "value": "EUR"},
        {"name": "grammar", "value": "https://g.example/card.grxml", "valuetype": "ref",
         "type": "application/srgs+xml"},
        {"name": "plain-ref", "value": "https://objects.example/config", "valuetype": "ref"},
        {"name": "caller", "expr": "session.x"},
        {"name": "ns:name.v1", "expr": "true"},
    ]
    assert texts(item, "v:filled/v:script") == ["var n = returned.number;", "rayvr.value((n));"]


def test_object_with_data_only_and_one_archive() -> None:
    turn = ObjectCall(data="https://objects.example/weather", archive="lib/w.jar")
    assert turn.archive == ("lib/w.jar",)
    item = one(valid(turn), "v:form[1]/v:object")
    assert dict(item.attrib) == {"name": "returned", "data": "https://objects.example/weather", "archive": "lib/w.jar"}


@pytest.mark.parametrize(("arguments", "error", "says"), [
    ({}, ValueError, "needs a classid, a data URI, or both"),
    ({"classid": ""}, ValueError, "classid cannot be empty"),
    ({"classid": "x", "archive": ("a b.jar",)}, ValueError, "cannot hold white space"),
    ({"classid": "x", "archive": (1,)}, TypeError, "archive URI must be a string"),
    ({"classid": "x", "params": {"two words": 1}}, ValueError, "object parameter 'two words' must be"),
    ({"classid": "x", "params": {"p": object()}}, ValueError, "object parameter 'p' cannot be passed"),
    ({"classid": "x", "type": "a\x01"}, ValueError, "XML cannot carry"),
    ({"classid": "x", "returns": "  "}, ValueError, "returns expression cannot be empty"),
])
def test_bad_objects_are_refused_when_built(arguments: dict[str, Any], error: type, says: str) -> None:
    with pytest.raises(error, match=says):
        ObjectCall(**arguments)


def test_bad_references_are_refused_when_built() -> None:
    with pytest.raises(ValueError, match="URI cannot be empty"):
        Ref("")
    with pytest.raises(ValueError, match="XML cannot carry"):
        Ref("a", "text/\x02")


# --- script ------------------------------------------------------------------------------------


def test_script_with_variables_a_fetched_script_code_and_a_value() -> None:
    turn = Script("var total = lib.sum(amounts);", src="https://scripts.example/lib.js?v=3&x=1",
                  variables={"amounts": [1, 2.5], "label": TRICKY, "caller": Expr("session.connection.remote.uri")},
                  returns="{total: total, label: label}", charset="UTF-8",
                  fetch=FetchSettings(timeout_ms=2000, max_age_s=300), name="sum")
    block = one(valid(turn), "v:form[1]/v:block")
    assert children(block) == [
        ("var", {"name": "amounts", "expr": "[1, 2.5]"}),
        ("var", {"name": "label", "expr": json.dumps(TRICKY)}),
        ("var", {"name": "caller", "expr": "session.connection.remote.uri"}),
        ("script", {"src": "https://scripts.example/lib.js?v=3&x=1", "charset": "UTF-8", "fetchtimeout": "2000ms",
                    "maxage": "300"}),
        ("script", {}), ("script", {}), ("goto", {"next": "#rayvrSubmit"})]
    assert texts(block, "v:script")[1:] == ["var total = lib.sum(amounts);",
                                            "rayvr.value(({total: total, label: label}));"]


def test_script_code_only_gives_back_null() -> None:
    block = one(valid(Script(f"var said = {json.dumps(TRICKY)} + ' & <done>';")), "v:form[1]/v:block")
    assert texts(block, "v:script") == [f"var said = {json.dumps(TRICKY)} + ' & <done>';", "rayvr.value(null);"]


def test_script_from_an_expression_url() -> None:
    block = one(valid(Script(src=Expr("application.libUrl"))), "v:form[1]/v:block")
    assert children(block)[0] == ("script", {"srcexpr": "application.libUrl"})


@pytest.mark.parametrize(("arguments", "error", "says"), [
    ({}, ValueError, "needs code, a src URL or a returns expression"),
    ({"code": ""}, ValueError, "code cannot be empty"),
    ({"code": "x", "charset": "UTF-8"}, ValueError, "give a src"),
    ({"code": "x", "fetch": FetchSettings(timeout_ms=1)}, ValueError, "give a src"),
    ({"src": "a.js", "charset": "utf 8"}, ValueError, "charset 'utf 8' must be"),
    ({"src": ""}, ValueError, "src cannot be empty"),
    ({"returns": "x", "variables": {"var": 1}}, ValueError, "cannot be a VoiceXML variable name"),
    ({"returns": "x", "variables": {"document": 1}}, ValueError, "would hide the VoiceXML document scope"),
    ({"returns": "x", "variables": {"v": float("nan")}}, ValueError, "script variable 'v' cannot be passed"),
])
def test_bad_scripts_are_refused_when_built(arguments: dict[str, Any], error: type, says: str) -> None:
    with pytest.raises(error, match=says):
        Script(**arguments)


# --- executed in the browser: from the document to the typed result --------------------------------


@needs_node
def test_a_script_value_reaches_the_dialogue_as_plain_data() -> None:
    turn = Script("var greeting = label + '!'; var n = amounts.length;",
                  variables={"label": TRICKY, "amounts": [1, 2.5, -3], "nothing": None, "detail": {"ok": True}},
                  returns="{greeting: greeting, n: n, amounts: amounts, nothing: nothing, detail: detail, "
                          "half: 0.5, undef: undefined, text: new String('boxed'), f: function () {}}")
    result = run_turn(render(turn, CTX))
    assert result == Value({"greeting": TRICKY + "!", "n": 3, "amounts": [1, 2.5, -3], "nothing": None,
                            "detail": {"ok": True}, "half": 0.5, "undef": None, "text": "boxed"})
    assert isinstance(result.value["n"], int) and isinstance(result.value["half"], float)


@needs_node
@pytest.mark.parametrize(("returns", "value"), [
    ("'text'", "text"), ("42", 42), ("-0.25", -0.25), ("true", True), ("null", None), ("undefined", None),
    ("[1, [2, []], {}]", [1, [2, []], {}]), ("1, 2", 2), ("1 / 0", None), (repr(TRICKY + "\u2028"), TRICKY + "\u2028"),
])
def test_every_kind_of_value(returns: str, value: Any) -> None:
    assert run_turn(render(Script(returns=returns), CTX)) == Value(value)


@needs_node
def test_a_script_without_returns_gives_back_none() -> None:
    assert run_turn(render(Script("var x = 1;"), CTX)) == Value(None)


@needs_node
def test_a_fetched_script_runs_before_the_code() -> None:
    turn = Script("var total = lib.sum(amounts);", src="https://scripts.example/lib.js", variables={"amounts": [1, 2]},
                  returns="total")
    lib = "var lib = {sum: function (xs) { var t = 0, i; for (i = 0; i < xs.length; i += 1) { t += xs[i]; } return t; }};"
    assert run_turn(render(turn, CTX), scripts={"https://scripts.example/lib.js": lib}) == Value(3)


@needs_node
def test_a_failing_script_gives_back_error_semantic() -> None:
    result = run_turn(render(Script("noSuchFunction();", returns="1"), CTX))
    assert isinstance(result, Event) and result.matches("error.semantic")
    assert "noSuchFunction" in result.message


@needs_node
def test_cyclic_and_deep_values_are_cut_off_rather_than_breaking_the_post() -> None:
    turn = Script("var a = {name: 'a'}; a.self = a; var deep = []; var d = deep, i;"
                  "for (i = 0; i < 40; i += 1) { d.push([]); d = d[0]; }", returns="{a: a, deep: deep}")
    value = run_turn(render(turn, CTX)).value
    level, depth = value["a"], 1
    while level is not None:
        assert level["name"] == "a"
        level, depth = level["self"], depth + 1
    assert depth == 32, "objects are cut off at 32 levels"
    assert json.dumps(value["deep"]).count("[") == 31


@needs_node
def test_connection_info_reads_the_session_connection_family() -> None:
    session = {"connection": {
        "local": {"uri": "tel:+442079460000"}, "remote": {"uri": "tel:+44 7700 900123"},
        "protocol": {"name": "sip", "version": "2.0"}, "aai": TRICKY,
        "redirect": [{"uri": "tel:+15550001", "pi": 0, "si": 3, "reason": "unconditional"}, {"uri": "tel:+15550002"}],
    }}
    program_session = dict(session)
    document = render(connection_info(), CTX)
    result = run_turn(document, session=program_session)
    assert result == Value({
        "caller": "tel:+44 7700 900123", "called": "tel:+442079460000", "protocol": "sip", "protocol_version": "2.0",
        "redirect": [{"uri": "tel:+15550001", "pi": "0", "si": "3", "reason": "unconditional"},
                     {"uri": "tel:+15550002", "pi": None, "si": None, "reason": None}],
        "aai": TRICKY, "originator": None})
    assert phone_number(result.value["caller"]) == "+447700900123"


@needs_node
def test_connection_info_names_the_originator_and_tolerates_a_bare_session() -> None:
    document = render(connection_info(), CTX)
    program = "session.connection = {local: {uri: 'sip:ivr@pbx'}, remote: {uri: 'sip:+15551234@carrier'}};" \
              "session.connection.originator = session.connection.remote;"
    root = assert_valid_vxml(document)
    [block] = root.xpath("v:form[1]/v:block", namespaces=NS)
    body = "\n".join(s.text for s in block.xpath("v:script", namespaces=NS))
    posted = node("\n".join([ROOT_JS, "var session = {};", program, "rayvr.reset();", body,
                             "process.stdout.write(rayvr.json(rayvr.result));"]))
    value = parse_result({"result": posted}).value
    assert (value["caller"], value["called"], value["originator"]) == ("sip:+15551234@carrier", "sip:ivr@pbx", "remote")
    assert run_turn(document, session={}) == Value({"caller": None, "called": None, "protocol": None,
                                                    "protocol_version": None, "redirect": [], "aai": None,
                                                    "originator": None})


@needs_node
def test_a_subdialog_return_value_reaches_the_dialogue() -> None:
    turn = Subdialog("postcode.vxml", on_return="var postcode = String(returned.postcode).replace(/\\s+/g, '')"
                                                ".toUpperCase();", returns="{postcode: postcode, city: returned.city}")
    result = run_turn(render(turn, CTX), returned=json.dumps({"postcode": " sw1a 1aa ", "city": "Zürich 🎉"}))
    assert result == Value({"postcode": "SW1A1AA", "city": "Zürich 🎉"})


@needs_node
def test_the_whole_returned_object_by_default() -> None:
    returned = {"postcode": "75001", "tries": 2, "confirmed": True, "alternatives": ["75002"], "note": TRICKY}
    assert run_turn(render(Subdialog("postcode.vxml"), CTX), returned=json.dumps(returned)) == Value(returned)


@needs_node
def test_an_object_result_reaches_the_dialogue() -> None:
    turn = ObjectCall("method://card", on_return="var last4 = returned.number.slice(-4);", returns="last4")
    assert run_turn(render(turn, CTX), returned="{number: '4111111111111111'}") == Value("1111")


@needs_node
def test_an_on_return_error_is_error_semantic() -> None:
    result = run_turn(render(Subdialog("s.vxml", returns="returned.a.b"), CTX), returned="{}")
    assert isinstance(result, Event) and result.name == "error.semantic"


# --- the posted value, read by the gateway -------------------------------------------------------


def post(result: Any) -> dict[str, str]:
    return {"result": json.dumps(result, ensure_ascii=False)}


@pytest.mark.parametrize("data", [
    None, True, False, 0, -7, 2 ** 53, 1.5, "", TRICKY, [], {}, [1, "two", None, [3.5]],
    {"postcode": "SW1A 1AA", "nested": {"list": [{"k": TRICKY}]}, "": "empty key"},
])
def test_values_are_read_as_plain_data_and_journal_unchanged(data: Any) -> None:
    result = parse_result(post({"events": [], "recognition": [], "mark": None, "value": {"data": data}}))
    assert result == Value(data)
    assert type(result.value) is type(data)
    assert unpack(pack(result)) == result


def test_an_event_wins_over_a_value() -> None:
    # A subdialog that returns an event: the catch-all records it; no value is set.
    posted = post({"events": [{"name": "com.example.cancelled", "message": TRICKY}], "value": {"data": 1}})
    assert parse_result(posted) == Event("com.example.cancelled", TRICKY)
    hung_up = post({"events": [{"name": "error.semantic", "message": ""}, {"name": HANGUP_EVENT, "message": ""}],
                    "value": {"data": 1}})
    # The caller is gone; what was collected before the hang-up travels with it.
    assert parse_result(hung_up) == HungUp(partial=Value(1))


def test_integers_the_journal_cannot_hold_become_floats_as_in_ecmascript() -> None:
    result = parse_result({"result": '{"value": {"data": [18446744073709551616, -9223372036854775809, 5]}}'})
    assert result == Value([1.8446744073709552e19, -9.223372036854776e18, 5])
    assert unpack(pack(result)) == result


@pytest.mark.parametrize(("raw", "says"), [
    ('{"value": 3}', "value is a number, not an object"),
    ('{"value": []}', "value is a list, not an object"),
    ('{"value": {}}', "value has no 'data'"),
    ('{"value": {"data": ' + "[" * 70 + "]" * 70 + "}}", "nested more than 64 levels deep"),
    ('{"value": {"data": 1' + "0" * 400 + "}}", "too large for ECMAScript"),
])
def test_malformed_values_are_bad_results(raw: str, says: str) -> None:
    with pytest.raises(BadResult, match=says):
        parse_result({"result": raw})


def test_a_null_value_key_is_no_value() -> None:
    # rayvr.value always posts an object; a bare null is a document that set no value.
    assert parse_result({"result": '{"value": null}'}) == Played()


def test_the_connection_script_is_ecmascript_3() -> None:
    code = connection_info().code or ""
    forbidden = {r"\blet\b": "let", r"\bconst\b": "const", r"=>": "arrow function", r"\bJSON\b": "JSON object",
                 r"`": "template literal", r"\.(isArray|keys|forEach|map|filter|trim)\b": "ES5 method",
                 r",\s*[}\]]": "trailing comma"}
    assert [what for pattern, what in forbidden.items() if re.search(pattern, code)] == []


# --- phone numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(("uri", "number"), [
    ("tel:+1-201-555-0123", "+12015550123"), ("tel:+44 (20) 7946.0958;ext=12", "+442079460958"),
    ("sip:+15551234@carrier.example;user=phone", "+15551234"), ("SIPS:0123@pbx", "0123"), ("5551234", "5551234"),
    ("tel:*31#", "*31#"), ("sip:alice@example.com", None), ("anonymous", None), ("mailto:1234@x", None),
    ("", None), (None, None), ("tel:", None), ("tel:abcd", None),
])
def test_phone_number(uri: str | None, number: str | None) -> None:
    assert phone_number(uri) == number


# --- in a dialogue -----------------------------------------------------------------------------


class Lookup:
    """Reads the caller's number with a script, then calls a subdialog and exits with what it returned."""

    async def run(self, call: Call) -> Exit:
        info = await call.turn(connection_info())
        caller = phone_number(info.value["caller"]) if isinstance(info, Value) else None
        answer = await call.turn(Subdialog("https://apps.example/lookup.vxml", variables={"caller": caller},
                                           name="lookup"))
        if isinstance(answer, Event):
            return Exit({"error": answer.name, "why": answer.message})
        await call.turn(Message("Thanks."))
        return Exit({"caller": caller, "found": answer.value})


def test_dialogue_test_answers_with_values() -> None:
    t = DialogueTest(Lookup)
    assert t.turn == connection_info()
    t.value({"caller": "tel:+15551234", "called": None})
    assert isinstance(t.turn, Subdialog) and t.turn.variables == {"caller": "+15551234"}
    t.value({"account": ("A", 1), 7: "seven"})
    t.restart()
    t.played()
    assert t.last.variables == {"caller": "+15551234", "found": {"account": ["A", 1], "7": "seven"}}, \
        "values reach the dialogue as the browser would post them: lists, string keys"
    assert [entry[2] for entry in t.journal if entry[0] == "in"] == [
        Value({"caller": "tel:+15551234", "called": None}), Value({"account": ["A", 1], "7": "seven"}), Played()]


def test_a_returned_event_reaches_the_dialogue_typed() -> None:
    t = DialogueTest(Lookup)
    t.value({"caller": None})
    t.event("com.example.lookup.failed", TRICKY)
    assert t.last.variables == {"error": "com.example.lookup.failed", "why": TRICKY}


def test_dialogue_test_refuses_values_a_browser_could_not_post() -> None:
    t = DialogueTest(Lookup)
    with pytest.raises(ValueError):
        t.value(float("nan"))
    with pytest.raises(TypeError):
        t.value({1, 2})
