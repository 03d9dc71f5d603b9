"""A call survives losing its node or its process: a real multi-node Ray cluster on this machine.

The session cluster's head offers no call capacity; two worker nodes offer
``rayvr_call``, so every call actor lands on a worker. Tests remove the very
node (or kill the very process) serving a call in progress and go on posting
turns as the browser would.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
import ray

from runtime import CallConfig, RayKVStore, find_call_actor, read_checkpoint
from support import Browser, GatewayThread, wait_for_exit

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(300)]

CALL_RESOURCE = "rayvr_call"


@pytest.fixture(scope="module")
def workers(ray_cluster):
    nodes = [ray_cluster.add_node(num_cpus=1, resources={CALL_RESOURCE: 100}) for _ in range(2)]
    ray_cluster.wait_for_nodes()
    yield ray_cluster
    for node in list(ray_cluster.worker_nodes):
        if node in nodes:
            ray_cluster.remove_node(node)


@pytest.fixture(scope="module")
def gateway(workers):
    from gateway.app import GatewayConfig

    calls = CallConfig(store=RayKVStore(), dialogue_modules=("dialogues",), idle_timeout_s=600,
                       call_resource=CALL_RESOURCE)
    config = GatewayConfig(calls=calls, pool_size=2, actor_timeout_s=1.0, retry_documents=60)
    with GatewayThread(config) as gw:
        yield gw


def status(call_id: str) -> dict:
    return ray.get(find_call_actor(call_id).status.remote(), timeout=60)


def node_serving(cluster, call_id: str):
    node_id = status(call_id)["node_id"]
    matches = [node for node in cluster.worker_nodes if node.node_id == node_id]
    assert matches, f"call {call_id} is on node {node_id}, which is not a worker"
    return matches[0]


def menu_until_department(browser: Browser):
    doc = browser.start("menu")
    doc = browser.dtmf(doc, "1234")
    assert doc.text == "For sales, press 1. For support, press 2."
    return doc, doc.headers["X-Rayvr-Call"]


def assert_journal_has_every_turn_once(call_id: str) -> list:
    journal = read_checkpoint(RayKVStore(), call_id).journal
    outs = [entry[1] for entry in journal if entry[0] == "out"]
    ins = [entry[1] for entry in journal if entry[0] == "in"]
    assert outs == list(range(1, len(outs) + 1)), journal
    assert ins == list(range(1, len(ins) + 1)), journal
    return journal


def finish_menu(browser: Browser, doc, call_id: str) -> None:
    doc = browser.played(doc)
    assert doc.text == "Your customer number is 1234 . Goodbye."
    last = browser.played(doc)
    assert last.ends_with == "exit"
    journal = assert_journal_has_every_turn_once(call_id)
    answers = [entry[2] for entry in journal if entry[0] == "in"]
    assert [answer.utterance for answer in answers[:2]] == ["1234", "1"]


def test_a_call_survives_the_loss_of_its_node(workers, gateway, capsys):
    browser = Browser(gateway.url)
    doc, call_id = menu_until_department(browser)
    before = status(call_id)
    node = node_serving(workers, call_id)
    removed_at = time.monotonic()
    workers.remove_node(node, allow_graceful=False)
    wait_for_exit(before["pid"])  # a real dead machine takes its processes with it at once
    after_doc = browser.dtmf(doc, "1", "sales")
    recovered_in = time.monotonic() - removed_at
    assert after_doc.status == 200
    assert after_doc.text == "You chose sales."
    after = status(call_id)
    assert after["restarted"] and after["node_id"] != before["node_id"]
    finish_menu(browser, after_doc, call_id)
    # Replace the lost node so later tests have two workers again.
    workers.add_node(num_cpus=1, resources={CALL_RESOURCE: 100})
    workers.wait_for_nodes()
    with capsys.disabled():
        print(f"\n[measure] node removed -> next turn answered: {recovered_in:.2f} s "
              f"({browser.retries} retry documents)")


def test_a_call_survives_the_kill_of_its_actor_process(workers, gateway, capsys):
    browser = Browser(gateway.url)
    doc, call_id = menu_until_department(browser)
    before = status(call_id)
    killed_at = time.monotonic()
    os.kill(before["pid"], signal.SIGKILL)
    after_doc = browser.dtmf(doc, "1", "sales")
    recovered_in = time.monotonic() - killed_at
    assert after_doc.text == "You chose sales."
    after = status(call_id)
    assert after["restarted"] and after["pid"] != before["pid"]
    finish_menu(browser, after_doc, call_id)
    with capsys.disabled():
        print(f"\n[measure] actor process killed -> next turn answered: {recovered_in:.2f} s")


def test_the_same_turn_posted_twice_across_a_failover_advances_once(workers, gateway):
    browser = Browser(gateway.url)
    doc, call_id = menu_until_department(browser)
    os.kill(status(call_id)["pid"], signal.SIGKILL)
    first = browser.dtmf(doc, "1", "sales")
    second = browser.dtmf(doc, "2", "support")
    assert first.text == "You chose sales."
    assert second.body == first.body
    assert second.headers.get("X-Rayvr-Repeated") == "1"
    finish_menu(browser, first, call_id)
