"""The Ray executor beside a Ray cluster already running on this machine (`ray start --head`):
`--executor ray` without `--ray-address` starts an instance of its own with the CPUs asked for
(Ray alone would join the running one and refuse the CPU count: an internal error before),
and `--ray-address` joins the running one."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dsl.errors import InputError
from prover.search.executor import make_executor

ray = pytest.importorskip("ray", reason="ray is not installed: pip install -e '.[ray]'")


# `ray start` (Ray 2.60) authenticates by token: a client that names the address must say so
TOKEN = {"RAY_AUTH_MODE": "token"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def running_cluster(tmp_path_factory):
    """A one-CPU cluster started as users start one, stopped with its `ray start --block`."""
    port = _free_port()
    ray_cli = Path(sys.executable).parent / "ray"
    log = (tmp_path_factory.mktemp("cluster") / "ray-start.log").open("w")
    p = subprocess.Popen([str(ray_cli), "start", "--head", "--num-cpus", "1", "--port", str(port), "--node-ip-address", "127.0.0.1",
                          "--include-dashboard=false", "--disable-usage-stats", "--block"],
                         stdout=log, stderr=subprocess.STDOUT)
    address = f"127.0.0.1:{port}"
    try:
        _wait_for(address, p)
        yield address
    finally:
        p.terminate()
        p.wait(60)
        log.close()


def _wait_for(address: str, p: subprocess.Popen, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if p.poll() is not None:
            pytest.fail(f"ray start exited with {p.returncode}")
        probe = subprocess.run([sys.executable, "-c", f"import ray; ray.init(address={address!r}); ray.shutdown()"],
                               capture_output=True, env={**os.environ, **TOKEN})
        if probe.returncode == 0:
            return
        time.sleep(1)
    pytest.fail(f"no Ray cluster answered at {address} within {seconds} s")


def _cpus(executor) -> float:
    try:
        return executor.ray.cluster_resources().get("CPU", 0)
    finally:
        executor.close()


def test_without_an_address_the_executor_starts_its_own_instance_beside_a_running_cluster(running_cluster):
    assert _cpus(make_executor("ray", 2)) == 2


def test_with_the_clusters_address_the_executor_joins_it(running_cluster, monkeypatch):
    monkeypatch.setenv("RAY_AUTH_MODE", "token")
    assert _cpus(make_executor("ray", 2, running_cluster)) == 1


def test_a_cluster_that_refuses_the_connection_is_a_usage_error_that_says_what_it_needs(running_cluster):
    """Without the token setting the cluster refuses the driver: one line that says so, exit 2."""
    env = {k: v for k, v in os.environ.items() if k != "RAY_AUTH_MODE"}
    code = ("import sys; from planner.cli import main; sys.exit(main(['verify', 'corpus/domains/proxy.rwd', '--plan', "
            f"'fast', '--horizon', '1', '--tightest', '--split-workers', '2', '--executor', 'ray', '--ray-address', {running_cluster!r}]))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       cwd=str(Path(__file__).parents[3]))
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert f"could not join the Ray cluster at {running_cluster}" in p.stderr and "RAY_AUTH_MODE=token" in p.stderr


def test_a_malformed_cluster_address_is_a_usage_error():
    with pytest.raises(InputError, match="could not join the Ray cluster at nonsense"):
        make_executor("ray", 2, "nonsense")
