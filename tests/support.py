"""Test helpers: a real gateway on 127.0.0.1 in a background thread, and a client that behaves like a VoiceXML browser."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from lxml import etree

from vxml import assert_valid_vxml

V = "{http://www.w3.org/2001/vxml}"


class GatewayThread:
    """The real aiohttp gateway, listening on 127.0.0.1 on a free port, run by its own event loop."""

    def __init__(self, config: Any) -> None:
        from gateway.app import create_app

        self._app = create_app(config)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.url = ""

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._runner = web.AppRunner(self._app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self._ready.set()
        self._loop.run_forever()

    def __enter__(self) -> "GatewayThread":
        self._thread.start()
        assert self._ready.wait(30), "gateway did not start"
        deadline = time.monotonic() + 120
        while json.loads(http("GET", self.url + "/health").body)["ready_actors"] < 1:
            assert time.monotonic() < deadline, "no call actor became ready"
            time.sleep(0.2)
        return self

    def __exit__(self, *exc: Any) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)


@dataclass
class Document:
    """A VoiceXML document as the gateway sent it, with what a test needs to read from it."""

    status: int
    body: bytes
    headers: dict[str, str]

    @property
    def root(self) -> etree._Element:
        return etree.fromstring(self.body)

    @property
    def text(self) -> str:
        """All prompt text, whitespace-normalised."""
        prompts = [p for form in self.root.iter(f"{V}form") if not form.get("id", "").startswith("rayvr")
                   for p in form.iter(f"{V}prompt")]
        return " ".join(" ".join(" ".join(p.itertext()) for p in prompts).split())

    @property
    def submit_url(self) -> str:
        targets = {s.get("next") for s in self.root.iter(f"{V}submit")}  # with audio: a multipart and a plain one
        assert len(targets) == 1, f"expected one submit target, found {sorted(targets)}"
        return targets.pop()

    @property
    def ends_with(self) -> str | None:
        """``exit`` or ``disconnect`` if the document ends the call outside its failure form."""
        for form in self.root.iter(f"{V}form"):
            if form.get("id", "").startswith("rayvr"):
                continue
            for tag in ("exit", "disconnect"):
                if form.find(f".//{V}{tag}") is not None:
                    return tag
        return None


def http(method: str, url: str, data: bytes | None = None, content_type: str | None = None,
         timeout: float = 60) -> Document:
    """One HTTP request; error statuses are returned, not raised."""
    request = urllib.request.Request(url, data=data, method=method)
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Document(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Document(error.code, error.read(), dict(error.headers))


class Browser:
    """Posts results the way a VoiceXML browser running our documents would, and checks every document."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.documents: list[Document] = []
        self.retries = 0

    def _check(self, document: Document) -> Document:
        assert document.headers.get("Content-Type", "").startswith("application/voicexml+xml"), document.headers
        assert_valid_vxml(document.body)
        self.documents.append(document)
        return document

    def start(self, dialogue: str, **params: str) -> Document:
        query = urllib.parse.urlencode(params)
        return self._check(http("GET", f"{self.base_url}/dialogues/{dialogue}" + (f"?{query}" if query else "")))

    def post(self, document: Document, result: dict[str, Any]) -> Document:
        """Post ``result`` (the JSON object the root script builds) to the document's submit URL."""
        return self.post_raw(document.submit_url, {"result": json.dumps(result)})

    def post_raw(self, path: str, fields: dict[str, str], follow_retries: int = 40) -> Document:
        """Post ``fields``; a "retry" document is followed by posting the same fields again, as a browser would."""
        body = urllib.parse.urlencode(fields).encode()
        document = self._check(http("POST", self.base_url + path, body, "application/x-www-form-urlencoded"))
        hops = 0
        while "X-Rayvr-Retry" in document.headers and hops < follow_retries:
            hops += 1
            self.retries += 1
            document = self._check(http("POST", self.base_url + document.submit_url, body,
                                        "application/x-www-form-urlencoded"))
        return document

    def post_multipart(self, document: Document, result: dict[str, Any], audio: bytes | None,
                       media_type: str = "audio/x-wav", result_type: str | None = "text/plain; charset=UTF-8",
                       query: str = "") -> Document:
        """Post ``result`` as the document's multipart submit does, with ``audio`` as its ``rayvrAudio`` part."""
        parts = [Part("result", json.dumps(result, ensure_ascii=False).encode(), result_type)]
        if audio is not None:
            parts.append(Part("rayvrAudio", audio, media_type, filename="rayvrAudio.wav"))
        body, content_type = multipart_body(parts)
        path = document.submit_url + (f"?{query}" if query else "")
        return self._check(http("POST", self.base_url + path, body, content_type))

    def played(self, document: Document) -> Document:
        return self.post(document, {"events": []})

    def dtmf(self, document: Document, keys: str, interpretation: Any = None) -> Document:
        return self.post(document, {"events": [], "recognition": [{
            "utterance": keys, "interpretation": keys if interpretation is None else interpretation,
            "confidence": 1, "inputmode": "dtmf"}]})

    def event(self, document: Document, name: str, message: str = "") -> Document:
        return self.post(document, {"events": [{"name": name, "message": message}]})


@dataclass
class Part:
    """One part of a multipart/form-data body."""

    name: str
    content: bytes
    content_type: str | None = None
    filename: str | None = None
    headers: dict[str, str] | None = None


def multipart_body(parts: list[Part], boundary: str = "rayvr-test-7d3f9a") -> tuple[bytes, str]:
    """A ``multipart/form-data`` body of ``parts``, and its content type, written byte by byte as a browser would."""
    body = bytearray()
    for part in parts:
        disposition = f'form-data; name="{part.name}"' + (f'; filename="{part.filename}"' if part.filename else "")
        lines = [f"--{boundary}", f"Content-Disposition: {disposition}"]
        if part.content_type is not None:
            lines.append(f"Content-Type: {part.content_type}")
        lines += [f"{name}: {value}" for name, value in (part.headers or {}).items()]
        body += ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + part.content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return bytes(body), f"multipart/form-data; boundary={boundary}"


def wait_for_exit(pid: int, timeout: float = 30) -> None:
    """Wait until process ``pid`` has exited (a zombie counts as exited)."""
    deadline = time.monotonic() + timeout
    while _process_state(pid) not in ("gone", "Z"):
        assert time.monotonic() < deadline, f"process {pid} did not exit"
        time.sleep(0.05)


def _process_state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"
