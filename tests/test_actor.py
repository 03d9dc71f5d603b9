"""Call actors on a real Ray cluster: idle timeout, self-exit, and the ``rayvr serve`` command joining a cluster."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import ray

from runtime import CallConfig, RayKVStore, create_call_actor, find_call_actor, read_checkpoint
from support import Browser, GatewayThread, http

pytestmark = pytest.mark.timeout(180)


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_an_idle_call_is_ended_recorded_and_its_actor_exits(ray_cluster):
    from gateway.app import GatewayConfig

    calls = CallConfig(store=RayKVStore(), idle_timeout_s=1.0)
    with GatewayThread(GatewayConfig(calls=calls, pool_size=1)) as gateway:
        browser = Browser(gateway.url)
        doc = browser.start("menu")
        call_id = doc.headers["X-Rayvr-Call"]
        wait_until(lambda: find_call_actor(call_id) is None, 60, "the idle actor to exit")
        checkpoint = read_checkpoint(RayKVStore(), call_id)
        assert checkpoint.final and checkpoint.ended_by == "idle-timeout"
        assert checkpoint.journal[-2][0] == "idle" and checkpoint.journal[-2][1] >= 1.0
        late = browser.dtmf(doc, "1234")  # the browser finally posts: it is told the call is over
        assert late.status == 200 and late.ends_with == "disconnect"
        assert late.headers["X-Rayvr-Turn"] == "2"


def test_an_actor_that_never_got_a_call_exits_after_the_idle_timeout(ray_cluster):
    handle = create_call_actor("never-used", CallConfig(store=RayKVStore(), idle_timeout_s=0.5))
    assert ray.get(handle.status.remote(), timeout=60)["seq"] == 0
    wait_until(lambda: find_call_actor("never-used") is None, 60, "the unused actor to exit")
    assert read_checkpoint(RayKVStore(), "never-used") is None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_rayvr_serve_joins_a_cluster_and_serves_calls(ray_cluster, tmp_path: Path):
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    rayvr = Path(sys.executable).with_name("rayvr")
    env = {**os.environ, "RAYVR_PORT": str(port)}  # flags and RAYVR_* variables both work
    process = subprocess.Popen([str(rayvr), "serve", "--address", ray_cluster.address, "--pool-size", "1"],
                               stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        def ready() -> bool:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                return json.loads(http("GET", url + "/health", timeout=2).body)["ready_actors"] >= 1
            except OSError:
                return False

        wait_until(ready, 120, "rayvr serve to be ready")
        browser = Browser(url)
        first = browser.start("hello", name="Serve")
        assert first.text == "Hello, Serve! Welcome to rayvr."
        assert browser.played(first).ends_with == "exit"
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(60)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    serving = next(line for line in output.splitlines() if "serving dialogues " in line)
    names = serving.split("serving dialogues ", 1)[1].split(" on http://", 1)[0].split(", ")
    assert {"address-check", "agent-transfer", "hello", "menu", "postcode"} <= set(names)
    assert f"call_id={first.headers['X-Rayvr-Call']}" in output


def test_rayvr_purge_deletes_the_records_of_ended_calls_only(ray_cluster):
    import dialogues  # noqa: F401  (registers hello)
    from runtime import CallRunner, Played

    store = RayKVStore()
    loop = asyncio.new_event_loop()
    for call_id in ("purge-ended", "purge-live"):
        loop.run_until_complete(CallRunner(call_id, store).start("hello", {}))
    loop.run_until_complete(CallRunner("purge-ended", store).advance(1, Played()))
    loop.close()
    rayvr = Path(sys.executable).with_name("rayvr")
    done = subprocess.run([str(rayvr), "purge", "--address", ray_cluster.address, "--older-than", "0"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "purged the records of" in done.stdout
    assert read_checkpoint(store, "purge-ended") is None
    assert read_checkpoint(store, "purge-live").seq == 1
