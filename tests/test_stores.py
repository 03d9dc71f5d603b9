"""One contract, every checkpoint store: the in-memory one and Ray's cluster key-value store."""

from __future__ import annotations

import pickle

import pytest

from runtime import FencingError, MemoryStore, RayKVStore


@pytest.fixture(params=["memory", "ray-kv"])
def store(request):
    if request.param == "memory":
        return MemoryStore()
    request.getfixturevalue("ray_cluster")
    return RayKVStore(namespace=f"rayvr-test-{request.node.name}")


def test_records_come_back_in_turn_order(store):
    for seq in range(1, 12):  # past 9, so ordering is numeric, not textual
        store.append("c1", seq, b"record %d" % seq)
    assert store.load("c1") == [b"record %d" % seq for seq in range(1, 12)]
    assert store.load("other") == []


def test_a_write_that_does_not_advance_the_turn_is_refused(store):
    store.append("c2", 1, b"one")
    store.append("c2", 2, b"two")
    for stale in (1, 2):
        with pytest.raises(FencingError) as refused:
            store.append("c2", stale, b"zombie")
        assert (refused.value.call_id, refused.value.turn) == ("c2", stale)
    with pytest.raises(FencingError):
        store.append("c2", 4, b"gap")
    assert store.load("c2") == [b"one", b"two"]


def test_delete_forgets_only_that_call(store):
    store.append("c3", 1, b"x")
    store.append("c30", 1, b"y")
    store.delete("c3")
    assert store.load("c3") == []
    assert store.load("c30") == [b"y"]


def test_only_the_shared_store_can_travel_to_an_actor():
    assert pickle.loads(pickle.dumps(RayKVStore("ns"))).namespace == "ns"
    with pytest.raises(TypeError, match="cannot be sent to a call actor"):
        pickle.dumps(MemoryStore())


def test_the_store_lists_the_calls_it_holds(store):
    for call_id in ("c-b", "c-a", "c-a2"):
        store.append(call_id, 1, b"x")
    store.delete("c-a2")
    assert [c for c in store.call_ids() if c.startswith("c-")] == ["c-a", "c-b"]
