"""200 rigs in one pytest session, one after another in each of the xdist
workers (run with -n 2): each a worker process of its own, created, run and
closed, with no growth of the test process's memory. Each test worker writes
its RSS at the start and the end to $BMSHIL_RSS_LOG, which ctest prints."""

import os

import pytest

import bmshil

RIGS = 200
# What a test process may grow by over its ~100 rigs: allocator noise, not a
# leak (a leaked rig would be a whole kernel, tens of MB).
ALLOWED_GROWTH_KB = 8 * 1024


def rss_kB() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


@pytest.fixture(scope="module")
def memory():
    # Warm up the imports and one rig first: the baseline is a process that has made one.
    with bmshil.Rig() as rig:
        rig.run_for(0.1)
    start = rss_kB()
    runs = []
    yield runs
    end = rss_kB()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    line = f"{worker}: {len(runs)} rigs, RSS at start {start} kB, at end {end} kB, growth {end - start} kB\n"
    log = os.environ.get("BMSHIL_RSS_LOG")
    if log:
        with open(log, "a") as f:
            f.write(line)
    assert end - start < ALLOWED_GROWTH_KB, line


@pytest.mark.parametrize("n", range(RIGS))
def test_a_rig_is_created_run_and_closed(memory, n):
    with bmshil.Rig(seed=n + 1, soc=0.5) as rig:
        rig.run_for(1.0)
        assert rig.now_s == pytest.approx(1.1)
        assert rig.read("discharge_fet") == 1.0
    memory.append(n)
