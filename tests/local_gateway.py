"""The real gateway application with each call's actor replaced by an in-process call runner: the HTTP path without Ray.

Everything between the socket and the actor is the production code (routes,
form decoding, result parsing, rendering, hooks, error notices); the call
runs through the same runner, journal and checkpoint code an actor uses,
against the configured store. Tests that need the real actors use
:class:`support.GatewayThread` instead.
"""

from __future__ import annotations

import uuid
from typing import Any, Awaitable, Callable

from gateway.app import GATEWAY
from runtime import CallRunner, CheckpointStore
from support import GatewayThread


class _Method:
    """``handle.method.remote(...)`` gives an awaitable, like a Ray actor method's object ref."""

    def __init__(self, function: Callable[..., Awaitable[Any]]) -> None:
        self._function = function

    def remote(self, *args: Any) -> Awaitable[Any]:
        return self._function(*args)


class LocalCall:
    """Stands in for one call's actor handle."""

    def __init__(self, call_id: str, store: CheckpointStore) -> None:
        self.runner = CallRunner(call_id, store)
        self.start = _Method(self.runner.start)
        self.advance = _Method(self.runner.advance)


class _LocalPool:
    ready = 1

    def __init__(self, store: CheckpointStore) -> None:
        self.store = store

    def fill(self) -> None:
        pass

    async def take(self, timeout: float) -> tuple[str, LocalCall]:
        call_id = uuid.uuid4().hex
        return call_id, LocalCall(call_id, self.store)

    async def close(self) -> None:
        pass


class _LocalHandles:
    def __init__(self) -> None:
        self._calls: dict[str, LocalCall] = {}

    def put(self, call_id: str, handle: LocalCall) -> None:
        self._calls[call_id] = handle

    def forget(self, call_id: str) -> None:
        self._calls.pop(call_id, None)

    async def get(self, call_id: str) -> LocalCall | None:
        return self._calls.get(call_id)


class LocalGatewayThread(GatewayThread):
    """:class:`support.GatewayThread` whose calls run in this process (use ``with``; ``.url`` is its address)."""

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        gateway = self._app[GATEWAY]
        gateway.pool = _LocalPool(config.calls.store)
        gateway.handles = _LocalHandles()
