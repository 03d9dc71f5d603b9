"""rayvr benchmarks: turn latency, memory per live call, failover times.

Run from the repository root, after installing the test extras:

    .venv/bin/python bench/run.py [--calls 20] [--live 10] [--failovers 3]

It starts its own Ray cluster on this machine (a head and two worker nodes,
all on 127.0.0.1) and a real gateway, drives calls over HTTP like a VoiceXML
browser, and prints one table. Nothing here is asserted: numbers are for
reading and comparing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_AUTH_MODE", "disabled")

import ray  # noqa: E402
from ray.cluster_utils import Cluster  # noqa: E402

from conftest import FAST_HEALTH_CHECKS  # noqa: E402
from gateway.app import GatewayConfig  # noqa: E402
from runtime import NAMESPACE, CallConfig, RayKVStore, find_call_actor  # noqa: E402
from support import Browser, GatewayThread, http, wait_for_exit  # noqa: E402

RESOURCE = "rayvr_call"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def memory_kib(pid: int) -> tuple[int, int]:
    """(USS, RSS) of a process in KiB, from /proc."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0])
    return fields["Private_Clean"] + fields["Private_Dirty"], fields["Rss"]


def status(call_id: str) -> dict:
    return ray.get(find_call_actor(call_id).status.remote(), timeout=60)


def wait_for_pool(browser: Browser) -> None:
    deadline = time.monotonic() + 60
    while json.loads(http("GET", browser.base_url + "/health").body)["ready_actors"] < 1:
        assert time.monotonic() < deadline, "the actor pool did not refill"
        time.sleep(0.05)


def bench_turns(browser: Browser, calls: int) -> dict[str, list[float]]:
    starts, turns = [], []
    for _ in range(calls):
        wait_for_pool(browser)  # starts are measured with a ready actor, as in steady operation
        began = time.perf_counter()
        doc = browser.start("menu")
        starts.append(time.perf_counter() - began)
        for answer in (lambda d: browser.dtmf(d, "1234"), lambda d: browser.dtmf(d, "1", "sales"),
                       browser.played, browser.played):
            began = time.perf_counter()
            doc = answer(doc)
            turns.append(time.perf_counter() - began)
    return {"call start (ready pooled actor)": starts, "turn (post -> next document)": turns}


def bench_memory(browser: Browser, live: int) -> tuple[float, float]:
    pids = []
    for _ in range(live):
        doc = browser.start("menu")
        browser.dtmf(doc, "1234")
        pids.append(status(doc.headers["X-Rayvr-Call"])["pid"])
    sizes = [memory_kib(pid) for pid in pids]
    return (statistics.mean(u for u, _ in sizes) / 1024, statistics.mean(r for _, r in sizes) / 1024)


def bench_failover(cluster: Cluster, browser: Browser, rounds: int) -> dict[str, list[float]]:
    node_loss, process_kill = [], []
    for _ in range(rounds):
        for kind, sink in (("node", node_loss), ("process", process_kill)):
            doc = browser.start("menu")
            doc = browser.dtmf(doc, "1234")
            call = status(doc.headers["X-Rayvr-Call"])
            began = time.perf_counter()
            if kind == "node":
                node = next(n for n in cluster.worker_nodes if n.node_id == call["node_id"])
                cluster.remove_node(node, allow_graceful=False)
                wait_for_exit(call["pid"])  # as when a machine dies: its processes go with it
            else:
                os.kill(call["pid"], signal.SIGKILL)
            answer = browser.dtmf(doc, "1", "sales")
            sink.append(time.perf_counter() - began)
            assert answer.text == "You chose sales.", answer.text
            if kind == "node":
                cluster.add_node(num_cpus=1, resources={RESOURCE: 100})
                cluster.wait_for_nodes()
    return {"node removed -> next turn answered": node_loss,
            "actor process killed -> next turn answered": process_kill}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=20, help="calls driven for the latency figures")
    parser.add_argument("--live", type=int, default=10, help="calls held open for the memory figure")
    parser.add_argument("--failovers", type=int, default=3, help="rounds of node loss and process kill")
    args = parser.parse_args()

    temp_dir = tempfile.mkdtemp(prefix="rayvr-bench-")
    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 1, "include_dashboard": False, "temp_dir": temp_dir, "_system_config": FAST_HEALTH_CHECKS})
    for _ in range(2):
        cluster.add_node(num_cpus=1, resources={RESOURCE: 100})
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, namespace=NAMESPACE, logging_level="ERROR")
    calls = CallConfig(store=RayKVStore(), idle_timeout_s=600, call_resource=RESOURCE, log_level="WARNING")
    config = GatewayConfig(calls=calls, pool_size=4, actor_timeout_s=1.0, retry_documents=60)
    rows: list[tuple[str, str, str, str]] = []
    try:
        with GatewayThread(config) as gateway:
            browser = Browser(gateway.url)
            browser.played(browser.start("hello"))  # warm up the pool
            for name, values in {**bench_turns(browser, args.calls),
                                 **bench_failover(cluster, browser, args.failovers)}.items():
                rows.append((name, str(len(values)), f"{statistics.median(values) * 1000:.1f} ms",
                             f"{percentile(values, 95) * 1000:.1f} ms"))
            uss, rss = bench_memory(browser, args.live)
            rows.append((f"memory per live call ({args.live} calls)", str(args.live), f"USS {uss:.1f} MiB",
                         f"RSS {rss:.1f} MiB"))
    finally:
        ray.shutdown()
        cluster.shutdown()
        shutil.rmtree(temp_dir, ignore_errors=True)
    widths = [max(len(r[i]) for r in rows + [("what", "n", "p50", "p95")]) for i in range(4)]
    for row in [("what", "n", "p50", "p95"), tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)))


if __name__ == "__main__":
    main()
