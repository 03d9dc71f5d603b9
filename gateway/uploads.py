"""Turn results that carry audio: streaming multipart uploads, and reading recordings into typed results.

A document with audio for the server posts ``multipart/form-data``: the
``result`` JSON as a text part and the audio as the ``rayvrAudio`` part
(:mod:`gateway.render`). :func:`read_multipart` reads it as a stream (never
with ``request.post()``, which would hold the audio in memory and apply the
body limit meant for text): text parts are decoded in whatever charset
their headers name (any spelling: ``charset=UTF-8``, ``charset="utf-8"``,
with other parameters, or none, meaning UTF-8) and limited in total; the
audio goes straight to the :class:`~gateway.storage.RecordingStorage`. An
upload over the configured limit is not an HTTP error: nothing is kept and
the dialogue gets a recording marked ``too_large``, so the call goes on. If
the storage itself fails, the dialogue gets the event
``error.rayvr.recording`` instead, and the call goes on too.

The gateway then adds what it stored to the result, as the key ``upload``::

    "upload": {"location": "<call>/<turn>-<hex>.wav", "size": 48044, "type": "audio/x-wav", "too_large": false}

so a "retry" document (see :func:`gateway.render.render_retry`) re-posts a
reference to the stored audio, not the audio. A post without audio may
carry ``upload`` only as such a re-post: its location must be one of this
turn's stored recordings.

Result keys read here (see ``root.js``): ``recording`` (a ``<record>``:
duration, size, termchar, maxtime, kept name, media type) gives
:class:`~runtime.Recorded`; ``utterance`` (``recordutterance``) gives a
:class:`~runtime.Recognition` with its ``recording``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass
from email.message import Message
from typing import Any, AsyncIterator

from aiohttp import BodyPartReader, MultipartReader, web

from gateway.storage import CHUNK_BYTES, RecordingStorage, check_key, recording_key
from gateway.wire import (AUDIO_FIELD, Posted, _hypothesis, bad, expect_list, expect_number,
                          expect_object, result_reader)
from runtime.errors import BadResult
from runtime.recordings import Recorded, RecordedAudio
from runtime.results import Recognition

UPLOAD_KEY = "upload"
# What the dialogue gets when the recordings storage failed (the audio is lost, the call goes on).
STORAGE_FAILED_EVENT = "error.rayvr.recording"

log = logging.getLogger("rayvr.gateway")


@dataclass(frozen=True, slots=True)
class Upload:
    """What became of a posted audio part: stored under ``location``, too large, or not stored (``failure``)."""

    location: str | None
    size: int
    media_type: str | None
    too_large: bool = False
    failure: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"location": self.location, "size": self.size, "type": self.media_type, "too_large": self.too_large}


class _TooLarge(Exception):
    pass


class _Unreadable(Exception):
    """Reading the post failed (not the storage): the original error is the cause."""


# --- reading a multipart post ----------------------------------------------------------------------


async def read_multipart(request: web.Request, storage: RecordingStorage, call_id: str, seq: int,
                         max_audio_bytes: int, max_text_bytes: int) -> tuple[dict[str, list[str]], Upload | None]:
    """The text fields of a multipart post, and what became of its audio part (stored as it streams in).

    Raises:
        BadResult: the body is not well-formed multipart, or a text part cannot be decoded.
        web.HTTPRequestEntityTooLarge: the text parts together exceed ``max_text_bytes``.
    """
    fields: dict[str, list[str]] = {}
    upload: Upload | None = None
    budget = max_text_bytes
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if isinstance(part, MultipartReader):
                await _drain_nested(part)
            elif part.name == AUDIO_FIELD and upload is None:
                upload = await _save_audio(part, storage, call_id, seq, max_audio_bytes)
            elif part.name is None or part.name == AUDIO_FIELD or part.filename is not None:
                await _drain(part)  # only the turn's own audio part is ever stored, and only once
            else:
                text, budget = await _read_text(part, budget, max_text_bytes)
                fields.setdefault(part.name, []).append(text)
    except BaseException as error:
        if upload is not None and upload.location is not None:
            await storage.delete(upload.location)
        if isinstance(error, (ValueError, RuntimeError)):  # aiohttp's word for a malformed body
            raise BadResult(f"the request body cannot be read: malformed multipart body: {error}") from None
        raise
    return fields, upload


async def _save_audio(part: BodyPartReader, storage: RecordingStorage, call_id: str, seq: int,
                      limit: int) -> Upload:
    media_type = part.headers.get("Content-Type")
    key = recording_key(call_id, seq, media_type)
    received = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal received
        while True:
            try:
                chunk = await part.read_chunk(CHUNK_BYTES)
                data = bytes(part.decode(chunk))
            except Exception as error:
                raise _Unreadable() from error
            if not chunk:
                return
            received += len(data)
            if received > limit:
                raise _TooLarge()
            yield data

    try:
        size = await storage.save(key, chunks())
    except _Unreadable as error:
        raise error.__cause__ from None  # type: ignore[misc]
    except _TooLarge:
        return Upload(None, await _count_rest(part, received), media_type, too_large=True)
    except Exception as error:
        # The storage failed: the call goes on, and the dialogue hears of it as an event.
        log.error("recording could not be stored: %r", error, extra={"call_id": call_id, "turn": seq})
        return Upload(None, await _count_rest(part, received), media_type, failure=f"{type(error).__name__}: {error}")
    return Upload(key, size, media_type)


async def _count_rest(part: BodyPartReader, received: int) -> int:
    """Read the rest of an audio part without keeping it; the part's whole size."""
    while chunk := await part.read_chunk(CHUNK_BYTES):
        received += len(part.decode(chunk))
    return received


