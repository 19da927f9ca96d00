"""A small BMSHIL-DAQ/1 client (the rig's side, a DEALER) and agent fixtures."""

from __future__ import annotations

import os
import struct
import sys
import time
from typing import Any, Dict, List, Optional, Sequence

import msgpack
import pytest
import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from bmshil_bench_agent import protocol  # noqa: E402
from bmshil_bench_agent.agent import BenchAgent  # noqa: E402
from bmshil_bench_agent.simulated import DEFAULT_FIRMWARE, SimulatedInstruments  # noqa: E402

PROTOCOL = b"BMSHIL-DAQ/1"
NOMINAL_CELLS_uV = [3_300_000] * 16
NTC_25_DEGC_OHM = [10_000] * 6
PACK_mV = 16 * 3300


class Reply:
    def __init__(self, frames: List[bytes]):
        self.frames = frames
        self.protocol = frames[0]
        self.type = frames[1].decode()
        self.seq = struct.unpack("<Q", frames[2])[0]
        self.body = msgpack.unpackb(frames[3], raw=False)
        self.received_s = time.monotonic()

    def __repr__(self) -> str:
        return f"Reply({self.type} #{self.seq} {self.body})"


class DaqClient:
    """The rig's end: a DEALER with a routing id of its own."""

    def __init__(self, context: zmq.Context, endpoint: str, curve: Optional[Dict[str, bytes]] = None):
        self.socket = context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 0)
        # A DEALER whose connection was refused (CURVE) has no pipe to queue on: a
        # blocking send would wait for ever, so a send gives up (zmq.Again) after 1 s.
        self.socket.setsockopt(zmq.SNDTIMEO, 1000)
        rid = bytearray(os.urandom(16))
        rid[0] |= 1
        self.socket.setsockopt(zmq.ROUTING_ID, bytes(rid))
        if curve:
            self.socket.curve_serverkey = curve["server_public"]
            self.socket.curve_publickey = curve["public"]
            self.socket.curve_secretkey = curve["secret"]
        self.socket.connect(endpoint)
        self.next_seq = 1
        self.heartbeats: List[Reply] = []
        self.last_frames: List[bytes] = []

    def send(self, kind: str, body: Dict[str, Any], seq: Optional[int] = None, frame0: bytes = PROTOCOL) -> int:
        if seq is None:
            seq = self.next_seq
            self.next_seq += 1
        self.last_frames = [frame0, kind.encode(), struct.pack("<Q", seq), msgpack.packb(body, use_bin_type=True)]
        self.socket.send_multipart(self.last_frames)
        return seq

    def send_frames(self, frames: Sequence[bytes]) -> None:
        self.socket.send_multipart(list(frames))

    def receive(self, timeout_s: float = 2.0) -> Optional[Reply]:
        """The next message that is not a HEARTBEAT (those are kept), or None."""
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not self.socket.poll(int(left * 1000) + 1):
                if time.monotonic() >= deadline:
                    return None
                continue
            reply = Reply(self.socket.recv_multipart())
            if reply.type == "HEARTBEAT":
                self.heartbeats.append(reply)
                continue
            return reply

    def request(self, kind: str, body: Optional[Dict[str, Any]] = None, timeout_s: float = 2.0) -> Reply:
        seq = self.send(kind, body or {})
        reply = self.receive(timeout_s)
        assert reply is not None, f"no answer to {kind} #{seq}"
        assert reply.seq in (seq, 0), f"{kind} #{seq} answered with #{reply.seq}"
        return reply

    def hello(self, mode: str = "realtime", major: int = 1) -> Reply:
        return self.request(
            "HELLO",
            {"major": major, "minor": 0, "client": "bench agent tests", "mode": mode, "storage_bytes": 4096, "tx_capacity": 1024, "tick_us": 10000},
        )

    def apply(
        self,
        cells_uV: Sequence[int] = NOMINAL_CELLS_uV,
        current_mA: int = 0,
        ntc_ohm: Sequence[int] = NTC_25_DEGC_OHM,
        pack_terminal_mV: int = PACK_mV,
        button: bool = False,
        rx: bytes = b"",
    ) -> Reply:
        reply = self.request("APPLY", apply_body(cells_uV, current_mA, ntc_ohm, pack_terminal_mV, button, rx))
        assert reply.type == "APPLY_OK", reply
        return reply

    def close(self) -> None:
        self.socket.close(linger=0)


def apply_body(cells_uV=NOMINAL_CELLS_uV, current_mA=0, ntc_ohm=NTC_25_DEGC_OHM, pack_terminal_mV=PACK_mV, button=False, rx=b""):
    pins = protocol.PinInputs(list(cells_uV), pack_terminal_mV, current_mA, list(ntc_ohm), button)
    return {"rig_us": time.monotonic_ns() // 1000, "in": protocol.encode_inputs(pins), "rx": bytes(rx)}


def modbus_crc16(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def modbus_read_request(slave: int, start: int, count: int, function: int = 0x03) -> bytes:
    frame = struct.pack(">BBHH", slave, function, start, count)
    return frame + struct.pack("<H", modbus_crc16(frame))


@pytest.fixture
def context():
    ctx = zmq.Context()
    yield ctx
    ctx.destroy(linger=0)


class RunningAgent:
    def __init__(self, **options):
        self.logs: List[str] = []
        self.instruments = SimulatedInstruments(DEFAULT_FIRMWARE)
        self.agent = BenchAgent(self.instruments, bind="tcp://127.0.0.1:*", log=self.log, **options)
        self.endpoint = self.agent.endpoint
        self.agent.start()

    def log(self, text: str) -> None:
        self.logs.append(text)

    def close(self) -> None:
        self.agent.stop()
        self.instruments.close()


@pytest.fixture
def make_agent():
    agents: List[RunningAgent] = []

    def make(**options) -> RunningAgent:
        a = RunningAgent(**options)
        agents.append(a)
        return a

    yield make
    for a in agents:
        a.close()


@pytest.fixture
def agent(make_agent):
    return make_agent()


@pytest.fixture
def client(context, agent):
    c = DaqClient(context, agent.endpoint)
    yield c
    c.close()


def run_until(client: DaqClient, condition, timeout_s: float, period_s: float = 0.01, **apply_args) -> List[Reply]:
    """APPLY every period_s (as the rig does at its ticks) until condition(reply); every reply."""
    replies: List[Reply] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        replies.append(client.apply(**apply_args))
        if condition(replies[-1]):
            return replies
        time.sleep(period_s)
    raise AssertionError(f"not within {timeout_s} s; the last reply {replies[-1] if replies else None}")
