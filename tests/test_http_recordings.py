"""Recordings through the real gateway on 127.0.0.1 and real call actors on Ray, posted as a browser posts them."""

from __future__ import annotations

import pytest

from runtime import CallConfig, RayKVStore, Recorded, RecordedAudio, read_checkpoint
from support import Browser, GatewayThread, http

pytestmark = pytest.mark.timeout(180)

AUDIO = b"RIFF$\x00\x00\x00WAVEfmt " + bytes(range(256)) * 64 + b"\r\n--not-the-boundary\r\n\x00\xff"
LIMIT = 64 * 1024
RECORDING = {"duration": 4100, "size": len(AUDIO), "termchar": None, "maxtime": False, "kept": None,
             "type": "audio/x-wav"}
V = "{http://www.w3.org/2001/vxml}"


@pytest.fixture(scope="module")
def gateway(ray_cluster, tmp_path_factory):
    from gateway.app import GatewayConfig
    from gateway.storage import DirectoryStorage

    recordings = tmp_path_factory.mktemp("recordings")
    calls = CallConfig(store=RayKVStore(), dialogue_modules=("dialogues", "dialogues_for_tests"), idle_timeout_s=600)
    config = GatewayConfig(calls=calls, pool_size=1, actor_timeout_s=5, recordings=DirectoryStorage(recordings),
                           max_recording_bytes=LIMIT)
    with GatewayThread(config) as gw:
        gw.recordings = recordings
        yield gw


def stored_files(gateway) -> dict[str, bytes]:
    return {str(p.relative_to(gateway.recordings)): p.read_bytes() for p in gateway.recordings.rglob("*") if p.is_file()}


def test_an_uploaded_recording_lands_in_storage_and_the_journal_keeps_only_its_reference(gateway):
    browser = Browser(gateway.url)
    first = browser.start("record-and-play")
    call_id = first.headers["X-Rayvr-Call"]
    assert first.root.find(f".//{V}record").get("beep") == "true"
    playback = browser.post_multipart(first, {"events": [], "recognition": [], "mark": None, "recording": RECORDING},
                                      AUDIO)
    assert playback.status == 200 and playback.text == "You said:"

    [(location, stored)] = [(k, v) for k, v in stored_files(gateway).items() if k.startswith(f"{call_id}/")]
    assert stored == AUDIO
    checkpoint = read_checkpoint(RayKVStore(), call_id)
    [recorded] = [entry[2] for entry in checkpoint.journal if entry[0] == "in"]
    assert recorded == Recorded(RecordedAudio(location=location, size=len(AUDIO), duration_ms=4100,
                                              media_type="audio/x-wav"))
    assert b"WAVEfmt" not in b"".join(RayKVStore().load(call_id)), "the journal never holds audio"

    src = playback.root.find(f".//{V}audio").get("src")
    assert src == f"/recordings/{location}"
    fetched = http("GET", gateway.url + src)
    assert (fetched.status, fetched.body, fetched.headers["Content-Type"]) == (200, AUDIO, "audio/x-wav")

    last = browser.played(playback)
    assert last.ends_with == "exit"
    assert [v.get("expr") for v in last.root.iter(f"{V}var")] == [f'"{location}"', str(len(AUDIO))]


def test_an_oversized_upload_reaches_the_dialogue_as_too_large_and_the_call_goes_on(gateway):
    browser = Browser(gateway.url)
    first = browser.start("record-and-play")
    call_id = first.headers["X-Rayvr-Call"]
    huge = AUDIO * (LIMIT // len(AUDIO) + 2)
    too_large = browser.post_multipart(first, {"events": [], "recording": {**RECORDING, "size": len(huge)}}, huge,
                                       result_type='text/plain; charset="utf-8"')
    assert too_large.status == 200, "not a 413: the call goes on"
    assert too_large.text == "That was too long to keep."
    assert not any(k.startswith(f"{call_id}/") for k in stored_files(gateway))
    [recorded] = [e[2] for e in read_checkpoint(RayKVStore(), call_id).journal if e[0] == "in"]
    assert recorded.too_large and recorded.audio.size == len(huge) and recorded.location is None

    again = browser.played(too_large)
    assert again.text == "Once more, shorter."
    playback = browser.post_multipart(again, {"events": [], "recording": RECORDING}, AUDIO, result_type=None)
    assert playback.text == "You said:"
    assert [v for k, v in stored_files(gateway).items() if k.startswith(f"{call_id}/")] == [AUDIO]
