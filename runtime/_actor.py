"""The call actor: one detached, restartable Ray actor per call, and the pool that pre-creates them.

Each actor is named after its call id, so any gateway replica finds it; it
is detached so it outlives the gateway that created it; Ray restarts it
without limit (on another node if its node dies) and retries the call that
was in flight, which is safe because turns are idempotent. Its constructor
restores the checkpoint and replays the dialogue.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
import warnings
from dataclasses import dataclass, field
from typing import Any

import ray

from runtime._log import configure_logging
from runtime._registry import import_dialogues
from runtime._runner import CallRunner, Reply
from runtime._stores import CheckpointStore, RayKVStore
from runtime.errors import CallBusy
from runtime.results import InputResult

log = logging.getLogger("rayvr.actor")

NAMESPACE = "rayvr"
# After its last turn an actor lingers briefly so a retried post is answered from memory.
LINGER_SECONDS = 2.0


def actor_name(call_id: str) -> str:
    """The Ray actor name of a call (in namespace :data:`NAMESPACE`)."""
    return f"call:{call_id}"


@dataclass(frozen=True, slots=True)
class CallConfig:
    """What every call actor needs to know, set once by whoever creates them.

    Args:
        store: where calls are checkpointed.
        dialogue_modules: modules to import so the dialogue classes are registered.
        idle_timeout_s: a call with no post for this long is ended and its actor exits.
        log_level: the actors' log level.
        call_resource: a custom Ray resource each call needs one unit of; nodes
            offering it (``--resources '{"rayvr_call": 200}'``) then cap their
            number of calls, and nodes without it take none. None: no cap.
    """

    store: CheckpointStore = field(default_factory=RayKVStore)
    dialogue_modules: tuple[str, ...] = ("dialogues",)
    idle_timeout_s: float = 1800.0
    log_level: str = "INFO"
    call_resource: str | None = None


@ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=-1)
class CallActor:
    """One call: its runner, serialised behind a lock, with an idle timer and a self-exit."""

    def __init__(self, call_id: str, config: CallConfig) -> None:
        configure_logging(config.log_level)
        import_dialogues(config.dialogue_modules)
        self.call_id = call_id
        self.config = config
        self.runner = CallRunner(call_id, config.store)
        self._lock = asyncio.Lock()
        self._last_post = time.monotonic()
        self._ending = False
        context = ray.get_runtime_context()
        with warnings.catch_warnings():  # Ray's own property uses a deprecated accessor internally
            warnings.simplefilter("ignore", DeprecationWarning)
            self._restarted = context.was_current_actor_reconstructed
        try:
            self.runner.restore()
        except Exception:
            log.exception("restore failed; it is tried again at the next turn", extra={"call_id": call_id})
        if self._restarted:
            log.warning("actor restarted on node %s (pid %d)", context.get_node_id(), os.getpid(),
                        extra={"call_id": call_id})
        asyncio.get_running_loop().create_task(self._watch())

    def __repr__(self) -> str:
        # Ray shows this in logs and the dashboard, fixed when the actor is created.
        return f"Call({self.call_id})"

    async def start(self, dialogue: str, params: dict[str, Any]) -> Reply:
        """Start ``dialogue`` on this (so far unused) actor and return its first turn."""
        async with self._lock:
            self._last_post = time.monotonic()
            reply = await self.runner.start(dialogue, params)
        self._after(reply)
        return reply

    async def advance(self, seq: int, result: InputResult) -> Reply:
        """Apply the result posted for turn ``seq`` and return the next turn (see ``CallRunner.advance``)."""
        async with self._lock:
            self._last_post = time.monotonic()
            reply = await self.runner.advance(seq, result)
        self._after(reply)
        return reply

    async def status(self) -> dict[str, Any]:
        """Where the call is and which process serves it (for tests and operators)."""
        checkpoint = self.runner.checkpoint
        context = ray.get_runtime_context()
        return {
            "call_id": self.call_id,
            "dialogue": checkpoint.dialogue if checkpoint else None,
            "seq": checkpoint.seq if checkpoint else 0,
            "final": checkpoint.final if checkpoint else False,
            "pid": os.getpid(),
            "node_id": context.get_node_id(),
            "restarted": self._restarted,
        }

    def _after(self, reply: Reply) -> None:
        if reply.final and not self._ending:
            self._ending = True
            asyncio.get_running_loop().call_later(LINGER_SECONDS, self._exit, "the call ended")

    async def _watch(self) -> None:
        period = min(30.0, max(0.05, self.config.idle_timeout_s / 4))
        while not self._ending:
            await asyncio.sleep(period)
            idle = time.monotonic() - self._last_post
            if idle < self.config.idle_timeout_s or self._lock.locked():
                continue
            try:
                self.runner.end_idle(idle)
            except Exception:
                log.exception("could not record the idle timeout; exiting anyway", extra={"call_id": self.call_id})
            self._ending = True
            self._exit(f"no post for {idle:.0f} s")

    def _exit(self, why: str) -> None:
        log.info("actor exiting: %s", why, extra={"call_id": self.call_id})
        # exit_actor() from inside a method would be retried (max_task_retries=-1); killing the
        # handle with no_restart ends this actor for good, from outside any task.
        ray.kill(ray.get_runtime_context().current_actor, no_restart=True)


def create_call_actor(call_id: str, config: CallConfig) -> "ray.actor.ActorHandle":
    """Create the detached actor for ``call_id`` (returns at once; the constructor runs in the background)."""
    resources = {config.call_resource: 1} if config.call_resource else {}
    return CallActor.options(name=actor_name(call_id), namespace=NAMESPACE, lifetime="detached",
                             resources=resources).remote(call_id, config)


def find_call_actor(call_id: str) -> "ray.actor.ActorHandle | None":
    """The live actor of ``call_id``, or None. Blocks on Ray: keep it off an event loop."""
    try:
        return ray.get_actor(actor_name(call_id), namespace=NAMESPACE)
    except ValueError:
        return None


class CallPool:
    """Actors created ahead of time, each already named for the call it will serve.

    Starting a Ray worker costs about a second of CPU, so callers never wait
    for one: :meth:`take` hands out a ready actor and a replacement is created
    in the background.

    Args:
        config: passed to every actor.
        size: how many ready actors to keep.
    """

    def __init__(self, config: CallConfig, size: int = 2) -> None:
        self.config = config
        self.size = size
        self._ready: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._filling: set[asyncio.Task[None]] = set()

    def fill(self) -> None:
        """Start creating actors until ``size`` are ready or on their way."""
        while self._ready.qsize() + len(self._filling) < self.size:
            task = asyncio.get_running_loop().create_task(self._create())
            self._filling.add(task)
            task.add_done_callback(self._filling.discard)

    async def _create(self) -> None:
        call_id = uuid.uuid4().hex
        handle = create_call_actor(call_id, self.config)
        try:
            await handle.status.remote()
        except Exception:
            log.exception("a pre-created call actor failed to start", extra={"call_id": call_id})
            return
        await self._ready.put((call_id, handle))

    @property
    def ready(self) -> int:
        """How many actors are ready to take a call now."""
        return self._ready.qsize()

    async def take(self, timeout: float) -> tuple[str, Any]:
        """A ready ``(call_id, actor)``; waits for one (up to ``timeout``) if the pool is empty.

        Raises:
            CallBusy: no actor became ready in time.
        """
        self.fill()
        try:
            item = await asyncio.wait_for(self._ready.get(), timeout)
        except asyncio.TimeoutError:
            raise CallBusy(f"no call actor was ready within {timeout:.0f} s") from None
        self.fill()
        return item

    async def close(self) -> None:
        """Kill the actors that were never used (they have no call to keep)."""
        for task in list(self._filling):
            task.cancel()
        while not self._ready.empty():
            _, handle = self._ready.get_nowait()
            ray.kill(handle, no_restart=True)
