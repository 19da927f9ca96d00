"""bmshil.Rig: a pack, a board and its firmware, driven step by step."""

from __future__ import annotations

import math
import mmap
import os
import signal
import socket
import subprocess
import sys
import time
import weakref
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np

from . import _paths
from ._channel import Channel
from .errors import FirmwareCrash, FirmwareHang, RigClosed, RigError
from .trace import Trace

Condition = Union[str, Callable[["Rig"], bool]]

NTC_NAMES = ("cell_1", "cell_2", "cell_3", "cell_4", "ambient", "power")
_ERRORS = {"ValueError": ValueError, "KeyError": KeyError, "TypeError": TypeError, "RigError": RigError}
# How long an interrupted call may take to stop before its process is killed.
_INTERRUPT_GRACE_S = 10.0


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class _Worker:
    """One rig in a process of its own, reached over a socket pair."""

    def __init__(self, timeout_s: Optional[float]):
        self.timeout_s = timeout_s
        ours, theirs = socket.socketpair()
        # -S: no site packages; the worker imports the compiled module beside
        # it and the standard library only, so it starts in tens of ms.
        worker = Path(__file__).resolve().parent / "_worker.py"
        self.process = subprocess.Popen(
            [sys.executable, "-S", str(worker), str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.conn = Channel(ours)
        self.closed = False
        # A rig dropped without close() still ends its process.
        self._finalizer = weakref.finalize(self, _Worker._end, self.process, self.conn)

    @staticmethod
    def _end(process: subprocess.Popen, conn: Channel) -> None:
        try:
            conn.close()
        except OSError:
            pass
        if process.poll() is None:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _died(self, doing: str) -> RigError:
        self.closed = True
        try:
            rc = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            rc = self.process.wait()
        if rc < 0:
            return FirmwareCrash(
                f"the rig's process (pid {self.process.pid}) died with {_signal_name(-rc)} during {doing}: "
                "a crash in the firmware (or the rig)"
            )
        return FirmwareCrash(f"the rig's process (pid {self.process.pid}) exited with status {rc} during {doing}")

    def _wait(self, doing: str, forward: int) -> Any:
        deadline = None if self.timeout_s is None else time.monotonic() + self.timeout_s
        try:
            while not self.conn.poll(0.5):
                if self.process.poll() is not None:
                    raise self._died(doing)
                if deadline is not None and time.monotonic() > deadline:
                    self.process.kill()
                    self.process.wait()
                    self.closed = True
                    raise FirmwareHang(
                        f"no answer to {doing} within {self.timeout_s:g} s: the firmware hung "
                        f"(the rig's process, pid {self.process.pid}, was killed; raise timeout_s for longer runs)"
                    )
        except KeyboardInterrupt:
            self._interrupt(forward)
            raise
        try:
            return self.conn.recv()
        except KeyboardInterrupt:
            # Half a message read: the stream cannot be trusted any more.
            self.process.kill()
            self.process.wait()
            self.closed = True
            raise
        except (EOFError, ConnectionError):
            raise self._died(doing) from None

    def _interrupt(self, forward: int) -> None:
        # Stop the call in the worker; the rig stays usable at the time it reached.
        try:
            os.kill(self.process.pid, forward)
            if self.conn.poll(_INTERRUPT_GRACE_S):
                self.conn.recv()
                return
        except (OSError, EOFError):
            pass
        self.process.kill()
        self.process.wait()
        self.closed = True

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self.closed:
            raise RigClosed(f"the rig is closed; {method} needs a new one")
        forward = signal.SIGINT if method == "run_suite" else signal.SIGUSR1
        try:
            self.conn.send((method, args, kwargs))
        except (BrokenPipeError, ConnectionError, OSError):
            raise self._died(method) from None
        reply = self._wait(method, forward)
        if reply[0] == "ok":
            return reply[1]
        if reply[0] == "trace":
            _, rows, columns, names = reply
            fd = self.conn.recv_fd()
            try:
                if rows == 0:
                    data = np.empty((0, columns))
                else:
                    # The worker's memory file, mapped here: the array is a
                    # view of it, nothing is copied.
                    view = mmap.mmap(fd, rows * columns * 8, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
                    data = np.frombuffer(view, dtype="<f8").reshape(rows, columns)
            finally:
                os.close(fd)
            return Trace(data, names)
        _, kind, message = reply
        if kind == "KeyboardInterrupt":
            raise KeyboardInterrupt
        raise _ERRORS.get(kind, RigError)(message)

    def close(self) -> None:
        if self.closed:
            return
        try:
            self.call("close")
        except RigError:
            pass
        self.closed = True
        self._finalizer()

    @property
    def pid(self) -> int:
        return self.process.pid


class _InProcess:
    """The rig in this process (one per process: the kernel elaborates once)."""

    def __init__(self):
        self.session = None
        self.closed = False
        self.pid = os.getpid()

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self.closed:
            raise RigClosed(f"the rig is closed; {method} needs a new one")
        from . import _bmshil

        if method == "__init__":
            self.session = _bmshil.Session(*args, **kwargs)
            return self.pid
        if method == "take":
            return Trace(self.session.take_array(*args), self.session.recorded_names(*args))
        if method == "run_suite":
            return _bmshil.run_suite(*args, **kwargs)
        return getattr(self.session, method)(*args, **kwargs)

    def close(self) -> None:
        if not self.closed and self.session is not None:
            self.session.close_waveform()
        self.closed = True


class Recorder:
    """Chosen probes sampled as the rig runs (see Rig.record)."""

    def __init__(self, backend, number: int, probes: Sequence[str], interval_s: Optional[float]):
        self._backend = backend
        self.number = number
        self.probes = tuple(probes)
        self.interval_s = interval_s

    def take(self) -> Trace:
        """The samples so far as a Trace (NumPy arrays over the rig's own
        memory, no copy). Recording goes on into an empty buffer."""
        return self._backend.call("take", self.number)

    def stop(self) -> None:
        """No more samples; what was recorded can still be taken."""
        self._backend.call("stop", self.number)


def _file(what: str, path: Union[str, os.PathLike, None], default: Path, folder: bool = False) -> str:
    p = Path(path) if path is not None else default
    if folder and not p.is_dir():
        raise ValueError(f"{what} {str(p)!r}: no such folder")
    if not folder and not p.is_file():
        raise ValueError(f"{what} {str(p)!r}: no such file")
    return str(p)


def _where(firmware, board, register_map, cells, spec) -> Dict[str, str]:
    """The firmware or board and the data a run reads, checked to exist
    (the bundled ones by default)."""
    return dict(
        firmware=_file("firmware", firmware, _paths.FIRMWARE) if board is None else str(firmware or ""),
        board=board or "",
        register_map=_file("register map", register_map, _paths.REGISTER_MAP),
        cells=_file("cell set", cells, _paths.CELLS),
        spec=_file("spec", spec, _paths.SPEC, folder=True),
    )


def _finite(what: str, value: Any, low: float = -math.inf, high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a number, not {type(value).__name__} {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < low or v > high:
        raise ValueError(f"{what} = {value!r} is not a finite number within {low:g}..{high:g}")
    return v


def _numbered(what: str, values: Optional[Mapping[int, Any]], kind: type) -> Dict[int, Any]:
    out: Dict[int, Any] = {}
    for k, v in (values or {}).items():
        if isinstance(k, bool) or not isinstance(k, int):
            raise TypeError(f"{what}: key {k!r} is not a number of the manual (an int)")
        out[k] = bool(v) if kind is bool else _finite(f"{what}[{k}]", v)
    return out


class Rig:
    """A 16S LiFePO4 pack model, a board and its firmware, in a SystemC
    kernel of its own: a worker process per Rig (``in_process=True`` for this
    process, once per process).

    Construction builds the rig, powers the board on and writes the
    parameters in force over the board's port, after checking the set
    against the manual's rules (ValueError naming every broken rule).

    Args:
        firmware: a firmware library built against rig/board_contract.h
            (default: the bundled firmware).
        board: a board URI instead (``native:LIB``, ``zmq:tcp://HOST:PORT``,
            ``zmq:ipc://PATH``, see the README's remote board).
        register_map: the firmware's machine-readable register map.
        cells: a cell set file (model/cell_sets/).
        spec: the manual's tables (spec/).
        seed: draws the cells' spread.
        soc: state of charge of every cell at start, 0..1.
        temperature_degC: every cell and the power stage at start.
        ambient_degC: the air (default: the starting temperature).
        spread: whether cells differ as the seed draws them.
        parameters: overrides of the manual's defaults by number, in its units.
        switches: function switches by number.
        waveform: a VCD file written as the rig runs.
        timeout_s: wall time a single call may take before the firmware
            counts as hung (None: no limit).
        in_process: the rig in this process instead of a worker.
    """

    def __init__(
        self,
        firmware: Union[str, os.PathLike, None] = None,
        *,
        board: Optional[str] = None,
        register_map: Union[str, os.PathLike, None] = None,
        cells: Union[str, os.PathLike, None] = None,
        spec: Union[str, os.PathLike, None] = None,
        seed: int = 1,
        soc: float = 0.5,
        temperature_degC: Optional[float] = None,
        ambient_degC: Optional[float] = None,
        spread: bool = True,
        parameters: Optional[Mapping[int, float]] = None,
        switches: Optional[Mapping[int, bool]] = None,
        waveform: Union[str, os.PathLike, None] = None,
        timeout_s: Optional[float] = 300.0,
        in_process: bool = False,
    ):
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed = {seed!r} is not a whole number >= 0")
        options = dict(
            **_where(firmware, board, register_map, cells, spec),
            seed=seed,
            soc=_finite("soc", soc, 0.0, 1.0),
            temperature_degC=None if temperature_degC is None else _finite("temperature_degC", temperature_degC, -60, 120),
            ambient_degC=None if ambient_degC is None else _finite("ambient_degC", ambient_degC, -60, 120),
            spread=bool(spread),
            parameters=_numbered("parameters", parameters, float),
            switches=_numbered("switches", switches, bool),
            waveform=str(waveform or ""),
        )
        if timeout_s is not None:
            _finite("timeout_s", timeout_s, 0.0)
        self.options = options
        self._backend = _InProcess() if in_process else _Worker(timeout_s)
        try:
            self._backend.call("__init__", **options)
        except BaseException:
            self._backend.close()
            raise

    # --- life

    @property
    def pid(self) -> int:
        """The process the rig's kernel runs in."""
        return self._backend.pid

    def close(self) -> None:
        """Ends the rig (its process, its waveform closed). Idempotent."""
        self._backend.close()

    def __enter__(self) -> "Rig":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- time

    @property
    def now_s(self) -> float:
        """Simulated time in seconds."""
        return self._backend.call("now_s")

    def run_for(self, seconds: float) -> None:
        """Advances simulated time. Ctrl-C stops it (KeyboardInterrupt) and
        leaves the rig at the time it reached."""
        self._backend.call("run_for", _finite("seconds", seconds, 0.0))

    def run_until(self, condition: Condition, timeout_s: float, *, poll_s: Optional[float] = None) -> bool:
        """Runs until the condition holds; False when timeout_s passed first.

        A string is the scenario language, evaluated in C++ at every tick
        and at every change of the board's outputs
        (``"discharge_fet == off"``, ``"cell_max_V >= p5 - 10 mV"``,
        ``"bit:error_code_bits.SC == 1"``). A callable ``f(rig) -> bool`` is
        the slower option, asked every poll_s (default 10 ms).
        """
        timeout_s = _finite("timeout_s", timeout_s, 0.0)
        if isinstance(condition, str):
            poll = 0.0 if poll_s is None else _finite("poll_s", poll_s, 1e-6)
            return self._backend.call("run_until", condition, timeout_s, poll)
        if not callable(condition):
            raise TypeError(f"a condition is a string or a callable, not {type(condition).__name__}")
        poll = 0.01 if poll_s is None else _finite("poll_s", poll_s, 1e-6)
        end = self.now_s + timeout_s
        while not condition(self):
            now = self.now_s
            if now >= end - 1e-12:
                return False
            self.run_for(min(poll, end - now))
        return True

    def holds(self, condition: str) -> bool:
        """Whether a condition in the scenario language holds now."""
        return self._backend.call("holds", condition)

    # --- readouts and the port

    def read(self, probe: str) -> float:
        """A probe's value now: ``current_A``, ``cell3_V``, ``discharge_fet``,
        or the port (``reg:<register>``, ``bit:<word>.<bit>``: a Modbus
        transaction)."""
        return self._backend.call("read", probe)

    def write(self, register: str, value: float) -> None:
        """Writes a register by its name in the register map, in its unit."""
        self._backend.call("write", register, _finite(f"value of {register}", value))

    def write_settings(self, parameters: Optional[Mapping[int, float]] = None,
                       switches: Optional[Mapping[int, bool]] = None) -> None:
        """Changes parameters and switches together: checked against the
        manual's rules with the rest in force, then written as one block."""
        self._backend.call("write_settings", _numbered("parameters", parameters, float),
                           _numbered("switches", switches, bool))

    def parameters(self) -> Dict[int, float]:
        """The parameters in force, by number, in the manual's units."""
        return self._backend.call("parameters")

    def switches(self) -> Dict[int, bool]:
        """The function switches in force, by number."""
        return self._backend.call("switches")

    def safety(self) -> List[dict]:
        """The model's safe-operating-area findings so far (what happened to
        the cells, whatever the firmware believed)."""
        return [dict(kind=k, cell=c, start_s=s, end_s=(None if e < 0 else e), worst=w)
                for k, c, s, e, w in self._backend.call("safety")]

    # --- inputs

    def charger(self, connected: bool = True, *, voltage_V: Optional[float] = None,
                current_A: Optional[float] = None, overshoot_V: Optional[float] = None) -> None:
        """Connects (or disconnects) the CC/CV charger; a faulty one
        overshoots its setpoint by overshoot_V."""
        self._backend.call("charger", bool(connected),
                           None if voltage_V is None else _finite("voltage_V", voltage_V, 0.0),
                           None if current_A is None else _finite("current_A", current_A, 0.0),
                           None if overshoot_V is None else _finite("overshoot_V", overshoot_V, 0.0))

    def load(self, name: str, connected: bool = True, *, current_A: Optional[float] = None,
             power_W: Optional[float] = None, resistance_ohm: Optional[float] = None,
             inverter_W: Optional[float] = None) -> None:
        """Connects a named load: constant current, power or resistance, or an
        inverter (its start-up surge, then power). Without a value the load
        keeps what it was."""
        given = {k: v for k, v in dict(current=current_A, power=power_W, resistance=resistance_ohm,
                                      inverter=inverter_W).items() if v is not None}
        if len(given) > 1:
            raise ValueError(f"load {name!r}: one of current_A, power_W, resistance_ohm, inverter_W, not {sorted(given)}")
        kind, value = next(iter(given.items())) if given else ("", None)
        if value is not None:
            value = _finite(f"load {name!r} {kind}", value, 0.0)
        self._backend.call("load", name, bool(connected), kind, value)

    def short(self, connected: bool = True, *, resistance_ohm: float = 0.002) -> None:
        """A short circuit of resistance_ohm on the output (a load named 'short')."""
        self.load("short", connected, resistance_ohm=resistance_ohm)

    def ambient(self, degC: float, *, over_s: float = 0.0) -> None:
        """The air temperature: a step, or a linear ramp over over_s."""
        self._backend.call("ambient", _finite("degC", degC, -60, 120), _finite("over_s", over_s, 0.0))

    def ntc_fault(self, ntc: Union[int, str], state: str) -> None:
        """An NTC open, shorted or back to ok. ntc: 0..5 or cell_1..cell_4,
        ambient, power."""
        if isinstance(ntc, str):
            if ntc not in NTC_NAMES:
                raise ValueError(f"ntc {ntc!r} is none of {', '.join(NTC_NAMES)}")
            ntc = NTC_NAMES.index(ntc)
        self._backend.call("ntc_fault", ntc, state)

    def ntc_drift(self, ntc: Union[int, str], *, r25_scale: Optional[float] = None,
                  beta_K: Optional[float] = None) -> None:
        """An NTC's part drifts: its R25 times r25_scale, its Beta now beta_K
        (either may be left as it is). The board reads the drifted part; the
        cells' temperature does not change."""
        if isinstance(ntc, str):
            if ntc not in NTC_NAMES:
                raise ValueError(f"ntc {ntc!r} is none of {', '.join(NTC_NAMES)}")
            ntc = NTC_NAMES.index(ntc)
        if r25_scale is not None:
            r25_scale = _finite("r25_scale", r25_scale, 0.01, 100.0)
        if beta_K is not None:
            beta_K = _finite("beta_K", beta_K, 1000.0, 10000.0)
        self._backend.call("ntc_drift", ntc, r25_scale, beta_K)

    def sense_wire(self, above_cell: int, open: bool = True) -> None:
        """The sense wire at the junction above a cell (1..15) comes off
        (open=True) or back: the AFE input it fed floats (model/afe.h)."""
        self._backend.call("sense_wire", int(above_cell), bool(open))

    def shunt_offset(self, offset_A: float, *, over_s: float = 0.0) -> None:
        """The shunt channel's offset drifts to offset_A beyond the part's
        own: at once, or linearly over over_s."""
        self._backend.call("shunt_offset", _finite("offset_A", offset_A, -1000.0, 1000.0),
                           _finite("over_s", over_s, 0.0))

    def set_cell(self, cell: int, *, soc: Optional[float] = None, voltage_V: Optional[float] = None,
                 capacity_scale: Optional[float] = None, resistance_scale: Optional[float] = None,
                 self_discharge_scale: Optional[float] = None) -> None:
        """Sets one cell (1-based) apart: its SOC, a voltage at rest, or its
        capacity, resistance or self-discharge scaled."""
        self._backend.call("set_cell", cell, soc, voltage_V, capacity_scale, resistance_scale,
                           self_discharge_scale)

    def button(self, pressed: bool) -> None:
        """The button held (True) or released."""
        self._backend.call("button", bool(pressed))

    def press_button(self, hold_s: float = 0.5) -> None:
        """Presses the button for hold_s, then lets go."""
        self.button(True)
        self.run_for(hold_s)
        self.button(False)

    def power_cycle(self, off_s: float) -> None:
        """The board loses power for off_s and comes back (storage kept)."""
        self._backend.call("power_cycle", _finite("off_s", off_s, 0.0))

    # --- traces

    def record(self, probes: Sequence[str], *, interval_s: Optional[float] = None) -> Recorder:
        """Starts recording probes (the model and the board's outputs; the
        port is read with read()) at every firmware call, or every
        interval_s of simulated time."""
        if isinstance(probes, str):
            probes = [probes]
        interval = 0.0 if interval_s is None else _finite("interval_s", interval_s, 1e-9)
        number = self._backend.call("record", list(probes), interval)
        return Recorder(self._backend, number, probes, interval_s)
