"""One call's durable state machine: driver + checkpoint, without Ray.

The call actor is a thin Ray shell around :class:`CallRunner`; keeping the
logic here lets it be tested in plain pytest with any store.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Coroutine

from runtime import _codec
from runtime._driver import Driver, Entry, Outcome, failure_turn
from runtime._registry import lookup
from runtime._stores import CheckpointStore
from runtime.errors import (CallEnded, CallNotFound, FencingError, FutureTurn, NonDeterminismError,
                            RayvrError)
from runtime.results import InputResult
from runtime.settings import NO_SETTINGS, DocumentSettings
from runtime.turns import Disconnect, LastTurn, OutputTurn

log = logging.getLogger("rayvr.call")

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Reply:
    """What a turn produced: the document to show as ``seq``, and whether the call ends with it.

    ``repeated`` is true when the turn had already been processed and the
    stored output is given again (a retried or duplicate post). ``settings``
    are the document settings the turn is shown with (the call's, with the
    turn's own on top), as stored with it.
    """

    call_id: str
    seq: int
    turn: OutputTurn | LastTurn
    final: bool
    repeated: bool = False
    settings: DocumentSettings = NO_SETTINGS


@dataclass(slots=True)
class Checkpoint:
    """A call's durable state, read back from its records."""

    dialogue: str
    params: dict[str, Any]
    journal: list[Entry] = field(default_factory=list)
    seq: int = 0
    output: OutputTurn | LastTurn | None = None
    final: bool = False
    ended_by: str | None = None
    ended_at: float | None = None
    settings: DocumentSettings = NO_SETTINGS


def encode_record(seq: int, entries: list[Entry], output: OutputTurn | LastTurn, final: bool,
                  settings: DocumentSettings = NO_SETTINGS, **header: Any) -> bytes:
    """One turn's record: the journal entries it added, the output it showed and that output's settings.

    The settings are written only when some are set, so a call that never
    configures anything has the same records as before settings existed.
    """
    record = {"v": FORMAT_VERSION, "seq": seq, "entries": entries, "output": output, "final": final}
    if settings != NO_SETTINGS:
        record["settings"] = settings
    record.update(header)
    return _codec.pack(record)


def read_checkpoint(store: CheckpointStore, call_id: str) -> Checkpoint | None:
    """The call's checkpoint, or None if the store holds no record of it."""
    records = [_codec.unpack(data) for data in store.load(call_id)]
    if not records:
        return None
    first = records[0]
    checkpoint = Checkpoint(dialogue=first["dialogue"], params=first["params"])
    for record in records:
        if record.get("v") != FORMAT_VERSION:
            raise RayvrError(f"checkpoint record format {record.get('v')} is not supported", call_id=call_id)
        checkpoint.journal.extend(record["entries"])
        checkpoint.seq, checkpoint.output, checkpoint.final = record["seq"], record["output"], record["final"]
        checkpoint.settings = record.get("settings", NO_SETTINGS)  # those of this record's output
        checkpoint.ended_by = record.get("ended_by", checkpoint.ended_by)
        checkpoint.ended_at = record.get("ended_at", checkpoint.ended_at)
    return checkpoint


def run_to_completion(coro: Coroutine[Any, Any, Outcome]) -> Outcome:
    """Run a driver coroutine that is replaying and so must not wait on anything."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    raise RuntimeError("replay tried to wait on live I/O")


class CallRunner:
    """The state of one call: restores itself from the store, applies turns, writes ahead.

    Args:
        call_id: the call's id.
        store: where the call's records live.
    """

    def __init__(self, call_id: str, store: CheckpointStore) -> None:
        self.call_id = call_id
        self.store = store
        self.checkpoint: Checkpoint | None = None
        self._driver: Driver | None = None
        self._broken: RayvrError | None = None
        self._loaded = False

    # --- restore ---------------------------------------------------------------------------

    def restore(self) -> None:
        """Load the checkpoint and replay the dialogue to where it was (no output is produced)."""
        self._loaded = False
        self._driver, self._broken = None, None
        self.checkpoint = read_checkpoint(self.store, self.call_id)
        self._loaded = True
        checkpoint = self.checkpoint
        if checkpoint is None or checkpoint.final:
            return
        driver = Driver(self.call_id, lookup(checkpoint.dialogue)(), checkpoint.params, checkpoint.journal)
        outcome = run_to_completion(driver.start())
        if driver.failure is None and (outcome.seq, outcome.final) != (checkpoint.seq, False):
            driver.failure = NonDeterminismError(
                f"replay reached turn {outcome.seq} but the journal holds turn {checkpoint.seq}",
                call_id=self.call_id, turn=checkpoint.seq, position=driver.position,
                expected=checkpoint.seq, actual=outcome.seq)
        if driver.failure is not None:
            self._broken = driver.failure
            log.error("replay failed, the call will end at its next turn: %s", driver.failure,
                      extra={"call_id": self.call_id, "turn": checkpoint.seq})
        self._driver = driver
        log.info("restored at turn %d (%d journal entries)", checkpoint.seq, len(checkpoint.journal),
                 extra={"call_id": self.call_id, "turn": checkpoint.seq})

    @property
    def failure(self) -> RayvrError | None:
        """Why the dialogue failed, if it did (the call then ended through its failure turn)."""
        return self._broken or (self._driver.failure if self._driver else None)

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            self.restore()

    # --- turns -----------------------------------------------------------------------------

    async def start(self, dialogue: str, params: dict[str, Any]) -> Reply:
        """Start the dialogue and return its first turn (or the stored one, if already started)."""
        self._ensure_loaded()
        if self.checkpoint is not None:
            return self._stored_reply(repeated=True)
        _codec.pack(params)  # parameters must be journal-able
        driver = Driver(self.call_id, lookup(dialogue)(), params, [])
        outcome = await driver.start()
        header = {"dialogue": dialogue, "params": params}
        self._commit(Checkpoint(dialogue, params), driver, outcome, list(driver.journal), header)
        self._driver = driver
        log.info("started %s", dialogue, extra={"call_id": self.call_id, "turn": outcome.seq})
        return self._stored_reply()

    async def advance(self, seq: int, result: InputResult) -> Reply:
        """Apply the caller's result for turn ``seq`` and return the next turn.

        A repeat of the turn just processed (or an older one) gives back the
        stored current turn without touching the dialogue.

        Raises:
            CallNotFound: the call was never started.
            CallEnded: the call ended at turn ``seq``; there is nothing to answer.
            FutureTurn: ``seq`` is past the current turn.
            StoreError: the checkpoint could not be written; the call is unchanged.
        """
        self._ensure_loaded()
        checkpoint = self.checkpoint
        if checkpoint is None:
            raise CallNotFound("no such call", call_id=self.call_id, turn=seq)
        if checkpoint.final and seq >= checkpoint.seq:
            raise CallEnded("the call has ended; its last turn takes no result", call_id=self.call_id, turn=seq)
        if seq > checkpoint.seq:
            raise FutureTurn(f"turn {seq} was posted but the call is at turn {checkpoint.seq}",
                             call_id=self.call_id, turn=seq)
        if seq < checkpoint.seq:
            log.info("repeated post for turn %d answered with stored turn %d", seq, checkpoint.seq,
                     extra={"call_id": self.call_id, "turn": seq})
            return self._stored_reply(repeated=True)
        driver = self._driver
        assert driver is not None
        before = len(driver.journal)
        if self._broken is not None:
            outcome = self._end_broken(driver, result)
        else:
            outcome = await driver.advance(result)
        try:
            self._commit(checkpoint, driver, outcome, driver.journal[before:], {})
        except FencingError:
            # Another instance of this call wrote first: adopt its state and answer from it.
            log.warning("checkpoint write fenced off; reloading", extra={"call_id": self.call_id, "turn": seq})
            self.restore()
            return await self.advance(seq, result)
        log.info("turn %d -> %s %r%s", seq, type(outcome.turn).__name__, outcome.turn.name,
                 " (last)" if outcome.final else "", extra={"call_id": self.call_id, "turn": outcome.seq})
        return self._stored_reply()

    def _end_broken(self, driver: Driver, result: InputResult) -> Outcome:
        assert self._broken is not None and self.checkpoint is not None
        turn = failure_turn(driver.dialogue, self._broken)
        seq = self.checkpoint.seq
        driver.journal.extend([["in", seq, result], ["failed", str(self._broken)],
                               ["out", seq + 1, type(turn).__name__, turn.name]])
        return Outcome(seq + 1, turn, final=True, settings=driver.settings)

    def end_idle(self, idle_seconds: float) -> Reply | None:
        """End a call nobody has posted to for too long; its last record says why."""
        self._ensure_loaded()
        checkpoint = self.checkpoint
        if checkpoint is None or checkpoint.final:
            return None
        turn = Disconnect(name="idle-timeout")
        settings = self._driver.settings if self._driver is not None else checkpoint.settings
        entries: list[Entry] = [["idle", round(idle_seconds, 3)], ["out", checkpoint.seq + 1, "Disconnect", turn.name]]
        self.store.append(self.call_id, checkpoint.seq + 1,
                          encode_record(checkpoint.seq + 1, entries, turn, True, settings, ended_by="idle-timeout",
                                        ended_at=time.time()))
        checkpoint.journal.extend(entries)
        checkpoint.seq, checkpoint.output, checkpoint.final = checkpoint.seq + 1, turn, True
        checkpoint.settings = settings
        log.warning("ended after %.0f s without a post", idle_seconds,
                    extra={"call_id": self.call_id, "turn": checkpoint.seq})
        return self._stored_reply()

    def _commit(self, checkpoint: Checkpoint, driver: Driver, outcome: Outcome, entries: list[Entry],
                header: dict[str, Any]) -> None:
        """Write the turn's record, then (only then) make it the call's current state."""
        if outcome.final:
            header["ended_by"] = "failure" if driver.failure or self._broken else "dialogue"
            header["ended_at"] = time.time()  # wall-clock metadata for retention, not part of the journal
        try:
            record = encode_record(outcome.seq, entries, outcome.turn, outcome.final, outcome.settings, **header)
            self.store.append(self.call_id, outcome.seq, record)
        except Exception:
            # The driver ran ahead of what is durable: forget it and rebuild from the store later.
            self._loaded = False
            raise
        checkpoint.journal.extend(entries)
        checkpoint.seq, checkpoint.output, checkpoint.final = outcome.seq, outcome.turn, outcome.final
        checkpoint.settings = outcome.settings
        if outcome.final:
            checkpoint.ended_by, checkpoint.ended_at = header["ended_by"], header["ended_at"]
        self.checkpoint = checkpoint

    def _stored_reply(self, repeated: bool = False) -> Reply:
        checkpoint = self.checkpoint
        assert checkpoint is not None and checkpoint.output is not None
        return Reply(self.call_id, checkpoint.seq, checkpoint.output, checkpoint.final, repeated, checkpoint.settings)


def purge_ended(store: CheckpointStore, older_than_s: float, now: float | None = None) -> list[str]:
    """Delete the records of calls that ended at least ``older_than_s`` seconds ago; their ids.

    Live calls and calls whose end time is not recorded are left alone. A
    repeated post for the last turn of a purged call is answered "unknown
    call" (404) instead of with the last document.
    """
    now = time.time() if now is None else now
    purged = []
    for call_id in store.call_ids():
        checkpoint = read_checkpoint(store, call_id)
        if checkpoint and checkpoint.final and checkpoint.ended_at is not None \
                and now - checkpoint.ended_at >= older_than_s:
            store.delete(call_id)
            purged.append(call_id)
            log.info("purged, ended %.0f s ago", now - checkpoint.ended_at, extra={"call_id": call_id})
    return purged
