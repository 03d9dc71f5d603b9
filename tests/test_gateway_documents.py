"""Through the gateway over HTTP: text round trips in every charset spelling, document settings, hooks, custom turns.

Most tests use the gateway with in-process calls (fast, no Ray); the ones
parametrised with ``"ray"`` run the same checks again with real call actors,
where turns, results and settings cross process boundaries.
"""

from __future__ import annotations

import http.client as httpclient
import json
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, Iterator

import pytest
from lxml import etree

from gateway.app import GatewayConfig
from gateway.render import RenderContext, element
from runtime import CallConfig, CheckpointStore, MemoryStore, find_call_actor, read_checkpoint
from runtime.turns import Turn
from support import Document, GatewayThread
from local_gateway import LocalGatewayThread
from vxml import assert_valid_vxml

pytestmark = pytest.mark.timeout(180)

V = {"v": "http://www.w3.org/2001/vxml"}
FORM = "application/x-www-form-urlencoded"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TRICKY = "Fish & chips <today> \"quoted\" 'single' café naïve Zoë 日本語 العربية Привет 🎉 👍🏽 + 100% = ok"
MODULES = ("dialogues_for_tests", "custom_turns")


def vendor_hook(root: etree._Element, turn: Turn, ctx: RenderContext) -> None:
    """Marks every turn's document with a vendor property naming the turn."""
    element(root, "property", {"name": "com.example.turn", "value": f"{ctx.seq}:{turn.name}"})


@dataclass
class Served:
    """A running gateway and the store its calls are checkpointed in."""

    url: str
    store: CheckpointStore

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Document:
        """One request with exactly these headers (no Content-Type is added); the answer must be VoiceXML."""
        parts = urllib.parse.urlsplit(self.url)
        connection = httpclient.HTTPConnection(parts.hostname, parts.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            document = Document(response.status, response.read(), dict(response.getheaders()))
        finally:
            connection.close()
        assert document.headers["Content-Type"].startswith("application/voicexml+xml"), document.headers
        assert_valid_vxml(document.body)
        return document

    def start(self, dialogue: str, **params: str) -> Document:
        return self.request("GET", f"/dialogues/{dialogue}?{urllib.parse.urlencode(params)}")

    def post(self, document: Document, fields: dict[str, str], content_type: str | None = FORM,
             encoding: str = "utf-8") -> Document:
        body = urllib.parse.urlencode(fields, encoding=encoding).encode("ascii")
        return self.request("POST", document.submit_url, body, {"Content-Type": content_type} if content_type else {})

    def journal(self, document: Document) -> list[list[Any]]:
        return read_checkpoint(self.store, document.headers["X-Rayvr-Call"]).journal


@pytest.fixture(scope="module")
def local() -> Iterator[Served]:
    store = MemoryStore()
    config = GatewayConfig(calls=CallConfig(store=store, dialogue_modules=MODULES), document_hooks=(vendor_hook,))
    with LocalGatewayThread(config) as gateway:
        yield Served(gateway.url, store)


@pytest.fixture(scope="module")
def ray(ray_cluster: Any) -> Iterator[Served]:
    from runtime import RayKVStore

    config = GatewayConfig(calls=CallConfig(store=RayKVStore(), dialogue_modules=MODULES, idle_timeout_s=600),
                           pool_size=1, actor_timeout_s=30, document_hooks=(vendor_hook,))
    with GatewayThread(config) as gateway:
        yield Served(gateway.url, RayKVStore())


@pytest.fixture(params=["local", "ray"])
def served(request: pytest.FixtureRequest) -> Served:
    return request.getfixturevalue(request.param)


def prompts(document: Document) -> list[str]:
    return ["".join(p.itertext()) for p in document.root.xpath("v:form[1]//v:prompt", namespaces=V)]


def properties(document: Document) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in document.root.xpath("v:property", namespaces=V)}


def recognition(utterance: str, interpretation: Any) -> dict[str, str]:
    """The form fields a browser posts for a recognition (JSON with non-ASCII kept, as root.js writes it)."""
    return {"result": json.dumps({"events": [], "recognition": [{
        "utterance": utterance, "interpretation": interpretation, "confidence": 0.9, "inputmode": "voice"}],
        "mark": None}, ensure_ascii=False)}


def echoed(utterance: str, interpretation: Any) -> list[str]:
    return [utterance, json.dumps(interpretation, ensure_ascii=False)]


HANG_UP = {"result": json.dumps({"events": [{"name": "connection.disconnect.hangup", "message": ""}]})}


