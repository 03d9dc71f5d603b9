"""Recording uploads through the real aiohttp gateway, in process and without Ray.

The gateway's route, multipart streaming, storage and cleanup run for real;
only the call actor is replaced by the same CallRunner it wraps, so these
tests are fast. tests/test_http_recordings.py runs the same flow on Ray.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from lxml import etree

import dialogues_for_tests  # noqa: F401  (registers record-and-play)
from gateway.app import GATEWAY, GatewayConfig, create_app
from gateway.storage import DirectoryStorage, check_key, recording_key, served_media_type
from gateway.uploads import STORAGE_FAILED_EVENT, Upload, part_charset, read_multipart
from runtime import CallBusy, CallConfig, Event, MemoryStore, Recorded, RecordedAudio, read_checkpoint
from runtime._codec import pack
from runtime._runner import CallRunner
from runtime.errors import BadResult
from support import Part, multipart_body
from vxml import assert_valid_vxml

V = "{http://www.w3.org/2001/vxml}"
AUDIO = b"RIFF\x00\x01\x02\xff\r\n--rayvr-test-7d3f9\r\n" + bytes(range(256)) * 40  # almost the boundary, inside
TRICKY = "café & <naïve> \"q\" 'a' 日本語 العربية 🎉"
RECORDING = {"duration": 2500, "size": 10, "termchar": "#", "maxtime": False, "kept": None, "type": "audio/x-wav"}


def run(coro: Any) -> Any:
    return asyncio.new_event_loop().run_until_complete(coro)


# --- storage -----------------------------------------------------------------------------------


async def chunks_of(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


def test_directory_storage_saves_serves_and_deletes(tmp_path: Path) -> None:
    storage = DirectoryStorage(tmp_path)
    key = recording_key("call-1", 3, "audio/x-wav")
    assert check_key(key) == key and key.startswith("call-1/3-") and key.endswith(".wav")

    async def scenario() -> tuple[int, bytes, bool, bool]:
        size = await storage.save(key, chunks_of(b"ab", b"", b"cd" * 100_000))
        length, stream = await storage.open(key)
        data = b"".join([chunk async for chunk in stream])
        exists = await storage.exists(key)
        await storage.delete(key)
        await storage.delete(key)
        return size, data, exists, await storage.exists(key)

    size, data, existed, exists = run(scenario())
    assert size == 200_002 and data == b"ab" + b"cd" * 100_000 and existed and not exists
    assert list(tmp_path.rglob("*.part")) == []


def test_an_interrupted_save_keeps_nothing(tmp_path: Path) -> None:
    storage = DirectoryStorage(tmp_path)
    key = recording_key("c", 1, None)
    assert key.endswith(".bin")

    async def broken() -> AsyncIterator[bytes]:
        yield b"partial"
        raise ConnectionResetError("the client went away")

    with pytest.raises(ConnectionResetError):
        run(storage.save(key, broken()))
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    with pytest.raises(KeyError):
        run(storage.open(key))


@pytest.mark.parametrize("key", ["../etc/passwd", "/etc/passwd", "c/../../x", "c/1-" + "0" * 32 + ".wav/..",
                                 "c/1-" + "g" * 32 + ".wav", "c/1-abc.wav", "c d/1-" + "0" * 32 + ".wav", "", "c"])
def test_only_keys_the_gateway_gives_out_reach_storage(tmp_path: Path, key: str) -> None:
    with pytest.raises(KeyError):
        DirectoryStorage(tmp_path).path(key)


def test_media_types_map_to_extensions_and_back() -> None:
    assert recording_key("c", 1, "audio/x-wav; codec=pcm").endswith(".wav")
    assert recording_key("c", 1, "Audio/Basic").endswith(".au")
    assert served_media_type(recording_key("c", 1, "audio/wav")) == "audio/x-wav"
    assert served_media_type(recording_key("c", 1, "application/x-evil")) == "application/octet-stream"


@pytest.mark.parametrize(("header", "charset"), [
    (None, "utf-8"), ("text/plain", "utf-8"), ("text/plain; charset=UTF-8", "utf-8"),
    ('text/plain; charset="utf-8"', "utf-8"), ("text/plain;charset=utf-8", "utf-8"),
    ("text/plain; format=flowed; CHARSET=ISO-8859-1; delsp=yes", "iso-8859-1"),
    ("text/plain; charset = 'windows-1252'", "'windows-1252'"),
])
def test_part_charsets_in_every_spelling(header: str | None, charset: str) -> None:
    assert part_charset(header) == charset


# --- reading a multipart post ---------------------------------------------------------------------


def read(tmp_path: Path, parts: list[Part], max_audio: int = 1_000_000, max_text: int = 4096,
         raw: tuple[bytes, str] | None = None) -> tuple[int, Any]:
    """Post ``parts`` to an app that reads them with read_multipart; the status and what it read."""
    storage = DirectoryStorage(tmp_path)

    async def handler(request: web.Request) -> web.Response:
        try:
            fields, upload = await read_multipart(request, storage, "call-1", 2, max_audio, max_text)
        except BadResult as error:  # the gateway answers this with a 400 notice
            raise web.HTTPBadRequest(reason=error.message) from None
        return web.json_response({"fields": fields, "upload": upload and upload.as_json()})

    async def scenario() -> tuple[int, Any]:
        app = web.Application()
        app.router.add_post("/", handler)
        async with TestClient(TestServer(app)) as client:
            body, content_type = raw or multipart_body(parts)
            response = await client.post("/", data=body, headers={"Content-Type": content_type})
            return response.status, (await response.json() if response.status == 200 else await response.text())

    return run(scenario())


@pytest.mark.parametrize("content_type", [None, "text/plain", "text/plain; charset=UTF-8", 'text/plain; charset="utf-8"',
                                          "text/plain; format=flowed; charset=utf-8; x=y", "application/json"])
def test_text_parts_parse_with_any_charset_spelling_and_keep_non_ascii(tmp_path: Path, content_type: str) -> None:
    status, read_back = read(tmp_path, [Part("result", json.dumps({"note": TRICKY}, ensure_ascii=False).encode(),
                                             content_type), Part("other", TRICKY.encode(), content_type)])
    assert status == 200, read_back
    assert json.loads(read_back["fields"]["result"][0]) == {"note": TRICKY}
    assert read_back["fields"]["other"] == [TRICKY]
    assert read_back["upload"] is None


def test_a_part_in_another_charset_is_decoded_with_it(tmp_path: Path) -> None:
    status, read_back = read(tmp_path, [Part("result", "naïve café".encode("iso-8859-1"),
                                             "text/plain; charset=ISO-8859-1")])
    assert (status, read_back["fields"]) == (200, {"result": ["naïve café"]})


def test_base64_text_parts_are_decoded(tmp_path: Path) -> None:
    import base64
    status, read_back = read(tmp_path, [Part("result", base64.b64encode(TRICKY.encode()), "text/plain; charset=utf-8",
                                             headers={"Content-Transfer-Encoding": "base64"})])
    assert (status, read_back["fields"]) == (200, {"result": [TRICKY]})


def test_the_audio_part_streams_to_storage_whatever_the_order(tmp_path: Path) -> None:
    status, read_back = read(tmp_path, [Part("rayvrAudio", AUDIO, "audio/x-wav", filename="r.wav"),
                                        Part("result", b"{}", "text/plain")])
    assert status == 200
    upload = read_back["upload"]
    assert upload["size"] == len(AUDIO) and upload["type"] == "audio/x-wav" and not upload["too_large"]
    assert (tmp_path / upload["location"]).read_bytes() == AUDIO
    assert read_back["fields"] == {"result": ["{}"]}


def test_an_audio_part_over_the_limit_is_counted_not_kept(tmp_path: Path) -> None:
    status, read_back = read(tmp_path, [Part("result", b"{}"), Part("rayvrAudio", AUDIO, "audio/x-wav")],
                             max_audio=1000)
    assert status == 200
    assert read_back["upload"] == {"location": None, "size": len(AUDIO), "type": "audio/x-wav", "too_large": True}
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_other_files_are_never_stored(tmp_path: Path) -> None:
    status, read_back = read(tmp_path, [Part("result", b"{}"), Part("upload", b"evil", "audio/x-wav", filename="x"),
                                        Part("rayvrAudio", b"one", "audio/x-wav"),
                                        Part("rayvrAudio", b"two", "audio/x-wav")])
    assert status == 200 and read_back["fields"] == {"result": ["{}"]}
    assert [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()] == [b"one"]


def test_text_beyond_the_limit_is_refused_and_nothing_is_kept(tmp_path: Path) -> None:
    status, _ = read(tmp_path, [Part("rayvrAudio", AUDIO, "audio/x-wav"), Part("result", b"x" * 5000)], max_text=4096)
    assert status == 413
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_malformed_body_is_a_bad_request(tmp_path: Path) -> None:
    body = b"--b\r\nContent-Disposition: form-data; name=\"result\"\r\n\r\n{}"  # never closed
    status, _ = read(tmp_path, [], raw=(body, "multipart/form-data; boundary=b"))
    assert status == 400
    status, _ = read(tmp_path, [Part("result", b"\xff\xfe", "text/plain; charset=utf-8")])
    assert status == 400
    status, _ = read(tmp_path, [Part("result", b"{}", "text/plain; charset=no-such-charset")])
    assert status == 400
    for raw in ((b"xx", "multipart/form-data"), (b"", "multipart/form-data; boundary=abc")):
        assert read(tmp_path, [], raw=raw)[0] == 400


# --- the gateway, with the call runner in process ------------------------------------------------


class Gateway:
    """The real gateway app, whose calls run in this process (a CallRunner on a memory store)."""

    def __init__(self, tmp_path: Path, max_recording_bytes: int = 100_000, busy: int = 0) -> None:
        self.store = MemoryStore()
        self.recordings = tmp_path / "recordings"
        config = GatewayConfig(calls=CallConfig(store=self.store), pool_size=0, max_body_bytes=16 * 1024,
                               recordings=DirectoryStorage(self.recordings), max_recording_bytes=max_recording_bytes)
        self.app = create_app(config)
        self.busy = busy  # how many posts to answer "busy" before applying them
        self.runner = CallRunner("call-1", self.store)
        self.app[GATEWAY]._advance = self._advance

    async def _advance(self, call_id: str, seq: int, result: Any) -> Any:
        if self.busy:
            self.busy -= 1
            raise CallBusy("busy", call_id=call_id, turn=seq)
        return await self.runner.advance(seq, result)

    def files(self) -> dict[str, bytes]:
        return {str(p.relative_to(self.recordings)): p.read_bytes() for p in self.recordings.rglob("*") if p.is_file()}

    def inputs(self) -> list[Any]:
        return [entry[2] for entry in read_checkpoint(self.store, "call-1").journal if entry[0] == "in"]


async def post(client: TestClient, path: str, parts: list[Part] | None = None,
               form: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    if parts is not None:
        body, content_type = multipart_body(parts)
        response = await client.post(path, data=body, headers={"Content-Type": content_type})
    else:
        response = await client.post(path, data=form)
    return response.status, await response.read(), dict(response.headers)


def recording_result(**extra: Any) -> bytes:
    return json.dumps({"events": [], "recognition": [], "mark": None, "recording": RECORDING, **extra},
                      ensure_ascii=False).encode()


def prompts(document: bytes) -> str:
    root = etree.fromstring(document)
    return " ".join(" ".join(p.itertext()) for form in root.iter(f"{V}form") if not form.get("id")
                    for p in form.iter(f"{V}prompt"))


def test_an_upload_is_stored_and_only_its_reference_is_journaled(tmp_path: Path) -> None:
    gateway = Gateway(tmp_path)

    async def scenario() -> tuple[Any, ...]:
        await gateway.runner.start("record-and-play", {})
        async with TestClient(TestServer(gateway.app)) as client:
            status, document, headers = await post(client, "/calls/call-1/turns/1", [
                Part("result", recording_result(), "text/plain; charset=UTF-8"),
                Part("rayvrAudio", AUDIO, "audio/x-wav", filename="rayvrAudio.wav")])
            audio = assert_valid_vxml(document).find(f".//{V}audio").get("src")
            fetched = await client.get(audio)
            return status, document, headers, audio, fetched.status, await fetched.read(), fetched.headers

    status, document, headers, audio, fetched_status, fetched, fetched_headers = run(scenario())
    assert status == 200 and headers["X-Rayvr-Turn"] == "2"
    [(location, stored)] = gateway.files().items()
    assert stored == AUDIO
    [recorded] = gateway.inputs()
    assert recorded == Recorded(RecordedAudio(location=location, size=len(AUDIO), duration_ms=2500,
                                              media_type="audio/x-wav"), termchar="#")
    assert AUDIO[:8] not in b"".join(gateway.store.load("call-1")), "audio never enters the journal"
    assert pack(recorded).count(b"RIFF") == 0
    assert audio == f"/recordings/{location}"
    assert (fetched_status, fetched, fetched_headers["Content-Type"]) == (200, AUDIO, "audio/x-wav")


def test_an_upload_over_the_limit_becomes_a_too_large_recording_and_the_call_goes_on(tmp_path: Path) -> None:
    gateway = Gateway(tmp_path, max_recording_bytes=1024)

    async def scenario() -> tuple[Any, ...]:
        await gateway.runner.start("record-and-play", {})
        async with TestClient(TestServer(gateway.app)) as client:
            first = await post(client, "/calls/call-1/turns/1", [
                Part("result", recording_result()), Part("rayvrAudio", AUDIO, "audio/x-wav")])
            second = await post(client, "/calls/call-1/turns/2", form={"result": '{"events": []}'})
            return first, second

    (status, document, _), (_, again, _) = run(scenario())
    assert status == 200 and prompts(document) == "That was too long to keep."
    assert gateway.inputs()[0] == Recorded(RecordedAudio(size=len(AUDIO), duration_ms=2500, media_type="audio/x-wav",
                                                         too_large=True), termchar="#")
    assert gateway.files() == {}
    assert prompts(again) == "Once more, shorter."


def test_the_result_may_come_in_the_query_string_with_the_audio_in_the_body(tmp_path: Path) -> None:
    gateway = Gateway(tmp_path)
    query = "result=" + json.dumps({"recording": RECORDING}).replace(" ", "%20").replace('"', "%22").replace(
        "#", "%23").replace("{", "%7B").replace("}", "%7D").replace(":", "%3A").replace(",", "%2C")

    async def scenario() -> Any:
        await gateway.runner.start("record-and-play", {})
        async with TestClient(TestServer(gateway.app)) as client:
            return await post(client, f"/calls/call-1/turns/1?{query}", [Part("rayvrAudio", AUDIO, "audio/x-wav")])

    status, _, _ = run(scenario())
    assert status == 200
    assert gateway.inputs()[0].location == next(iter(gateway.files()))


def test_a_repeated_upload_is_answered_from_the_journal_and_not_kept(tmp_path: Path) -> None:
    gateway = Gateway(tmp_path)
    parts = [Part("result", recording_result()), Part("rayvrAudio", AUDIO, "audio/x-wav")]

    async def scenario() -> tuple[Any, Any]:
        await gateway.runner.start("record-and-play", {})
        async with TestClient(TestServer(gateway.app)) as client:
            return await post(client, "/calls/call-1/turns/1", parts), await post(client, "/calls/call-1/turns/1", parts)

    (_, first, _), (status, second, headers) = run(scenario())
    assert status == 200 and second == first and headers.get("X-Rayvr-Repeated") == "1"
    assert list(gateway.files()) == [gateway.inputs()[0].location]


def test_a_busy_call_gets_a_retry_that_reposts_the_reference_not_the_audio(tmp_path: Path) -> None:
    gateway = Gateway(tmp_path, busy=1)

    async def scenario() -> tuple[Any, Any, Any]:
        await gateway.runner.start("record-and-play", {})
        async with TestClient(TestServer(gateway.app)) as client:
            retry = await post(client, "/calls/call-1/turns/1", [
                Part("result", recording_result()), Part("rayvrAudio", AUDIO, "audio/x-wav")])
            reposted = etree.fromstring(retry[1]).find(f".//{V}var[@name='result']").get("expr")
            forged = json.loads(json.loads(reposted))
            forged["upload"]["location"] = forged["upload"]["location"].replace("call-1/1-", "call-1/9-")
            refused = await post(client, "/calls/call-1/turns/1?attempt=1", form={"result": json.dumps(forged)})
            applied = await post(client, "/calls/call-1/turns/1?attempt=1", form={"result": json.loads(reposted)})
            return retry, refused, applied

    (status, _, headers), (refused_status, _, refused_headers), (applied_status, document, _) = run(scenario())
    assert status == 200 and headers["X-Rayvr-Retry"] == "1"
    assert refused_status == 400 and "is not a recording stored for this turn" in refused_headers["X-Rayvr-Error"]
    assert applied_status == 200 and prompts(document).startswith("You said:")
    assert list(gateway.files()) == [gateway.inputs()[0].location]


def test_posts_that_are_refused_keep_no_audio(tmp_path: Path) -> None:
    gateway = Gateway(tmp_path)

    async def scenario() -> list[int]:
        await gateway.runner.start("record-and-play", {})
        async with TestClient(TestServer(gateway.app)) as client:
            statuses = []
            for path, result in (("/calls/call-1/turns/5", recording_result()), ("/calls/call-1/turns/1", b"{bad"),
                                 ("/calls/call-1/turns/1", json.dumps({"recording": "x"}).encode())):
                status, _, _ = await post(client, path, [Part("result", result), Part("rayvrAudio", AUDIO)])
                statuses.append(status)
            return statuses

    assert run(scenario()) == [409, 400, 400]
    assert gateway.files() == {}


@pytest.mark.parametrize("path", ["/recordings/call-1/1-" + "0" * 32 + ".wav", "/recordings/call-1/..%2F..%2Fetc",
                                  "/recordings/..%2F/passwd", "/recordings/call-1/1-abc.wav"])
def test_unknown_or_crafted_recording_urls_are_not_found(tmp_path: Path, path: str) -> None:
    gateway = Gateway(tmp_path)
    (tmp_path / "secret").write_text("secret")

    async def scenario() -> tuple[int, bytes]:
        async with TestClient(TestServer(gateway.app)) as client:
            response = await client.get(path)
            return response.status, await response.read()

    status, body = run(scenario())
    assert status == 404 and b"secret" not in body


class BrokenStorage(DirectoryStorage):
    async def save(self, key: str, chunks: AsyncIterator[bytes]) -> int:
        async for _ in chunks:
            raise OSError(28, "No space left on device")
        return 0


def test_a_storage_failure_reaches_the_dialogue_as_an_event_and_the_call_goes_on(tmp_path: Path) -> None:
    gateway = Gateway(tmp_path)
    gateway.app[GATEWAY].config = replace(gateway.app[GATEWAY].config, recordings=BrokenStorage(tmp_path))

    async def scenario() -> Any:
        await gateway.runner.start("record-and-play", {})
        async with TestClient(TestServer(gateway.app)) as client:
            return await post(client, "/calls/call-1/turns/1", [Part("result", recording_result()),
                                                                 Part("rayvrAudio", AUDIO, "audio/x-wav")])

    status, document, _ = run(scenario())
    assert status == 200 and document.count(b"<exit") == 1, "the dialogue went on to its own end"
    [event] = gateway.inputs()
    assert event == Event(STORAGE_FAILED_EVENT, "the recording was not stored: OSError: [Errno 28] No space left on device")


def test_a_client_that_goes_away_mid_upload_keeps_nothing(tmp_path: Path) -> None:
    body, content_type = multipart_body([Part("result", recording_result()), Part("rayvrAudio", AUDIO, "audio/x-wav")])
    status, _ = read(tmp_path, [], raw=(body[: len(body) // 2], content_type))
    assert status == 400
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_upload_as_json_names_what_was_stored() -> None:
    assert Upload("c/1-x.wav", 3, None).as_json() == {"location": "c/1-x.wav", "size": 3, "type": None,
                                                      "too_large": False}


def test_audio_the_result_does_not_refer_to_is_not_kept(tmp_path: Path) -> None:
    gateway = Gateway(tmp_path)

    async def scenario() -> tuple[int, dict[str, str]]:
        await gateway.runner.start("record-and-play", {})
        async with TestClient(TestServer(gateway.app)) as client:
            # Audio with a result that is not a recording (an event): the dialogue never hears of the audio.
            status, _, headers = await post(client, "/calls/call-1/turns/1", [
                Part("result", b'{"events": [{"name": "nomatch", "message": ""}]}'),
                Part("rayvrAudio", AUDIO, "audio/x-wav", filename="rayvrAudio.wav")])
            return status, headers

    status, headers = run(scenario())
    assert status == 200 and headers["X-Rayvr-Turn"] == "2"
    assert gateway.files() == {}


def test_a_result_nested_too_deep_with_audio_is_a_400_and_keeps_nothing(tmp_path: Path) -> None:
    gateway = Gateway(tmp_path)
    deep = b'{"events": [], "value": {"data": ' + b"[" * 2_000 + b"]" * 2_000 + b"}}"  # past json's recursion limit

    async def scenario() -> tuple[tuple[int, bytes, dict[str, str]], ...]:
        await gateway.runner.start("record-and-play", {})
        async with TestClient(TestServer(gateway.app)) as client:
            with_audio = await post(client, "/calls/call-1/turns/1", [
                Part("result", deep), Part("rayvrAudio", AUDIO, "audio/x-wav", filename="rayvrAudio.wav")])
            plain = await post(client, "/calls/call-1/turns/1", form={"result": deep.decode()})
            return with_audio, plain

    for status, _, headers in run(scenario()):
        assert status == 400
        assert "cannot read the browser's result" in headers["X-Rayvr-Error"]
    assert gateway.files() == {}
    assert gateway.inputs() == []


def test_a_head_request_for_a_recording_has_its_headers_and_no_body(tmp_path: Path) -> None:
    gateway = Gateway(tmp_path)

    async def scenario() -> tuple[int, dict[str, str], bytes]:
        await gateway.runner.start("record-and-play", {})
        async with TestClient(TestServer(gateway.app)) as client:
            await post(client, "/calls/call-1/turns/1", [
                Part("result", recording_result(), "text/plain; charset=UTF-8"),
                Part("rayvrAudio", AUDIO, "audio/x-wav", filename="rayvrAudio.wav")])
            [location] = gateway.files()
            head = await client.head(f"/recordings/{location}")
            return head.status, dict(head.headers), await head.read()

    status, headers, body = run(scenario())
    assert (status, headers["Content-Length"], headers["Content-Type"], body) == (200, str(len(AUDIO)), "audio/x-wav", b"")