async def _read_text(part: BodyPartReader, budget: int, limit: int) -> tuple[str, int]:
    data = bytearray()
    while chunk := await part.read_chunk(CHUNK_BYTES):
        data += chunk
        if len(data) > budget:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=limit - budget + len(data))
    charset = part_charset(part.headers.get("Content-Type"))
    try:
        return bytes(part.decode(bytes(data))).decode(charset), budget - len(data)
    except (LookupError, UnicodeDecodeError):
        raise BadResult(f"the request body cannot be read: part {part.name!r} is not valid {charset}") from None


def part_charset(content_type: str | None) -> str:
    """The charset a part's ``Content-Type`` names (quoted or not, in any case, among other parameters), or UTF-8."""
    if not content_type:
        return "utf-8"
    header = Message()
    header["Content-Type"] = content_type
    return header.get_content_charset() or "utf-8"


async def _drain(part: BodyPartReader) -> None:
    while await part.read_chunk(CHUNK_BYTES):
        pass


async def _drain_nested(reader: MultipartReader) -> None:
    while (part := await reader.next()) is not None:
        if isinstance(part, MultipartReader):
            await _drain_nested(part)
        else:
            await _drain(part)


# --- the stored audio in the result ------------------------------------------------------------


def attach_upload(result_json: str, upload: Upload) -> str:
    """``result_json`` with what the gateway stored as its ``upload`` (unchanged if it is not a JSON object).

    Audio the storage could not keep adds a :data:`STORAGE_FAILED_EVENT` event (after the browser's own).
    """
    try:
        result = json.loads(result_json)
    except (ValueError, RecursionError):
        return result_json  # parse_result says what is wrong with it
    if not isinstance(result, dict):
        return result_json
    result[UPLOAD_KEY] = upload.as_json()
    if upload.failure is not None and isinstance(result.get("events", []), list):
        result["events"] = [*result.get("events", []),
                            {"name": STORAGE_FAILED_EVENT, "message": f"the recording was not stored: {upload.failure}"}]
    try:
        return json.dumps(result, ensure_ascii=False)
    except (ValueError, RecursionError):
        return result_json


