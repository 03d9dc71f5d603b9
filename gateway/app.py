"""The HTTP gateway: VoiceXML browser requests in, one call actor per call, VoiceXML documents out.

The gateway keeps no call state: any replica can serve any turn, because the
call's actor is found by name and the turn number travels in the URL.

Routes:
    ``GET|POST /dialogues/{name}``               start a call (all parameters reach the dialogue)
    ``GET|POST /calls/{call_id}/turns/{seq}``    the browser's result for turn ``seq``
    ``GET /root.vxml``                           the application root document
    ``GET /recordings/{call_id}/{name}``         a stored recording, for playback
    ``GET /health``                              liveness

A turn's result with audio is posted multipart; the audio is streamed into
the recordings storage (:mod:`gateway.uploads`), never held whole in memory.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

import ray
from aiohttp import web
from ray.exceptions import RayActorError

from gateway.render import FAILURE_TEXT, DocumentHook, RenderContext, render, render_notice, render_retry, render_root
from gateway.storage import DirectoryStorage, RecordingStorage, check_key, served_media_type
from gateway.uploads import Upload, attach_upload, check_reposted_upload, read_multipart, references
from gateway.wire import RESULT_FIELD, decode_form, parse_result
from runtime import (BadResult, CallBusy, CallConfig, CallEnded, CallNotFound, CallPool, DocumentSettings,
                     FutureTurn, Reply, StoreError, UnknownDialogue, find_call_actor, import_dialogues, lookup,
                     read_checkpoint)
from runtime.settings import NO_SETTINGS

log = logging.getLogger("rayvr.gateway")

VXML = "application/voicexml+xml"
CALL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TURN = re.compile(r"^[1-9][0-9]{0,8}$")


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """How the gateway behaves; every field has a laptop-friendly default.

    Args:
        calls: what each call actor is created with (store, dialogue modules, idle timeout).
        pool_size: call actors kept ready ahead of calls.
        actor_timeout_s: how long a request waits on a call's actor before answering "retry".
        start_timeout_s: how long a new call waits for its actor (from the pool, and to start the dialogue).
        retry_documents: how many "retry" documents one turn may get before the call is given up.
        max_body_bytes: the largest request body accepted.
        lang: default ``xml:lang`` of documents.
        submit_retries: how often a document re-submits a turn after a failed fetch.
        fetch_timeout_s: the browser's fetch timeout for each submit.
        fetch_audio: audio played while a submit is in flight (a URL), or None.
        failure_text: what the caller hears when the call cannot go on.
        base_path: the path prefix under which the gateway is mounted.
        document_hooks: functions ``hook(root, turn, ctx)`` that post-process every
            turn's document, in order (vendor extensions; see :data:`gateway.render.DocumentHook`).
        recordings: where uploaded recordings are stored (a directory by default).
        max_recording_bytes: the largest recording kept; a larger one reaches the
            dialogue as a recording marked ``too_large`` (the call goes on).
    """

    calls: CallConfig = field(default_factory=CallConfig)
    pool_size: int = 2
    actor_timeout_s: float = 8.0
    start_timeout_s: float = 30.0
    retry_documents: int = 5
    max_body_bytes: int = 1024 * 1024
    lang: str = "en-US"
    submit_retries: int = 3
    fetch_timeout_s: int = 10
    fetch_audio: str | None = None
    failure_text: str = FAILURE_TEXT
    base_path: str = ""
    document_hooks: tuple[DocumentHook, ...] = ()
    recordings: RecordingStorage = field(default_factory=lambda: DirectoryStorage("recordings"))
    max_recording_bytes: int = 10 * 1024 * 1024


class _Handles:
    """Actor handles by call id (``ray.get_actor`` blocks, so it runs off the event loop, once per call)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._handles: OrderedDict[str, Any] = OrderedDict()
        self._capacity = capacity

    def put(self, call_id: str, handle: Any) -> None:
        self._handles[call_id] = handle
        self._handles.move_to_end(call_id)
        while len(self._handles) > self._capacity:
            self._handles.popitem(last=False)

    def forget(self, call_id: str) -> None:
        self._handles.pop(call_id, None)

    async def get(self, call_id: str) -> Any | None:
        handle = self._handles.get(call_id)
        if handle is None:
            handle = await asyncio.get_running_loop().run_in_executor(None, find_call_actor, call_id)
            if handle is not None:
                self.put(call_id, handle)
        return handle


