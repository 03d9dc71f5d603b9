"""Shared fixtures: one real Ray cluster for the whole test session, and real gateways on 127.0.0.1.

Ray starts once (head node only; tests that need more nodes add and remove
their own). Tests that do not use the ``ray_cluster`` fixture never start Ray.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
# Ray's processes must stay on loopback, and tests must not depend on a token file.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
sys.path.insert(0, str(TESTS))

# Node death detected in about 2 s instead of about 15 s.
FAST_HEALTH_CHECKS = {
    "health_check_initial_delay_ms": 0,
    "health_check_period_ms": 500,
    "health_check_timeout_ms": 500,
    "health_check_failure_threshold": 3,
}


@pytest.fixture(scope="session")
def ray_cluster():
    """A real Ray cluster (head node with 1 CPU), connected, for the whole session."""
    import ray
    from ray.cluster_utils import Cluster

    from runtime import NAMESPACE

    temp_dir = tempfile.mkdtemp(prefix="rayvr-test-ray-")
    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 1, "include_dashboard": False, "temp_dir": temp_dir, "_system_config": FAST_HEALTH_CHECKS,
    })
    ray.init(address=cluster.address, namespace=NAMESPACE,
             runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join([str(TESTS), str(TESTS.parent)])}})
    yield cluster
    ray.shutdown()
    cluster.shutdown()
    shutil.rmtree(temp_dir, ignore_errors=True)