async def check_reposted_upload(result_json: str, call_id: str, seq: int, storage: RecordingStorage) -> None:
    """Refuse an ``upload`` in a post without audio unless it names a stored recording of this very turn."""
    try:
        result = json.loads(result_json)
    except (ValueError, RecursionError):
        return  # parse_result says what is wrong with it
    if not isinstance(result, dict) or result.get(UPLOAD_KEY) is None:
        return
    upload = expect_object(result[UPLOAD_KEY], UPLOAD_KEY)
    if upload.get("too_large") is True and upload.get("location") is None:
        return
    location = upload.get("location")
    try:
        if not (isinstance(location, str) and location.startswith(f"{call_id}/{seq}-")
                and await storage.exists(check_key(location))):
            raise KeyError(location)
    except KeyError:
        bad(f"upload.location {location!r} is not a recording stored for this turn")


def references(value: Any, location: str) -> bool:
    """Whether a typed result holds the stored recording at ``location`` (anywhere in its fields)."""
    if isinstance(value, RecordedAudio):
        return value.location == location
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(references(getattr(value, f.name), location) for f in dataclasses.fields(value))
    if isinstance(value, (list, tuple)):
        return any(references(item, location) for item in value)
    return False


# --- result readers ----------------------------------------------------------------------------


@result_reader("recording")
def _recording(value: Any, posted: Posted) -> Recorded:
    item = expect_object(value, "recording")
    termchar = item.get("termchar")
    if termchar is not None and not (isinstance(termchar, str) and len(termchar) == 1):
        bad(f"recording.termchar is {termchar!r}, not one key")
    maxtime = item.get("maxtime", False)
    if not isinstance(maxtime, bool):
        bad(f"recording.maxtime is {maxtime!r}, not true or false")
    hypotheses = tuple(_hypothesis(entry, f"recognition[{i}]")
                       for i, entry in enumerate(expect_list(posted.data, "recognition")))
    termination = Recognition(hypotheses, posted.mark) if hypotheses else None
    return Recorded(_audio(item, posted.data, "recording"), termchar, maxtime, termination, posted.mark)


@result_reader("utterance")
def _utterance(value: Any, posted: Posted) -> Recognition:
    item = expect_object(value, "utterance")
    hypotheses = tuple(_hypothesis(entry, f"recognition[{i}]")
                       for i, entry in enumerate(expect_list(posted.data, "recognition")))
    if not hypotheses:
        bad("utterance is posted without a recognition")
    return Recognition(hypotheses, posted.mark, recording=_audio(item, posted.data, "utterance"))


def _audio(item: dict[str, Any], data: dict[str, Any], where: str) -> RecordedAudio:
    duration = _count(item.get("duration"), f"{where}.duration")
    media_type = _text(item.get("type"), f"{where}.type")
    kept = _text(item.get("kept"), f"{where}.kept")
    try:
        if kept is not None:
            return RecordedAudio(kept=kept, size=_count(item.get("size"), f"{where}.size"), duration_ms=duration,
                                 media_type=media_type)
        if data.get(UPLOAD_KEY) is None:
            bad(f"{where} says audio was recorded, but the post carries none")
        upload = expect_object(data[UPLOAD_KEY], UPLOAD_KEY)
        too_large = upload.get("too_large", False) is True
        return RecordedAudio(location=None if too_large else _text(upload.get("location"), "upload.location"),
                             size=_count(upload.get("size"), "upload.size"), duration_ms=duration,
                             media_type=_text(upload.get("type"), "upload.type") or media_type, too_large=too_large)
    except ValueError as error:
        raise BadResult(f"cannot read the browser's result: {where}: {error}") from None


def _count(value: Any, where: str) -> int | None:
    if value is None:
        return None
    number = round(expect_number(value, where))
    if number < 0:
        bad(f"{where} is {value!r}, not a size or duration")
    return number


def _text(value: Any, where: str) -> str | None:
    if value is not None and not isinstance(value, str):
        bad(f"{where} is {value!r}, not a string")
    return value

