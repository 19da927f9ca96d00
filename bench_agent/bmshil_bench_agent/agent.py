"""The bench agent: the board side of BMSHIL-DAQ/1 in real-time mode.

One ROUTER (bound to loopback by default), one session at a time (one board
serves one rig), one thread for the socket. The instruments (`Instruments`)
put the rig's inputs on the board's pins and capture what it drives.

Sequence numbers (PROTOCOL.md): the reply to the last executed request is
kept; the same number again gets it again without executing anything, a lower
one is stale and dropped. A session silent for `link_timeout_ms` is a lost
link: the instruments go to their safe state and the session is dropped.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, TextIO

import zmq
import zmq.auth
from zmq.auth.thread import ThreadAuthenticator

from . import protocol
from .instruments import Instruments
from .protocol import BadMessage, Message

DEFAULT_BIND = "tcp://127.0.0.1:5556"
BASE_CAPABILITIES = ("realtime", "rs485", "edge_capture")


class AgentError(RuntimeError):
    """The agent cannot start (a bind, a certificate)."""


@dataclass(frozen=True)
class CurveSettings:
    """CURVE on the ROUTER: this server's secret certificate (zmq.auth format,
    NAME.key_secret) and a directory of allowed client public certificates
    (*.key)."""

    secret_certificate: str
    allow_dir: str


@dataclass
class Session:
    """One rig's session, keyed on its routing id."""

    routing_id: bytes
    name: str
    last_heard_s: float
    next_heartbeat_s: float
    last_seq: int = 0
    last_reply: Optional[List[bytes]] = None  # the frames of the last executed request's reply
    started: bool = False
    hello: Dict[str, Any] = field(default_factory=dict)


@dataclass
class EndedSession:
    """What is kept of a session that ended with BYE, so a resent BYE gets its BYE_OK."""

    routing_id: bytes
    last_seq: int
    last_reply: List[bytes]


