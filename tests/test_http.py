"""The real gateway on 127.0.0.1, real call actors on Ray, driven the way a VoiceXML browser drives them."""

from __future__ import annotations

import json
import time

import pytest
import ray

from runtime import CallConfig, RayKVStore, find_call_actor, read_checkpoint
from support import Browser, GatewayThread, http

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def gateway(ray_cluster):
    from gateway.app import GatewayConfig

    calls = CallConfig(store=RayKVStore(), dialogue_modules=("dialogues", "dialogues_for_tests"), idle_timeout_s=600)
    with GatewayThread(GatewayConfig(calls=calls, pool_size=2, actor_timeout_s=1.5, max_body_bytes=64 * 1024)) as gw:
        yield gw


@pytest.fixture
def browser(gateway):
    return Browser(gateway.url)


def call_id_of(document) -> str:
    return document.headers["X-Rayvr-Call"]


def wait_for_actor_exit(call_id: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while find_call_actor(call_id) is not None:
        assert time.monotonic() < deadline, f"actor of {call_id} did not exit"
        time.sleep(0.2)


def test_hello_runs_to_its_exit(browser):
    first = browser.start("hello", name="Zoë & <Ω>")
    assert first.status == 200
    assert first.text == "Hello, Zoë & <Ω>! Welcome to rayvr."
    call_id = call_id_of(first)
    assert first.submit_url == f"/calls/{call_id}/turns/1"
    last = browser.played(first)
    assert last.status == 200 and last.ends_with == "exit"
    checkpoint = read_checkpoint(RayKVStore(), call_id)
    assert checkpoint.final and checkpoint.ended_by == "dialogue"
    assert checkpoint.params == {"name": "Zoë & <Ω>"}
    wait_for_actor_exit(call_id)


def test_menu_runs_to_the_end_with_reprompts(browser):
    doc = browser.start("menu")
    assert doc.text == "Please key in your four digit customer number."
    doc = browser.event(doc, "noinput")
    assert doc.text.startswith("Sorry, I did not hear anything.")
    doc = browser.dtmf(doc, "1234")
    assert doc.text == "For sales, press 1. For support, press 2."
    doc = browser.event(doc, "nomatch")
    assert doc.text.startswith("Sorry, that is not a valid choice.")
    doc = browser.dtmf(doc, "1", "sales")
    assert doc.text == "You chose sales."
    doc = browser.played(doc)
    assert doc.text == "Your customer number is 1234 . Goodbye."
    doc = browser.played(doc)
    assert doc.ends_with == "exit"
    assert [d.headers["X-Rayvr-Turn"] for d in browser.documents] == ["1", "2", "3", "4", "5", "6", "7"]


def test_the_root_document_is_served(gateway):
    doc = http("GET", gateway.url + "/root.vxml")
    assert doc.status == 200 and b"rayvr" in doc.body


def test_unknown_dialogue_is_a_404_with_a_voicexml_notice(browser):
    doc = browser.start("no-such-dialogue")
    assert doc.status == 404
    assert doc.text == "There is no dialogue by that name."


def test_a_duplicate_post_returns_a_byte_identical_document_and_advances_once(browser):
    doc = browser.start("menu")
    call_id = call_id_of(doc)
    second = browser.dtmf(doc, "4242")
    again = browser.dtmf(doc, "9999")
    assert again.body == second.body
    assert again.headers.get("X-Rayvr-Repeated") == "1"
    journal = read_checkpoint(RayKVStore(), call_id).journal
    assert [e for e in journal if e[0] == "in"][0][2].utterance == "4242"
    assert len([e for e in journal if e[0] == "in"]) == 1


def test_malformed_posts_get_400_and_leave_the_call_untouched(browser):
    doc = browser.start("menu")
    call_id = call_id_of(doc)
    for fields in ({}, {"result": "{not json"}, {"result": "[]"}, {"result": json.dumps({"events": "x"})}):
        bad = browser.post_raw(doc.submit_url, fields)
        assert bad.status == 400, fields
        assert bad.headers.get("X-Rayvr-Error")
    assert read_checkpoint(RayKVStore(), call_id).seq == 1
    assert browser.dtmf(doc, "1111").text == "For sales, press 1. For support, press 2."


def test_unknown_call_and_bad_turn_numbers_get_404(browser):
    assert browser.post_raw("/calls/0123456789abcdef/turns/1", {"result": "{}"}).status == 404
    assert browser.post_raw("/calls/bad%20id!/turns/1", {"result": "{}"}).status == 404
    doc = browser.start("menu")
    call_id = call_id_of(doc)
    for turn in ("zero", "0", "-1", "+1", "%201", "1_0", "%EF%BC%92", "01"):
        refused = browser.post_raw(f"/calls/{call_id}/turns/{turn}", {"result": "{}"})
        assert (refused.status, refused.text) == (404, "This turn does not exist."), turn
    assert read_checkpoint(RayKVStore(), call_id).seq == 1


def test_unreadable_bodies_get_400_and_leave_the_call_untouched(browser, gateway):
    doc = browser.start("menu")
    url = gateway.url + doc.submit_url
    bodies = [
        (b'--XXX\r\nContent-Disposition: form-data; name="result"\r\n\r\n{}', "multipart/form-data; boundary=XXX"),
        (b"result=%7B%7D", "multipart/form-data"),
        (b"result=%7B%7D", "application/x-www-form-urlencoded; charset=bogus-xyz"),
    ]
    for body, content_type in bodies:
        refused = http("POST", url, body, content_type)
        assert refused.status == 400, (content_type, refused.body)
        assert refused.headers["Content-Type"].startswith("application/voicexml+xml")
        assert "cannot be read" in refused.headers["X-Rayvr-Error"]
    assert browser.dtmf(doc, "3333").text == "For sales, press 1. For support, press 2."


def test_characters_xml_cannot_hold_do_not_break_a_call(browser):
    doc = browser.start("hello", name="a\x01b")
    assert doc.status == 200 and doc.text == "Hello, a\ufffdb! Welcome to rayvr."
    assert browser.played(doc).ends_with == "exit"


def test_a_turn_from_the_future_is_refused_with_409(browser):
    doc = browser.start("menu")
    future = browser.post_raw(doc.submit_url.replace("/turns/1", "/turns/7"), {"result": "{}"})
    assert future.status == 409
    assert read_checkpoint(RayKVStore(), call_id_of(doc)).seq == 1


def test_an_ended_call_repeats_its_last_document_and_refuses_anything_later(browser):
    first = browser.start("hello")
    call_id = call_id_of(first)
    last = browser.played(first)
    wait_for_actor_exit(call_id)
    repeated = browser.played(first)  # the browser never got the answer and posts again
    assert repeated.status == 200 and repeated.body == last.body
    gone = browser.post_raw(f"/calls/{call_id}/turns/2", {"result": "{}"})
    assert gone.status == 410 and gone.text == "This call has ended."


def test_an_oversized_post_gets_413_in_voicexml_and_the_call_goes_on(browser):
    doc = browser.start("menu")
    huge = browser.post_raw(doc.submit_url, {"result": "x" * (100 * 1024)})
    assert huge.status == 413
    assert huge.text == "This request could not be handled."
    assert browser.dtmf(doc, "2222").text == "For sales, press 1. For support, press 2."


def test_a_slow_actor_gets_retry_documents_until_the_turn_is_done(browser):
    doc = browser.start("slow-step", seconds="4")
    final = browser.played(doc)
    assert browser.retries >= 1
    retry = next(d for d in browser.documents if "X-Rayvr-Retry" in d.headers)
    assert retry.submit_url == doc.submit_url + "?attempt=1"
    assert final.text == "The back end said done."
    assert final.headers["X-Rayvr-Turn"] == "2"


def test_the_gateway_does_not_keep_actors_for_ended_calls(browser):
    doc = browser.start("hello")
    call_id = call_id_of(doc)
    browser.played(doc)
    wait_for_actor_exit(call_id)
    assert find_call_actor(call_id) is None
    with pytest.raises(ValueError):
        ray.get_actor(f"call:{call_id}", namespace="rayvr")
