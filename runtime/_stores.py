"""Checkpoint stores: where each call's journal lives, as one record per turn.

A call's checkpoint is the sequence of records its actor wrote, one per turn,
keyed by turn number. Records are only appended, and an append must be the
next turn number: a writer that is behind (a zombie instance of a restarted
actor) is refused with :class:`FencingError`, so it can never overwrite or
fork a newer state.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod

from runtime.errors import FencingError, StoreUnavailable


class CheckpointStore(ABC):
    """Where call records are kept. Implementations must be picklable (actors receive them)."""

    @abstractmethod
    def append(self, call_id: str, seq: int, record: bytes) -> None:
        """Store ``record`` as turn ``seq`` of the call.

        Raises:
            FencingError: ``seq`` is not exactly one past the last stored turn.
            StoreUnavailable: the store could not be reached; nothing was written.
        """

    @abstractmethod
    def load(self, call_id: str) -> list[bytes]:
        """Every record of the call, in turn order (empty if there is none).

        Raises:
            StoreUnavailable: the store could not be reached.
        """

    @abstractmethod
    def delete(self, call_id: str) -> None:
        """Forget the call's records (after the call has ended and they are no longer wanted)."""

    @abstractmethod
    def call_ids(self) -> list[str]:
        """The ids of every call the store holds records of, sorted (for purging ended calls)."""


class MemoryStore(CheckpointStore):
    """Records in this process's memory: for tests and for running dialogues without Ray."""

    def __init__(self) -> None:
        self._records: dict[str, list[bytes]] = {}
        self._lock = threading.Lock()

    def append(self, call_id: str, seq: int, record: bytes) -> None:
        with self._lock:
            records = self._records.setdefault(call_id, [])
            if seq != len(records) + 1:
                raise FencingError(f"refused to write turn {seq}: the store holds turn {len(records)}",
                                   call_id=call_id, turn=seq)
            records.append(record)

    def load(self, call_id: str) -> list[bytes]:
        with self._lock:
            return list(self._records.get(call_id, ()))

    def delete(self, call_id: str) -> None:
        with self._lock:
            self._records.pop(call_id, None)

    def call_ids(self) -> list[str]:
        with self._lock:
            return sorted(call_id for call_id, records in self._records.items() if records)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("MemoryStore lives in one process and cannot be sent to a call actor; "
                        "use RayKVStore (or another shared store) with Ray")


class RayKVStore(CheckpointStore):
    """Records in the Ray cluster's key-value store (on the head node's GCS).

    Needs nothing but Ray and is reachable from every node; it survives the
    loss of worker nodes, not of the head. Each record is its own key, written
    only if absent, which makes the fence atomic.
    """

    def __init__(self, namespace: str = "rayvr") -> None:
        self.namespace = namespace

    def _prefix(self, call_id: str) -> bytes:
        return f"call/{call_id}/".encode()

    def _keys(self, call_id: str) -> list[bytes]:
        from ray.experimental import internal_kv

        return sorted(internal_kv._internal_kv_list(self._prefix(call_id), namespace=self.namespace))

    def append(self, call_id: str, seq: int, record: bytes) -> None:
        from ray.experimental import internal_kv

        try:
            stored = len(self._keys(call_id))
            if seq != stored + 1:
                raise FencingError(f"refused to write turn {seq}: the store holds turn {stored}",
                                   call_id=call_id, turn=seq)
            key = self._prefix(call_id) + b"%08d" % seq
            existed = internal_kv._internal_kv_put(key, record, overwrite=False, namespace=self.namespace)
        except FencingError:
            raise
        except Exception as error:
            raise StoreUnavailable(f"cluster key-value store write failed: {error}", call_id=call_id,
                                   turn=seq) from error
        if existed:
            raise FencingError(f"refused to write turn {seq}: another writer stored it first",
                               call_id=call_id, turn=seq)

    def load(self, call_id: str) -> list[bytes]:
        from ray.experimental import internal_kv

        try:
            return [internal_kv._internal_kv_get(key, namespace=self.namespace) for key in self._keys(call_id)]
        except Exception as error:
            raise StoreUnavailable(f"cluster key-value store read failed: {error}", call_id=call_id) from error

    def delete(self, call_id: str) -> None:
        from ray.experimental import internal_kv

        internal_kv._internal_kv_del(self._prefix(call_id), del_by_prefix=True, namespace=self.namespace)

    def call_ids(self) -> list[str]:
        from ray.experimental import internal_kv

        try:
            keys = internal_kv._internal_kv_list(b"call/", namespace=self.namespace)
        except Exception as error:
            raise StoreUnavailable(f"cluster key-value store listing failed: {error}") from error
        return sorted({key.decode().split("/")[1] for key in keys})
