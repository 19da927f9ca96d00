"""CURVE: an allow-listed client is served, another one never hears from the board."""

import os
import time

import pytest
import zmq
import zmq.auth

from bmshil_bench_agent.agent import AgentError, BenchAgent, CurveSettings
from conftest import DaqClient


@pytest.fixture
def certificates(tmp_path):
    keys = tmp_path / "keys"
    allow = tmp_path / "allow"
    keys.mkdir()
    allow.mkdir()
    for name in ("server", "rig", "stranger"):
        zmq.auth.create_certificates(str(keys), name)
    os.replace(keys / "rig.key", allow / "rig.key")  # only the rig's public certificate is allowed

    def client_keys(name):
        public, secret = zmq.auth.load_certificate(str(keys / f"{name}.key_secret"))
        server_public, _ = zmq.auth.load_certificate(str(keys / "server.key"))
        return {"public": public, "secret": secret, "server_public": server_public}

    return {"server_secret": str(keys / "server.key_secret"), "allow": str(allow), "client": client_keys, "keys": keys}


def test_an_allowed_key_connects_and_another_gets_no_answer(context, make_agent, certificates):
    a = make_agent(curve=CurveSettings(certificates["server_secret"], certificates["allow"]))
    rig = DaqClient(context, a.endpoint, curve=certificates["client"]("rig"))
    stranger = DaqClient(context, a.endpoint, curve=certificates["client"]("stranger"))
    plain = DaqClient(context, a.endpoint)  # no CURVE at all
    try:
        # Sent at once after connect, the refused clients' HELLOs are queued (the
        # handshake has not failed yet); a later send could find no connection.
        sent = []
        for refused in (stranger, plain):
            try:
                refused.send("HELLO", {"major": 1, "minor": 0, "mode": "realtime"})
                sent.append(refused)
            except zmq.Again:
                pass
        assert rig.hello().type == "WELCOME"
        assert rig.request("PING", {"rig_us": 7}).body["rig_us"] == 7
        t0 = time.monotonic()
        for refused in sent:
            assert refused.receive(timeout_s=max(0.0, 0.7 - (time.monotonic() - t0))) is None
        # The refused ones opened no session: the rig's goes on.
        assert rig.request("PING", {"rig_us": 8}).type == "PONG"
        assert a.agent.counters["requests"] == 3  # the rig's HELLO and two PINGs, nothing else
    finally:
        for c in (rig, stranger, plain):
            c.close()


def test_a_public_certificate_is_no_server_key(tmp_path, certificates):
    from bmshil_bench_agent.simulated import SimulatedInstruments

    instruments = SimulatedInstruments()
    try:
        with pytest.raises(AgentError, match="not a secret certificate"):
            BenchAgent(instruments, bind="tcp://127.0.0.1:*", curve=CurveSettings(str(certificates["keys"] / "server.key"), certificates["allow"]))
        empty = tmp_path / "empty"
        empty.mkdir()
        with pytest.raises(AgentError, match="no client certificate"):
            BenchAgent(instruments, bind="tcp://127.0.0.1:*", curve=CurveSettings(certificates["server_secret"], str(empty)))
    finally:
        instruments.close()