class Gateway:
    """Request handlers and the state they share (the actor pool and a handle cache)."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        import_dialogues(config.calls.dialogue_modules)  # to answer unknown names without asking an actor
        self.pool = CallPool(config.calls, config.pool_size)
        self.handles = _Handles()
        self.root_document = render_root()

    # --- helpers ---------------------------------------------------------------------------

    def _context(self, call_id: str, seq: int, settings: DocumentSettings = NO_SETTINGS) -> RenderContext:
        base = self.config.base_path
        return RenderContext(call_id=call_id, seq=seq, submit_url=f"{base}/calls/{call_id}/turns/{seq}",
                             root_url=f"{base}/root.vxml", lang=self.config.lang,
                             submit_retries=self.config.submit_retries,
                             fetch_timeout_s=self.config.fetch_timeout_s, fetch_audio=self.config.fetch_audio,
                             failure_text=self.config.failure_text, settings=settings,
                             recordings_url=f"{base}/recordings")

    def _document(self, reply: Reply) -> web.Response:
        try:
            body = render(reply.turn, self._context(reply.call_id, reply.seq, reply.settings),
                          self.config.document_hooks)
        except Exception:
            # A turn the renderer refuses (no renderer for its type, a value VoiceXML cannot carry), or a
            # failing document hook: the browser still gets a valid document.
            log.exception("turn %r cannot be rendered", reply.turn, extra={"call_id": reply.call_id, "turn": reply.seq})
            return self._notice(500, self.config.failure_text)
        headers = {"Cache-Control": "no-store", "X-Rayvr-Call": reply.call_id, "X-Rayvr-Turn": str(reply.seq)}
        if reply.repeated:
            headers["X-Rayvr-Repeated"] = "1"
        return web.Response(body=body, content_type=VXML, charset="utf-8", headers=headers)

    def _notice(self, status: int, text: str, **headers: str) -> web.Response:
        return web.Response(status=status, body=render_notice(text, self.config.lang), content_type=VXML,
                            charset="utf-8", headers={"Cache-Control": "no-store", **headers})

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        """Query-string and body parameters together (some browsers post namelists in the query).

        A urlencoded body is read in the charset its Content-Type declares
        (see :func:`gateway.wire.decode_form`); a body without a Content-Type
        is read as urlencoded too. A charset that cannot be read is a 400.
        """
        try:
            sources: list[Any] = [decode_form(request.rel_url.raw_query_string)]
            if request.method == "POST" and request.can_read_body:
                if request.content_type in ("", "application/x-www-form-urlencoded") or \
                        "Content-Type" not in request.headers:
                    sources.append(decode_form(await request.read(), request.charset))
                else:
                    sources.append((await request.post()).items())
        except (ValueError, LookupError, UnicodeDecodeError, AssertionError) as error:
            # A broken multipart body, an unknown charset: the browser's post cannot be read.
            raise BadResult(f"the request body cannot be read: {error or type(error).__name__}") from None
        return _merged(sources)

    async def _turn_params(self, request: web.Request, call_id: str, seq: int) -> tuple[dict[str, Any], Upload | None]:
        """A turn's parameters; a multipart post's audio is streamed into the recordings storage on the way."""
        if request.method != "POST" or request.content_type != "multipart/form-data":
            params = await self._params(request)
            if isinstance(params.get(RESULT_FIELD), str):
                await check_reposted_upload(params[RESULT_FIELD], call_id, seq, self.config.recordings)
            return params, None
        fields, upload = await read_multipart(request, self.config.recordings, call_id, seq,
                                              self.config.max_recording_bytes, self.config.max_body_bytes)
        try:
            params = _merged([decode_form(request.rel_url.raw_query_string),
                               [(key, value) for key, values in fields.items() for value in values]])
            result = params.get(RESULT_FIELD)
            if isinstance(result, str):
                if upload is not None:
                    params[RESULT_FIELD] = attach_upload(result, upload)
                else:
                    await check_reposted_upload(result, call_id, seq, self.config.recordings)
        except BaseException:
            if upload is not None and upload.location is not None:
                await self.config.recordings.delete(upload.location)  # nothing will ever refer to it
            raise
        if upload is not None:
            stored = (f"too large, {upload.size} bytes dropped" if upload.too_large else
                      f"{upload.size} bytes stored as {upload.location}" if upload.location else "not stored")
            log.info("recording upload: %s", stored, extra={"call_id": call_id, "turn": seq})
        return params, upload

    async def _on_actor(self, call_id: str, seq: int, method: Callable[[], Awaitable[Reply]],
                        timeout: float | None = None) -> Reply:
        timeout = timeout or self.config.actor_timeout_s
        try:
            return await asyncio.wait_for(method(), timeout)
        except asyncio.TimeoutError:
            raise CallBusy(f"the call's actor did not answer within {timeout:.1f} s", call_id=call_id,
                           turn=seq) from None

    # --- handlers --------------------------------------------------------------------------

    async def root(self, request: web.Request) -> web.Response:
        """The application root document (its script collects each turn's result)."""
        return web.Response(body=self.root_document, content_type=VXML, charset="utf-8",
                            headers={"Cache-Control": "max-age=300"})

    async def health(self, request: web.Request) -> web.Response:
        """Liveness: the gateway answers and Ray is connected."""
        return web.json_response({"status": "ok", "ray": ray.is_initialized(), "ready_actors": self.pool.ready})

    async def start(self, request: web.Request) -> web.Response:
        """Start a call of the named dialogue and return its first document."""
        name = request.match_info["name"]
        try:
            lookup(name)
        except UnknownDialogue as error:
            log.info("start refused: %s", error)
            return self._notice(404, "There is no dialogue by that name.")
        try:
            params = await self._params(request)
        except BadResult as error:
            log.warning("start of %s refused: %s", name, error)
            return self._notice(400, "The request could not be read.",
                                **{"X-Rayvr-Error": _header_text(error.message)})
        try:
            call_id, actor = await self.pool.take(self.config.start_timeout_s)
        except CallBusy as error:
            log.warning("start of %s refused: %s", name, error)
            return self._notice(503, self.config.failure_text, **{"Retry-After": "1"})
        self.handles.put(call_id, actor)
        try:
            # A pre-created actor may be restarting (its node died): wait longer than for a turn.
            reply = await self._on_actor(call_id, 0, lambda: actor.start.remote(name, params),
                                         self.config.start_timeout_s)
        except (CallBusy, StoreError, RayActorError) as error:
            log.error("call could not start: %s", error, extra={"call_id": call_id})
            return self._notice(503, self.config.failure_text)
        log.info("call started: %s", name, extra={"call_id": call_id, "turn": reply.seq})
        return self._document(reply)

    async def turn(self, request: web.Request) -> web.Response:
        """Apply the browser's result for a turn and return the next document."""
        call_id = request.match_info["call_id"]
        if not CALL_ID.match(call_id):
            return self._notice(404, "This call does not exist.")
        if not TURN.match(request.match_info["seq"]):
            return self._notice(404, "This turn does not exist.")
        seq = int(request.match_info["seq"])
        upload: Upload | None = None
        keep_upload = False
        try:
            params, upload = await self._turn_params(request, call_id, seq)
            response, keep_upload = await self._apply(call_id, seq, params, upload)
            return response
        except BadResult as error:
            log.warning("unreadable post: %s", error, extra={"call_id": call_id, "turn": seq})
            return self._notice(400, "The result of this turn could not be read.",
                                **{"X-Rayvr-Error": _header_text(error.message)})
        finally:
            if upload is not None and upload.location is not None and not keep_upload:
                # Not referenced by the journal (a repeated post, or one that was refused): do not keep it.
                await self.config.recordings.delete(upload.location)

    async def _apply(self, call_id: str, seq: int, params: dict[str, Any], upload: Upload | None
                     ) -> tuple[web.Response, bool]:
        """Apply a turn's parameters; the answer, and whether a recording stored with them may be referenced."""
        attempt = _attempt(params)
        started = time.monotonic()
        try:
            result = parse_result(params)
            reply = await self._advance(call_id, seq, result)
        except BadResult as error:
            log.warning("malformed result: %s", error, extra={"call_id": call_id, "turn": seq})
            return self._notice(400, "The result of this turn could not be read.",
                                **{"X-Rayvr-Error": _header_text(error.message)}), False
        except CallNotFound:
            log.info("turn for unknown call", extra={"call_id": call_id, "turn": seq})
            return self._notice(404, "This call does not exist."), False
        except CallEnded:
            log.info("turn for ended call", extra={"call_id": call_id, "turn": seq})
            return self._notice(410, "This call has ended."), False
        except FutureTurn as error:
            log.warning("%s", error.message, extra={"call_id": call_id, "turn": seq})
            return self._notice(409, "This turn is not the call's current turn."), False
        except (CallBusy, StoreError) as error:
            if attempt >= self.config.retry_documents:
                log.error("giving up after %d retries: %s", attempt, error, extra={"call_id": call_id, "turn": seq})
                return self._notice(503, self.config.failure_text), True
            log.warning("answering retry %d: %s", attempt + 1, error, extra={"call_id": call_id, "turn": seq})
            # The retry re-posts the result as the gateway holds it: with a reference to stored audio, if any.
            return web.Response(body=render_retry(self._context(call_id, seq), params.get("result", ""), attempt + 1),
                                content_type=VXML, charset="utf-8",
                                headers={"Cache-Control": "no-store", "X-Rayvr-Retry": str(attempt + 1)}), True
        log.info("turn %d answered with turn %d in %.1f ms%s", seq, reply.seq, (time.monotonic() - started) * 1000,
                 " (repeated)" if reply.repeated else "", extra={"call_id": call_id, "turn": seq})
        # Audio the result does not refer to (posted to a turn that asked for none) is not kept.
        referenced = upload is None or upload.location is None or references(result, upload.location)
        return self._document(reply), not reply.repeated and referenced

    async def recording(self, request: web.Request) -> web.StreamResponse:
        """A stored recording, streamed back for playback (only keys of the shape the gateway gives out)."""
        try:
            key = check_key(f"{request.match_info['call_id']}/{request.match_info['name']}")
            size, chunks = await self.config.recordings.open(key)
        except KeyError:
            raise web.HTTPNotFound() from None
        headers = {"Content-Type": served_media_type(key), "Content-Length": str(size),
                   "Cache-Control": "private, max-age=3600"}
        if request.method == "HEAD":
            return web.Response(headers=headers)  # the unread chunks are dropped unopened
        response = web.StreamResponse(headers=headers)
        await response.prepare(request)
        try:
            async for chunk in chunks:
                await response.write(chunk)
            await response.write_eof()
        except ConnectionResetError:
            log.info("recording %s: the client went away during the download", key)
        return response

    async def _advance(self, call_id: str, seq: int, result: Any) -> Reply:
        actor = await self.handles.get(call_id)
        if actor is not None:
            try:
                return await self._on_actor(call_id, seq, lambda: actor.advance.remote(seq, result))
            except RayActorError:
                # The actor is gone for good (it ended itself, or was killed): the store has the last word.
                self.handles.forget(call_id)
        return await self._from_store(call_id, seq)

    async def _from_store(self, call_id: str, seq: int) -> Reply:
        store = self.config.calls.store
        checkpoint = await asyncio.get_running_loop().run_in_executor(None, read_checkpoint, store, call_id)
        if checkpoint is None:
            raise CallNotFound("no such call", call_id=call_id, turn=seq)
        if not checkpoint.final:
            # A live call whose actor is not registered (yet): let the browser try again.
            raise CallBusy("the call's actor is not available", call_id=call_id, turn=seq)
        if seq < checkpoint.seq:
            assert checkpoint.output is not None
            return Reply(call_id, checkpoint.seq, checkpoint.output, True, repeated=True, settings=checkpoint.settings)
        raise CallEnded("the call has ended", call_id=call_id, turn=seq)


def _merged(sources: list[Any]) -> dict[str, Any]:
    """Parameters from several sources of (name, value) pairs: one value as a string, a repeated one as a list."""
    merged: dict[str, list[str]] = {}
    for source in sources:
        for key, value in source:
            if isinstance(value, str):
                merged.setdefault(key, []).append(value)
    return {key: values[0] if len(values) == 1 else values for key, values in merged.items()}


def _attempt(params: dict[str, Any]) -> int:
    try:
        return max(0, int(params.get("attempt", 0)))
    except (TypeError, ValueError):
        return 0


@web.middleware
async def _errors_as_vxml(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                          ) -> web.StreamResponse:
    """Errors outside the handlers' own answers (too large, bad method, a bug) still answer with VoiceXML."""
    gateway: Gateway = request.app[GATEWAY]
    call_id = request.match_info.get("call_id")
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        log.warning("%s %s answered %d: %s", request.method, request.path, error.status, error.reason,
                    extra={"call_id": call_id})
        return gateway._notice(error.status, "This request could not be handled.")
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("%s %s failed", request.method, request.path, extra={"call_id": call_id})
        return gateway._notice(500, gateway.config.failure_text)


def _header_text(text: str) -> str:
    """``text`` made safe for an HTTP header value (printable ASCII, one line)."""
    printable = "".join(c if " " <= c != "\x7f" else " " for c in text)
    return printable.encode("ascii", "backslashreplace").decode("ascii")[:300]


GATEWAY = web.AppKey("gateway", Gateway)


def create_app(config: GatewayConfig | None = None) -> web.Application:
    """The gateway's aiohttp application. Ray must already be initialised (see ``rayvr serve``)."""
    config = config or GatewayConfig()
    gateway = Gateway(config)
    app = web.Application(client_max_size=config.max_body_bytes, middlewares=[_errors_as_vxml])
    app[GATEWAY] = gateway
    base = config.base_path
    for method in ("GET", "POST"):
        app.router.add_route(method, f"{base}/dialogues/{{name}}", gateway.start)
        app.router.add_route(method, f"{base}/calls/{{call_id}}/turns/{{seq}}", gateway.turn)
    app.router.add_get(f"{base}/root.vxml", gateway.root)
    app.router.add_get(f"{base}/recordings/{{call_id}}/{{name}}", gateway.recording)
    app.router.add_get(f"{base}/health", gateway.health)

    async def fill_pool(app: web.Application) -> None:
        gateway.pool.fill()

    async def close_pool(app: web.Application) -> None:
        await gateway.pool.close()

    app.on_startup.append(fill_pool)
    app.on_cleanup.append(close_pool)
    return app