class BenchAgent:
    def __init__(
        self,
        instruments: Instruments,
        bind: str = DEFAULT_BIND,
        link_timeout_ms: int = 2000,
        heartbeat_ms: int = 500,
        curve: Optional[CurveSettings] = None,
        log: Optional[Callable[[str], None]] = None,
    ) -> None:
        if link_timeout_ms <= 0 or heartbeat_ms <= 0:
            raise AgentError("link_timeout_ms and heartbeat_ms must be positive")
        self.instruments = instruments
        self.link_timeout_ms = int(link_timeout_ms)
        self.heartbeat_ms = int(heartbeat_ms)
        self._log = log or _stderr_log
        self._capabilities = list(dict.fromkeys(list(BASE_CAPABILITIES) + list(instruments.capabilities())))
        self._afe_on_board = "afe_on_board" in self._capabilities
        self._session: Optional[Session] = None
        self._ended: Optional[EndedSession] = None
        self._session_numbers = itertools.count(1)
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self.counters: Dict[str, int] = {"requests": 0, "executed": 0, "resent": 0, "stale": 0, "heartbeats_sent": 0}

        self._context = zmq.Context()
        self._auth: Optional[ThreadAuthenticator] = None
        self._router = self._context.socket(zmq.ROUTER)
        try:
            self._configure_socket(curve)
            self._router.bind(bind)
        except (zmq.ZMQError, AgentError) as e:
            self._close_socket()
            raise AgentError(f"cannot serve on {bind}: {e}") from None
        self.endpoint = self._router.getsockopt_string(zmq.LAST_ENDPOINT)

    # ----------------------------------------------------------------- setup

    def _configure_socket(self, curve: Optional[CurveSettings]) -> None:
        r = self._router
        r.setsockopt(zmq.LINGER, 0)
        # ZMTP heartbeats: a connection whose peer stopped answering is closed.
        r.setsockopt(zmq.HEARTBEAT_IVL, max(100, self.link_timeout_ms // 4))
        r.setsockopt(zmq.HEARTBEAT_TIMEOUT, max(300, self.link_timeout_ms))
        r.setsockopt(zmq.HEARTBEAT_TTL, max(300, self.link_timeout_ms))
        # The rig keeps its routing id over a reconnect: the new connection takes the id over.
        r.setsockopt(zmq.ROUTER_HANDOVER, 1)
        if curve is None:
            return
        if not zmq.has("curve"):
            raise AgentError("this libzmq has no CURVE")
        try:
            public, secret = zmq.auth.load_certificate(curve.secret_certificate)
        except (OSError, ValueError) as e:
            raise AgentError(f"{curve.secret_certificate}: cannot read the certificate: {e}") from None
        if not secret:
            raise AgentError(f"{curve.secret_certificate}: not a secret certificate (no secret-key)")
        if not os.path.isdir(curve.allow_dir):
            raise AgentError(f"{curve.allow_dir}: no such allow-list directory")
        allowed = [n for n in os.listdir(curve.allow_dir) if n.endswith(".key")]
        if not allowed:
            raise AgentError(f"{curve.allow_dir}: no client certificate (*.key) in the allow-list directory")
        # The ZAP handler (inproc://zeromq.zap.01) exists before the first connection.
        self._auth = ThreadAuthenticator(self._context)
        self._auth.start()
        self._auth.configure_curve(domain="*", location=curve.allow_dir)
        r.curve_secretkey = secret
        r.curve_publickey = public
        r.curve_server = True  # no ZAP domain: the allow-list is configured for every domain ("*")
        self._log(f"CURVE on, {len(allowed)} client certificate(s) allowed from {curve.allow_dir}")

    def _close_socket(self) -> None:
        self._router.close(linger=0)
        if self._auth is not None:
            self._auth.stop()
            self._auth = None
        self._context.term()

    # --------------------------------------------------------------- serving

    def serve(self) -> None:
        """Serves until stop(); then the safe state and the board off."""
        poller = zmq.Poller()
        poller.register(self._router, zmq.POLLIN)
        try:
            while not self._stop.is_set():
                poller.poll(self._poll_timeout_ms())
                while True:
                    try:
                        frames = self._router.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    self._receive(frames)
                self._keep_session(time.monotonic())
        finally:
            self._end_session("the agent stops")
            self._shut_down_instruments()
            self._close_socket()

    def start(self) -> "BenchAgent":
        """Serves in a thread of its own (for tests and embedding)."""
        self._thread = threading.Thread(target=self.serve, name="bench-agent", daemon=True)
        self._thread.start()
        return self

    def request_stop(self) -> None:
        """Makes serve() return within 50 ms (safe from a signal handler)."""
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _shut_down_instruments(self) -> None:
        try:
            self.instruments.safe_state()
            self.instruments.power_off()
        except Exception as e:  # the agent still ends
            self._log(f"the instruments failed to reach the safe state: {e}")

    def _poll_timeout_ms(self) -> int:
        # Short enough that a lost link is seen within 10 ms of its timeout.
        if self._session is None:
            return 50
        until_heartbeat = self._session.next_heartbeat_s - time.monotonic()
        return max(0, min(10, int(until_heartbeat * 1000)))

    def _keep_session(self, now_s: float) -> None:
        s = self._session
        if s is None:
            return
        if (now_s - s.last_heard_s) * 1000 > self.link_timeout_ms:
            self._log(f"session {s.name}: nothing heard for {self.link_timeout_ms} ms, link lost: safe state")
            self._end_session(None)
            return
        if now_s >= s.next_heartbeat_s:
            self._send(s.routing_id, Message("HEARTBEAT", 0, {}))
            self.counters["heartbeats_sent"] += 1
            s.next_heartbeat_s = max(s.next_heartbeat_s + self.heartbeat_ms / 1000, now_s)

    def _end_session(self, why: Optional[str]) -> None:
        """Drops the session; the instruments to their safe state."""
        if self._session is None:
            return
        if why:
            self._log(f"session {self._session.name} ends: {why}")
        self._session = None
        try:
            self.instruments.safe_state()
        except Exception as e:
            self._log(f"the instruments failed to reach the safe state: {e}")

    # -------------------------------------------------------------- messages

    def _send(self, routing_id: bytes, message: Message) -> List[bytes]:
        frames = protocol.frames_of(message)
        self._router.send_multipart([routing_id] + frames)
        return frames

    def _refuse(self, routing_id: bytes, code: str, text: str, seq: int, **extra: Any) -> None:
        body = protocol.error_body(code, text, seq)
        body.update(extra)
        self._send(routing_id, Message("ERROR", seq, body))

    def _answer(self, session: Session, request: Message, kind: str, body: Dict[str, Any]) -> None:
        frames = protocol.frames_of(Message(kind, request.seq, body))
        session.last_seq = request.seq
        session.last_reply = frames
        self.counters["executed"] += 1
        self._router.send_multipart([session.routing_id] + frames)

    def _receive(self, frames: List[bytes]) -> None:
        if len(frames) < 1:
            return
        routing_id, rest = frames[0], frames[1:]
        now = time.monotonic()
        session = self._session if self._session is not None and self._session.routing_id == routing_id else None
        try:
            m = protocol.parse_frames(rest)
        except BadMessage as e:
            if session is not None:
                session.last_heard_s = now
            self._refuse(routing_id, "bad_message", str(e), 0)
            return
        if m.protocol != protocol.PROTOCOL:
            # Another protocol or major: answered in ours, nothing else of it handled.
            shown = m.protocol[:64].decode("ascii", "replace")
            self._refuse(
                routing_id,
                "version",
                f"this board side speaks {protocol.PROTOCOL.decode()} {protocol.MAJOR}.{protocol.MINOR}, the message {shown}",
                0,
                major=protocol.MAJOR,
                minor=protocol.MINOR,
            )
            return
        if session is not None:
            session.last_heard_s = now
        if m.type == "HEARTBEAT":
            return
        self.counters["requests"] += 1
        if session is not None and m.seq <= session.last_seq:
            self._repeat(routing_id, m, session.last_seq, session.last_reply)
            return
        if session is None and self._ended is not None and self._ended.routing_id == routing_id and m.seq <= self._ended.last_seq:
            self._repeat(routing_id, m, self._ended.last_seq, self._ended.last_reply)
            return
        try:
            if m.type == "HELLO":
                self._hello(routing_id, m, session)
            elif session is None:
                self._refuse(routing_id, "no_session", f"{m.type} without a session: HELLO first (or the link was lost)", m.seq)
            else:
                self._request(session, m)
        except BadMessage as e:
            self._refuse(routing_id, "bad_message", f"{m.type}: {e}", m.seq)
        except Exception as e:  # an instrument that failed: the rig hears of it, the agent goes on
            self._log(f"{m.type} #{m.seq} failed: {type(e).__name__}: {e}")
            self._refuse(routing_id, "firmware", f"{m.type}: the bench failed: {e}", m.seq)

    def _repeat(self, routing_id: bytes, m: Message, last_seq: int, last_reply: Optional[List[bytes]]) -> None:
        if m.seq == last_seq and last_reply is not None:
            # A resend: the same reply, nothing executed again.
            self.counters["resent"] += 1
            self._router.send_multipart([routing_id] + last_reply)
        else:
            self.counters["stale"] += 1  # stale: dropped

    def _hello(self, routing_id: bytes, m: Message, session: Optional[Session]) -> None:
        major = protocol.int_of(m.body, "major")
        if major != protocol.MAJOR:
            self._refuse(
                routing_id,
                "version",
                f"this board side speaks {protocol.PROTOCOL.decode()} {protocol.MAJOR}.{protocol.MINOR}, the HELLO major {major}",
                m.seq,
                major=protocol.MAJOR,
                minor=protocol.MINOR,
            )
            return
        mode = protocol.field_of(m.body, "mode")
        if mode != "realtime":
            self._refuse(routing_id, "mode", f"mode {mode!r}: this bench runs realtime only (a real board keeps its own time)", m.seq)
            return
        if self._session is not None and session is None:
            self._refuse(routing_id, "busy", f"the board serves session {self._session.name}: one board, one session", m.seq)
            return
        if session is not None:
            self._end_session("a new HELLO from its rig")
        now = time.monotonic()
        new = Session(
            routing_id=routing_id,
            name=f"{os.getpid()}-{next(self._session_numbers)}",
            last_heard_s=now,
            next_heartbeat_s=now + self.heartbeat_ms / 1000,
            hello=dict(m.body),
        )
        self._session = new
        self._ended = None
        client = m.body.get("client", "(a rig)")
        self._log(f"session {new.name}: {client}")
        self._answer(
            new,
            m,
            "WELCOME",
            {
                "major": protocol.MAJOR,
                "minor": protocol.MINOR,
                "session": new.name,
                "capabilities": self._capabilities,
                "identity": dict(self.instruments.identity()),
                "daq": dict(self.instruments.declaration()),
                "heartbeat_ms": self.heartbeat_ms,
                "link_timeout_ms": self.link_timeout_ms,
            },
        )

    def _request(self, s: Session, m: Message) -> None:
        inst = self.instruments
        if m.type == "PING":
            rig_us = protocol.field_of(m.body, "rig_us")
            self._answer(s, m, "PONG", {"rig_us": rig_us, "board_us": inst.board_clock_us()})
        elif m.type == "START":
            try:
                inst.power_on()
            except Exception as e:
                self._refuse(s.routing_id, "firmware", f"the board did not start: {e}", m.seq)
                return
            s.started = True
            self._answer(s, m, "START_OK", {"board_us": inst.board_clock_us()})
        elif m.type == "APPLY":
            if not s.started:
                self._refuse(s.routing_id, "bad_message", "APPLY before START", m.seq)
                return
            self._apply(s, m)
        elif m.type == "STOP":
            inst.safe_state()
            inst.power_off()
            s.started = False
            self._answer(s, m, "STOP_OK", {})
        elif m.type == "BYE":
            self._answer(s, m, "BYE_OK", {})
            self._ended = EndedSession(s.routing_id, s.last_seq, s.last_reply or [])
            self._end_session("BYE")
        else:
            self._refuse(s.routing_id, "bad_message", f"{m.type!r} is not a request of realtime mode", m.seq)

    def _apply(self, s: Session, m: Message) -> None:
        # Everything decoded before anything is set: a bad APPLY changes nothing.
        pins = protocol.decode_inputs(protocol.field_of(m.body, "in"))
        rx = protocol.bytes_of(m.body, "rx")
        inst = self.instruments
        try:
            inst.set_cell_voltage_uV(pins.cell_tap_uV)
            inst.set_ntc_ohm(pins.ntc_ohm)
            inst.set_pack_terminal_mV(pins.pack_terminal_mV)
            inst.set_current_mA(pins.shunt_current_mA)
            inst.set_button(pins.button)
            if rx:
                inst.rs485_write(rx)
            board_us, outputs, edges = inst.sample()
            tx = inst.rs485_read()
            body: Dict[str, Any] = {
                "board_us": int(board_us),
                "out": protocol.encode_outputs(outputs),
                "edges": [{"board_us": int(t), "out": protocol.encode_outputs(o)} for t, o in edges],
                "tx": bytes(tx),
            }
            if self._afe_on_board:
                tripped, trip_us = inst.afe_state()
                body["afe_sc_tripped"] = bool(tripped)
                body["afe_sc_trip_board_us"] = int(trip_us)
        except Exception as e:
            self._log(f"session {s.name}: the instruments failed in APPLY #{m.seq}: {e}: safe state")
            inst.safe_state()
            self._refuse(s.routing_id, "firmware", f"the bench failed: {e}", m.seq)
            return
        self._answer(s, m, "APPLY_OK", body)


def _stderr_log(text: str, stream: TextIO = sys.stderr) -> None:
    print(f"bench agent: {text}", file=stream, flush=True)
