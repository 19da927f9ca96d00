"""python3 -m bmshil_bench_agent as the bench runs it: a process of its own."""

import os
import signal
import statistics
import subprocess
import sys
import time

import pytest

from conftest import DaqClient

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def agent_process():
    p = subprocess.Popen(
        ["/usr/bin/python3", "-m", "bmshil_bench_agent", "--bind", "tcp://127.0.0.1:*", "--link-timeout-ms", "1500"],
        cwd=PACKAGE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield p
    if p.poll() is None:
        p.kill()
        p.wait()


def test_the_agent_process_serves_and_stops_cleanly_on_sigterm(context, agent_process):
    line = agent_process.stdout.readline().strip()
    assert line.startswith("bench agent: listening on tcp://127.0.0.1:")
    endpoint = line.split("listening on ", 1)[1]
    c = DaqClient(context, endpoint)
    try:
        w = c.hello()
        assert w.type == "WELCOME" and w.body["link_timeout_ms"] == 1500
        assert c.request("START").type == "START_OK"
        # The APPLY round trip over tcp loopback, agent and rig in two processes.
        rtts_ms = []
        for _ in range(200):
            sent = time.monotonic()
            c.apply()
            rtts_ms.append((time.monotonic() - sent) * 1000)
        rtts_ms.sort()
        median, p99 = statistics.median(rtts_ms), rtts_ms[int(0.99 * len(rtts_ms)) - 1]
        print(f"APPLY round trip over tcp loopback: median {median:.3f} ms, 99th percentile {p99:.3f} ms, max {rtts_ms[-1]:.3f} ms")
        assert median < 5.0, rtts_ms  # well within the rig's 10 ms tick
    finally:
        c.close()
    sent = time.monotonic()
    agent_process.send_signal(signal.SIGTERM)
    assert agent_process.wait(timeout=3) == 0
    print(f"SIGTERM to exit: {(time.monotonic() - sent) * 1000:.1f} ms")
    assert agent_process.stdout.read().strip() == "bench agent: stopped, instruments in the safe state"
    assert "session" in agent_process.stderr.read()


def test_a_firmware_that_does_not_load_is_an_error_at_start():
    p = subprocess.run(
        [sys.executable if sys.executable == "/usr/bin/python3" else "/usr/bin/python3", "-m", "bmshil_bench_agent", "--firmware", "/nonexistent/libfw.so"],
        cwd=PACKAGE_DIR,
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert p.returncode == 2
    assert "no such firmware library" in p.stderr