# --- text round trips ----------------------------------------------------------------------------


def test_text_round_trips_from_start_to_document_and_from_post_to_journal(served: Served) -> None:
    doc = served.start("echo", text=TRICKY)
    assert prompts(doc) == [TRICKY]
    assert "日本語 العربية Привет 🎉".encode() in doc.body, "non-ASCII is written as UTF-8"
    sent = [(TRICKY, {"said": TRICKY, "list": [TRICKY, 1]}), ("\u00e9\u0301 e\u0301", "\U0001F1EB\U0001F1F7"),
            ("tab\tnew\nline \u2028 sep", None)]
    for number, (utterance, interpretation) in enumerate(sent):
        content_type = [FORM, f"{FORM}; charset=UTF-8", f'{FORM}; charset="utf-8"'][number]
        doc = served.post(doc, recognition(utterance, interpretation), content_type)
        assert doc.status == 200
        if "\n" not in utterance:
            assert prompts(doc) == echoed(utterance, interpretation)
    last = served.post(doc, HANG_UP)
    assert last.ends_with == "exit"
    heard = json.loads(last.root.xpath("string(//v:var[@name='heard']/@expr)", namespaces=V))
    expected = [TRICKY] + [text for pair in sent for text in echoed(*pair)]
    assert heard == expected
    inputs = [entry[2] for entry in served.journal(doc) if entry[0] == "in"]
    assert [(r.utterance, r.interpretation) for r in inputs[:-1]] == sent


@pytest.mark.parametrize(("content_type", "encoding"), [
    (FORM, "utf-8"), (f"{FORM}; charset=UTF-8", "utf-8"), (f'{FORM}; charset="utf-8"', "utf-8"),
    (f"{FORM};charset=utf-8;foo=bar", "utf-8"), (f"{FORM}; Charset=UTF8", "utf-8"),
    (f"{FORM}; charset=ISO-8859-1", "iso-8859-1"), (f"{FORM}; charset=windows-1252", "cp1252"),
    (FORM, "iso-8859-1"), (None, "utf-8"),
])
def test_every_form_charset_spelling(local: Served, content_type: str | None, encoding: str) -> None:
    utterance = TRICKY if encoding == "utf-8" else "café naïve Zoë & <ü> \"€\""
    if encoding == "iso-8859-1":
        utterance = utterance.replace("€", "¤")
    doc = local.start("echo")
    doc = local.post(doc, recognition(utterance, {"u": utterance}), content_type, encoding)
    assert doc.status == 200, doc.headers
    assert prompts(doc) == echoed(utterance, {"u": utterance})
    assert [e[2].utterance for e in local.journal(doc) if e[0] == "in"] == [utterance]


def test_the_result_in_the_query_string_of_a_post(local: Served) -> None:
    doc = local.start("echo")
    query = urllib.parse.urlencode(recognition(TRICKY, 1))
    answer = local.request("POST", f"{doc.submit_url}?{query}", b"", {"Content-Type": FORM})
    assert prompts(answer) == echoed(TRICKY, 1)
    other_fields = urllib.parse.urlencode({"session.id": "abc", "attempt": "0"}).encode()
    again = local.request("POST", f"{answer.submit_url}?{urllib.parse.urlencode(recognition('dos', 2))}",
                          other_fields, {"Content-Type": FORM})
    assert prompts(again) == echoed("dos", 2)


def test_the_same_result_in_the_query_and_the_body_counts_once(local: Served) -> None:
    doc = local.start("echo")
    fields = recognition(TRICKY, None)
    answer = local.request("POST", f"{doc.submit_url}?{urllib.parse.urlencode(fields)}",
                           urllib.parse.urlencode(fields).encode(), {"Content-Type": FORM})
    assert prompts(answer) == echoed(TRICKY, None)
    assert len([e for e in local.journal(doc) if e[0] == "in"]) == 1


def test_the_result_in_the_query_string_of_a_get(served: Served) -> None:
    doc = served.start("echo")
    answer = served.request("GET", f"{doc.submit_url}?{urllib.parse.urlencode(recognition(TRICKY, [TRICKY]))}")
    assert answer.status == 200
    assert prompts(answer) == echoed(TRICKY, [TRICKY])


