"""Where uploaded recordings go: a small storage interface and a directory implementation.

The gateway names every recording itself (:func:`recording_key`):
``<call id>/<turn>-<32 hex digits><extension>``. The random part makes a
recording's URL unguessable, and a key is checked against that exact shape
before any storage sees it, so no path can be smuggled in. The journal keeps
the key (``RecordedAudio.location``), never the audio.

To store recordings elsewhere (an object store, a database), subclass
:class:`RecordingStorage` and pass it as ``GatewayConfig(recordings=...)``.
On a cluster every gateway must reach the same storage (for a directory: a
shared file system), because any gateway may serve a recording back.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from abc import ABC, abstractmethod
from pathlib import Path
from typing import AsyncIterable, AsyncIterator, BinaryIO

KEY = re.compile(r"[A-Za-z0-9_-]{1,64}/[0-9]{1,9}-[0-9a-f]{32}\.[a-z0-9]{1,8}")
CHUNK_BYTES = 64 * 1024

# What a recording's media type is saved as, and served back with.
_EXTENSIONS = {"audio/wav": ".wav", "audio/x-wav": ".wav", "audio/wave": ".wav", "audio/vnd.wave": ".wav",
               "audio/basic": ".au", "audio/x-alaw-basic": ".alaw", "audio/mpeg": ".mp3", "audio/mp3": ".mp3",
               "audio/ogg": ".ogg", "audio/amr": ".amr", "audio/webm": ".webm", "video/mp4": ".mp4"}
_SERVED_AS = {".wav": "audio/x-wav", ".au": "audio/basic", ".alaw": "audio/x-alaw-basic", ".mp3": "audio/mpeg",
              ".ogg": "audio/ogg", ".amr": "audio/amr", ".webm": "audio/webm", ".mp4": "video/mp4",
              ".bin": "application/octet-stream"}


def recording_key(call_id: str, seq: int, media_type: str | None) -> str:
    """A new, unguessable key for a recording of turn ``seq`` of ``call_id``."""
    extension = _EXTENSIONS.get((media_type or "").split(";")[0].strip().lower(), ".bin")
    key = f"{call_id}/{seq}-{uuid.uuid4().hex}{extension}"
    if not KEY.fullmatch(key):
        raise ValueError(f"cannot name a recording for call {call_id!r}, turn {seq}")
    return key


def served_media_type(key: str) -> str:
    """The media type a stored recording is served with (from its key's extension)."""
    return _SERVED_AS.get(os.path.splitext(key)[1], "application/octet-stream")


def check_key(key: str) -> str:
    """``key`` if it has the shape :func:`recording_key` gives, else :class:`KeyError`."""
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise KeyError(key)
    return key


class RecordingStorage(ABC):
    """Stores recordings under keys made by :func:`recording_key` (already checked when a method is called)."""

    @abstractmethod
    async def save(self, key: str, chunks: AsyncIterable[bytes]) -> int:
        """Store the audio ``chunks`` under ``key``; return its size in bytes.

        If iterating ``chunks`` raises (the upload is too large, the client
        went away), keep nothing and let the error propagate.
        """

    @abstractmethod
    async def open(self, key: str) -> tuple[int, AsyncIterator[bytes]]:
        """The size of the recording under ``key`` and its bytes, in chunks; :class:`KeyError` if there is none."""

    @abstractmethod
    async def exists(self, key: str) -> bool:
        """Whether a recording is stored under ``key``."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the recording under ``key`` (nothing if there is none)."""


class DirectoryStorage(RecordingStorage):
    """Recordings as files under ``root`` (``root/<call id>/<turn>-<random>.wav``), written whole or not at all."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"DirectoryStorage({str(self.root)!r})"

    def path(self, key: str) -> Path:
        """The file of ``key``, which is checked to lie inside the root."""
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise KeyError(key)
        return path

    async def save(self, key: str, chunks: AsyncIterable[bytes]) -> int:
        path = self.path(key)
        partial = path.with_name(path.name + ".part")
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        file: BinaryIO = await asyncio.to_thread(open, partial, "xb")
        size = 0
        try:
            async for chunk in chunks:
                await asyncio.to_thread(file.write, chunk)
                size += len(chunk)
            await asyncio.to_thread(file.close)
            await asyncio.to_thread(os.replace, partial, path)
        except BaseException:
            file.close()
            partial.unlink(missing_ok=True)
            raise
        return size

    async def open(self, key: str) -> tuple[int, AsyncIterator[bytes]]:
        path = self.path(key)
        try:
            file: BinaryIO = await asyncio.to_thread(open, path, "rb")
        except FileNotFoundError:
            raise KeyError(key) from None
        size = os.fstat(file.fileno()).st_size

        async def chunks() -> AsyncIterator[bytes]:
            try:
                while chunk := await asyncio.to_thread(file.read, CHUNK_BYTES):
                    yield chunk
            finally:
                file.close()

        return size, chunks()

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path(key).is_file)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path(key).unlink, missing_ok=True)
