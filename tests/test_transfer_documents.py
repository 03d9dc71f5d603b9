"""gateway.transfers: transfer documents (validated, golden) and their outcomes read back into typed results.

The ``<filled>`` script of a rendered document is executed with root.js in
node, with the variables a browser would set, and what it posts is read back
with gateway.wire.parse_result.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from lxml import etree

from gateway.render import RenderContext, render
from gateway.wire import parse_result
from golden import assert_golden
from runtime import (BadResult, BlindTransfer, HungUp, BridgeTransfer, ConsultationTransfer, Event, Grammar, Hypothesis,
                     InlineGrammar, Mark, MarkReached, Prompt, Recognition, SayAs, TransferFailed, TransferResult,
                     TransferStatus)
from test_render import CTX, TRICKY, evaluate, needs_node, one, spoken, valid, xpath

V = "http://www.w3.org/2001/vxml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
GOLDEN_CTX = RenderContext(call_id="c0ffee", seq=3, submit_url="/calls/c0ffee/turns/3", root_url="/root.vxml")
STAR = InlineGrammar.choices({"*": "cancel"})
SAY_CANCEL = InlineGrammar.choices({"cancel": "cancel", "stop": "cancel"}, mode="voice")
ALL_STATUSES = [s.value for s in TransferStatus]


def transfer_element(root: etree._Element) -> etree._Element:
    return one(root, "v:form[1]/v:transfer")


# --- documents ---------------------------------------------------------------------------------


def test_a_bridge_transfer_renders_every_option() -> None:
    turn = BridgeTransfer("Please hold.", Prompt("Connecting.", bargein=False, lang="fr-FR"), dest="tel:+15551234567",
                          aai="customer=42", connect_timeout_ms=20000, max_time_ms=600000,
                          transfer_audio="https://example.com/hold.wav?a=1&b=2", cancel_dtmf=STAR,
                          cancel_speech=[Grammar("https://example.com/cancel.grxml", weight=0.5)], lang="en-GB")
    document, root = valid(turn)
    assert root.get(XML_LANG) == "en-GB"
    assert [f.get("id") for f in xpath(root, "v:form")] == [None, "rayvrSubmit", "rayvrFailed"]
    item = transfer_element(root)
    assert dict(item.attrib) == {"name": "rayvrTransfer", "type": "bridge", "dest": "tel:+15551234567",
                                 "aai": "customer=42", "connecttimeout": "20000ms", "maxtime": "600000ms",
                                 "transferaudio": "https://example.com/hold.wav?a=1&b=2"}
    assert b'transferaudio="https://example.com/hold.wav?a=1&amp;b=2"' in document
    assert "bridge" not in item.attrib, "VoiceXML 2.1 allows type or bridge, not both"
    assert [etree.QName(c).localname for c in item] == ["grammar", "grammar", "prompt", "prompt", "filled"]
    inline, by_url = xpath(item, "v:grammar")
    assert (inline.get("mode"), inline.get("root")) == ("dtmf", "dtmfChoice")
    assert by_url.attrib == {"src": "https://example.com/cancel.grxml", "mode": "voice", "weight": "0.5"}
    assert [(p.get("bargein"), p.get(XML_LANG), spoken(p)) for p in xpath(item, "v:prompt")] == [
        ("true", None, "Please hold."), ("false", "fr-FR", "Connecting.")]
    filled = one(item, "v:filled")
    assert one(filled, "v:script").text == (
        "rayvr.transfer(rayvrTransfer, rayvrTransfer$, application.lastresult$);")
    assert one(filled, "v:goto").get("next") == "#rayvrSubmit"


def test_a_blind_transfer_renders_only_what_it_allows() -> None:
    _, root = valid(BlindTransfer("Transferring.", dest="sip:sales@example.com", aai="x=1", cancel_dtmf=STAR))
    item = transfer_element(root)
    assert dict(item.attrib) == {"name": "rayvrTransfer", "type": "blind", "dest": "sip:sales@example.com",
                                 "aai": "x=1"}
    assert [etree.QName(c).localname for c in item] == ["grammar", "prompt", "filled"]


def test_a_consultation_transfer_with_expressions() -> None:
    turn = ConsultationTransfer(dest_expr="session.connection.redirect[0].uri", aai_expr="'call=' + session.id",
                                connect_timeout_ms=15000, transfer_audio="ring.wav")
    _, root = valid(turn)
    assert dict(transfer_element(root).attrib) == {
        "name": "rayvrTransfer", "type": "consultation", "destexpr": "session.connection.redirect[0].uri",
        "aaiexpr": "'call=' + session.id", "connecttimeout": "15000ms", "transferaudio": "ring.wav"}


def test_a_transfer_without_prompts_or_grammars_only_records_its_outcome() -> None:
    _, root = valid(BridgeTransfer(dest="tel:+1555", max_time_ms=0))
    item = transfer_element(root)
    assert item.get("maxtime") == "0ms"
    assert [etree.QName(c).localname for c in item] == ["filled"]


def test_tricky_text_survives_in_prompts_and_attributes() -> None:
    turn = BridgeTransfer(Prompt(TRICKY, SayAs(TRICKY, "characters")), dest="sip:josé@ejemplo.es;x=a&b",
                          aai=TRICKY, transfer_audio=f"hold.wav?q=é&x=<{TRICKY.count(' ')}>",
                          cancel_speech=SAY_CANCEL)
    document, root = valid(turn)
    item = transfer_element(root)
    assert (item.get("dest"), item.get("aai")) == ("sip:josé@ejemplo.es;x=a&b", TRICKY)
    assert item.get("transferaudio") == turn.transfer_audio
    assert spoken(one(item, "v:prompt")) == TRICKY + TRICKY
    assert "日本語 العربية Привет 🎉".encode() in document


def test_the_cancel_grammars_keep_rule_ids_apart_and_the_goto_targets_exist() -> None:
    _, root = valid(BridgeTransfer(dest="tel:+1555", cancel_dtmf=STAR, cancel_speech=SAY_CANCEL))
    assert xpath(root, "//v:rule/@id") == ["dtmfChoice", "voiceChoice"]
    ids = {f"#{form.get('id')}" for form in xpath(root, "v:form[@id]")}
    assert {g.get("next") for g in xpath(root, "//v:goto")} <= ids
    with pytest.raises(ValueError, match="used twice in one turn"):
        render(BridgeTransfer(dest="tel:+1555", cancel_dtmf=[STAR, STAR]), CTX)
    with pytest.raises(ValueError, match="'m' is used twice"):
        render(BridgeTransfer(Prompt(Mark("m")), Prompt(Mark("m")), dest="tel:+1555"), CTX)


GOLDEN = {
    "transfer-blind": BlindTransfer(dest="tel:+15550100"),
    "transfer-blind-all-options": BlindTransfer(
        "Transferring you to sales & billing.", dest="sip:sales@example.com", aai="ticket=42&lang=fr",
        cancel_dtmf=STAR, cancel_speech=SAY_CANCEL, name="to-sales"),
    "transfer-blind-expressions": BlindTransfer(dest_expr="session.connection.redirect[0].uri",
                                                aai_expr="'origin=' + session.connection.local.uri"),
    "transfer-bridge": BridgeTransfer(dest="tel:+15550100"),
    "transfer-bridge-all-options": BridgeTransfer(
        Prompt("Please hold, Zoë <3", bargein=False), "Press star to stop waiting.", dest="tel:+15550100",
        aai="customer=1234", connect_timeout_ms=20000, max_time_ms=1800000,
        transfer_audio="https://example.com/audio/hold.wav", cancel_dtmf=STAR,
        cancel_speech=[Grammar("https://example.com/g/cancel.grxml"), SAY_CANCEL], lang="en-GB"),
    "transfer-bridge-expressions-no-limit": BridgeTransfer(dest_expr="agentLine", aai_expr="'q=' + queue",
                                                          max_time_ms=0),
    "transfer-consultation": ConsultationTransfer(dest="tel:+15550100"),
    "transfer-consultation-all-options": ConsultationTransfer(
        Prompt("Un instant, s'il vous plaît.", lang="fr-CA"), dest="sip:support@example.com;transport=tls",
        aai="café=1 & 日本語 🎉", connect_timeout_ms=15000, transfer_audio="ring.wav", cancel_dtmf=STAR),
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_transfer_documents_match_their_golden_documents(name: str) -> None:
    assert_golden(name, render(GOLDEN[name], GOLDEN_CTX))


# --- reading the outcome -----------------------------------------------------------------------


def post(transfer: Any = None, events: list[dict[str, str]] | None = None, recognition: list[Any] | None = None,
         mark: Any = None) -> dict[str, str]:
    result: dict[str, Any] = {"events": events or [], "recognition": recognition or [], "mark": mark}
    if transfer is not None:
        result["transfer"] = transfer
    return {"result": json.dumps(result, ensure_ascii=False)}


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_every_status_reads_back_typed(status: str) -> None:
    result = parse_result(post({"status": status, "duration": 17}))
    assert result == TransferResult(TransferStatus(status), 17.0)
    assert result.status is TransferStatus(status) and result.vendor_status is None


@pytest.mark.parametrize(("duration", "seconds"), [(0, 0.0), (42, 42.0), (12.5, 12.5), ("30", 30.0), (None, 0.0)])
def test_the_duration_is_in_seconds(duration: Any, seconds: float) -> None:
    assert parse_result(post({"status": "far_end_disconnect", "duration": duration})).duration_s == seconds


def test_a_missing_duration_counts_as_zero() -> None:
    assert parse_result(post({"status": "busy"})) == TransferResult(TransferStatus.BUSY)


def test_statuses_in_other_spellings_or_outside_the_list_are_kept() -> None:
    assert parse_result(post({"status": "NEAR_END_DISCONNECT", "duration": 3})) == TransferResult(
        TransferStatus.NEAR_END_DISCONNECT, 3.0)
    assert parse_result(post({"status": " Busy "})).status is TransferStatus.BUSY
    machine = parse_result(post({"status": "far_end_machine", "duration": 0}))
    assert machine == TransferResult(TransferStatus.UNKNOWN, 0.0, vendor_status="far_end_machine")


def test_a_cancelled_transfer_carries_the_callers_input_and_mark() -> None:
    result = parse_result(post({"status": "near_end_disconnect", "duration": 0},
                               recognition=[{"utterance": "*", "interpretation": "cancel", "confidence": 1,
                                             "inputmode": "dtmf"}], mark={"name": "hold", "time": 900}))
    assert result == TransferResult(TransferStatus.NEAR_END_DISCONNECT, 0.0, Recognition(
        (Hypothesis("*", "cancel", 1.0, "dtmf"),), MarkReached("hold", 900)))


@pytest.mark.parametrize(("transfer", "says"), [
    ("busy", "transfer is a string, not an object"),
    ({}, "transfer has no 'status'"),
    ({"status": 3}, "transfer.status is a number, not a string"),
    ({"status": "busy", "duration": -1}, "not a number of seconds"),
    ({"status": "busy", "duration": "long"}, "not a number"),
    ({"status": "busy", "duration": True}, "not a number"),
])
def test_malformed_transfer_results_are_refused(transfer: Any, says: str) -> None:
    with pytest.raises(BadResult, match=says):
        parse_result(post(transfer))


def test_a_bad_cancel_recognition_is_refused() -> None:
    with pytest.raises(BadResult, match=r"recognition\[0\].inputmode"):
        parse_result(post({"status": "near_end_disconnect"}, recognition=[
            {"utterance": "*", "interpretation": "*", "confidence": 1, "inputmode": "keys"}]))


@pytest.mark.parametrize(("name", "expected"), [
    ("connection.disconnect.transfer", Event("connection.disconnect.transfer", "détail")),
    ("error.connection.noauthorization", TransferFailed("error.connection.noauthorization", "détail")),
    ("error.connection.baddestination", TransferFailed("error.connection.baddestination", "détail")),
    ("error.connection.noroute", TransferFailed("error.connection.noroute", "détail")),
    ("error.connection.noresource", TransferFailed("error.connection.noresource", "détail")),
    ("error.connection.protocol.503", TransferFailed("error.connection.protocol.503", "détail")),
    ("error.unsupported.transfer.blind", TransferFailed("error.unsupported.transfer.blind", "détail")),
    ("error.unsupported.transfer.consultation", TransferFailed("error.unsupported.transfer.consultation", "détail")),
    ("error.unsupported.uri", Event("error.unsupported.uri", "détail")),
])
def test_transfer_events_read_back_typed(name: str, expected: Event) -> None:
    result = parse_result(post(events=[{"name": name, "message": "détail"}]))
    assert result == expected and type(result) is type(expected)


def test_an_event_wins_over_a_recorded_status_and_a_hang_up_over_everything() -> None:
    events = [{"name": "error.connection.noroute", "message": ""}]
    assert type(parse_result(post({"status": "unknown"}, events))) is TransferFailed
    events.append({"name": "connection.disconnect.hangup", "message": ""})
    hung_up = parse_result(post({"status": "unknown"}, events))
    assert isinstance(hung_up, HungUp) and hung_up.name == "connection.disconnect.hangup"
    assert hung_up.partial.status is TransferStatus.UNKNOWN


# --- the document's script, executed -----------------------------------------------------------


def filled_script() -> str:
    _, root = valid(BridgeTransfer(dest="tel:+1555"))
    return one(root, "//v:transfer/v:filled/v:script").text


def browser_transfer(status: str, shadow: str, lastresult: str = "undefined") -> Any:
    """What the document posts after its <filled> ran with these browser values (ECMAScript source)."""
    script = (f"rayvr.reset(); var rayvrTransfer = {status}; var rayvrTransfer$ = {shadow};"
              f" var application = {{'lastresult$': {lastresult}}}; {filled_script()}"
              " return rayvr.json(rayvr.result);")
    [posted] = evaluate(f"(function () {{ {script} }})()")
    return parse_result({"result": posted})


DTMF_CANCEL = "[{utterance: '*', interpretation: 'cancel', confidence: 1, inputmode: 'dtmf'}]"


@needs_node
@pytest.mark.parametrize(("status", "shadow", "lastresult", "expected"), [
    ("'busy'", "{duration: 0}", "undefined", TransferResult(TransferStatus.BUSY)),
    ("'far_end_disconnect'", "{duration: 125}", "undefined", TransferResult(TransferStatus.FAR_END_DISCONNECT, 125)),
    ("'maxtime_disconnect'", "{duration: '1800'}", "undefined",
     TransferResult(TransferStatus.MAXTIME_DISCONNECT, 1800)),
    ("'noanswer'", "{}", "undefined", TransferResult(TransferStatus.NO_ANSWER)),
    ("undefined", "undefined", "undefined", TransferResult(TransferStatus.UNKNOWN)),
    ("new String('network_busy')", "{duration: null}", "null", TransferResult(TransferStatus.NETWORK_BUSY)),
    ("'far_end_machine'", "{duration: 0}", "undefined",
     TransferResult(TransferStatus.UNKNOWN, vendor_status="far_end_machine")),
    # A cancel grammar matched: application.lastresult$ holds the same input, with its interpretation.
    ("'near_end_disconnect'", "{duration: 0, inputmode: 'dtmf', utterance: '*'}",
     "(function () { var r = " + DTMF_CANCEL + "; r.markname = 'hold'; r.marktime = 700; return r; })()",
     TransferResult(TransferStatus.NEAR_END_DISCONNECT, 0.0,
                    Recognition((Hypothesis("*", "cancel", 1.0, "dtmf"),), MarkReached("hold", 700)))),
    # Speech, from a browser that gives lastresult$ as a single object.
    ("'near_end_disconnect'", "{duration: 61, inputmode: 'voice', utterance: 'stop'}",
     "{utterance: 'stop', interpretation: {action: 'cancel'}, confidence: 0.75, inputmode: 'voice'}",
     TransferResult(TransferStatus.NEAR_END_DISCONNECT, 61.0,
                    Recognition((Hypothesis("stop", {"action": "cancel"}, 0.75, "voice"),)))),
    # lastresult$ still holds an earlier turn's input: the shadow variables are used instead.
    ("'near_end_disconnect'", "{duration: 0, inputmode: 'dtmf', utterance: '#'}",
     "[{utterance: '1234', interpretation: '1234', confidence: 1, inputmode: 'dtmf'}]",
     TransferResult(TransferStatus.NEAR_END_DISCONNECT, 0.0, Recognition((Hypothesis("#", "#", 1.0, "dtmf"),)))),
    ("'near_end_disconnect'", "{duration: 0, inputmode: 'voice', utterance: '" + TRICKY.replace("'", "\\'") + "'}",
     "undefined",
     TransferResult(TransferStatus.NEAR_END_DISCONNECT, 0.0, Recognition((Hypothesis(TRICKY, TRICKY, 1.0, "voice"),)))),
])
def test_round_trip_from_the_filled_script_to_typed_results(status: str, shadow: str, lastresult: str,
                                                            expected: TransferResult) -> None:
    assert browser_transfer(status, shadow, lastresult) == expected


@needs_node
@pytest.mark.parametrize(("name", "expected"), [
    ("connection.disconnect.transfer", Event("connection.disconnect.transfer")),
    ("error.connection.noroute", TransferFailed("error.connection.noroute", "no route to tel:+1555")),
    ("error.connection.protocol.404", TransferFailed("error.connection.protocol.404", "no route to tel:+1555")),
    ("error.unsupported.transfer.blind", TransferFailed("error.unsupported.transfer.blind", "no route to tel:+1555")),
])
def test_round_trip_of_transfer_events_from_the_catch_all(name: str, expected: Event) -> None:
    message = "undefined" if name.startswith("connection.") else "'no route to tel:+1555'"
    [posted] = evaluate(f"(function () {{ rayvr.reset(); rayvr.event('{name}', {message});"
                        " return rayvr.json(rayvr.result); })()")
    result = parse_result({"result": posted})
    assert result == expected and type(result) is type(expected)