@pytest.mark.parametrize(("content_type", "body"), [
    (f"{FORM}; charset=klingon", b"result=%7B%7D"),
    (f"{FORM}; charset=base64", b"result=%7B%7D"),
    (f"{FORM}; charset=utf-8", b"result=%7B%22events%22%3A%5B%5D%2C%22x%22%3A%22caf%E9%22%7D"),
])
def test_a_body_unreadable_in_its_declared_charset_is_a_400_and_the_call_goes_on(local: Served, content_type: str,
                                                                                  body: bytes) -> None:
    doc = local.start("echo")
    refused = local.request("POST", doc.submit_url, body, {"Content-Type": content_type})
    assert refused.status == 400
    assert refused.text == "The result of this turn could not be read."
    assert "cannot be read" in refused.headers["X-Rayvr-Error"]
    assert local.journal(doc)[-1][0] == "out"
    assert prompts(local.post(doc, recognition("ok", "ok"))) == echoed("ok", "ok")


# --- settings, hooks and custom turns ----------------------------------------------------------------


def test_settings_travel_with_each_turn_and_repeats_are_byte_identical(served: Served) -> None:
    first = served.start("configured", lang="nl-BE")
    assert first.root.get(XML_LANG) == "fr-FR"
    assert properties(first) == {"fetchaudio": "/audio/hold.wav", "fetchaudiodelay": "500ms",
                                 "bargeintype": "hotword", "com.example.tone": "warm", "com.example.turn": "1:greeting"}
    assert first.root.xpath("string(//v:submit/@fetchaudio)", namespaces=V) == "/audio/hold.wav"
    second = served.post(first, {"result": '{"events": []}'})
    assert second.root.get(XML_LANG) == "nl-BE"
    assert properties(second) == {"fetchaudio": "/audio/hold.wav", "bargeintype": "hotword",
                                  "com.example.turn": "2:second"}
    repeated = served.post(first, {"result": '{"events": []}'})
    assert repeated.headers.get("X-Rayvr-Repeated") == "1"
    assert repeated.body == second.body
    last = served.post(second, {"result": '{"events": []}'})
    assert last.ends_with == "exit" and last.root.get(XML_LANG) == "nl-BE"
    assert properties(last)["com.example.turn"] == "3:exit"
    call_id = last.headers["X-Rayvr-Call"]
    if served.store.__class__.__name__ == "RayKVStore":
        deadline = time.monotonic() + 30
        while find_call_actor(call_id) is not None:  # the answer then comes from the checkpoint alone
            assert time.monotonic() < deadline, "the call's actor did not exit"
            time.sleep(0.2)
    assert served.post(second, {"result": '{"events": []}'}).body == last.body


def test_a_custom_turn_is_rendered_and_its_result_read_by_the_gateway(served: Served) -> None:
    doc = served.start("caller-line")
    assert "rayvr.result.line" in doc.root.xpath("string(v:form[1]//v:script)", namespaces=V)
    assert properties(doc)["com.example.turn"] == "1:read-line"
    line = {"caller": "tel:+81-3-1234-5678", "called": "sip:受付@例え.jp"}
    greeting = served.post(doc, {"result": json.dumps({"events": [], "line": line}, ensure_ascii=False)})
    assert prompts(greeting) == ["You are calling sip:受付@例え.jp from tel:+81-3-1234-5678."]
    inputs = [entry[2] for entry in served.journal(doc) if entry[0] == "in"]
    assert [(type(r).__name__, r.caller, r.called) for r in inputs] == [("Line", *line.values())]


def test_a_failing_store_still_answers_with_voicexml(local: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = local.start("echo")

    def broken_load(call_id: str) -> list[bytes]:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(local.store, "load", broken_load)
    unknown = local.request("POST", "/calls/0123456789abcdef/turns/1", b"result=%7B%7D", {"Content-Type": FORM})
    assert unknown.status == 500
    assert unknown.text == GatewayConfig().failure_text
    monkeypatch.undo()
    assert prompts(local.post(doc, recognition("still here", 1))) == echoed("still here", 1)


def test_a_failing_hook_still_answers_with_voicexml() -> None:
    def broken(root: etree._Element, turn: Turn, ctx: RenderContext) -> None:
        if turn.name == "echo":
            raise KeyError("vendor")

    store = MemoryStore()
    config = GatewayConfig(calls=CallConfig(store=store, dialogue_modules=MODULES), document_hooks=(broken,))
    with LocalGatewayThread(config) as gateway:
        served = Served(gateway.url, store)
        doc = served.start("echo", text="hi")
        assert doc.status == 500 and doc.text == config.failure_text
        assert served.start("configured").status == 200, "only the documents the hook fails on are lost"
