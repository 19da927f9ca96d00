"""Simulated instruments with a simulated board behind them.

The board is a real firmware shared library (built against
rig/board_contract.h) run on the board's own clock: a call every 10 ms of
`time.monotonic`, plus at once when something a real board takes as an
interrupt happens (RS485 bytes, the button changing, the AFE latch rising).
The board has an AFE of its own (`afe_on_board`): a short-circuit comparator
that opens the discharge FET itself and latches.

The DAQ in front of it is an ideal one with the figures it declares: each
setting is quantised to its channel's resolution and reaches the pins
`input_latency_us` after it was set; output edges are stamped on the board
clock at `edge_resolution_us`.

Everything is computed in integer microseconds of the board clock, so the AFE's
trip time is exact (current at the pin + comparator delay) whenever the thread
that runs the firmware happens to wake.
"""

from __future__ import annotations

import bisect
import ctypes
import itertools
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import protocol
from .board_contract import BoardInputs, BoardOutputs, BoardPort, BoardStorage, FirmwareLibrary, outputs_as_map
from .instruments import (
    NOMINAL_CELL_uV,
    NOMINAL_PACK_TERMINAL_mV,
    NTC_AT_25_DEGC_OHM,
    Edge,
    Instruments,
    Outputs,
)

DEFAULT_FIRMWARE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "build", "lib", "libbms_firmware.so"
)


@dataclass(frozen=True)
class DaqFigures:
    """What the simulated DAQ does, declared as such in WELCOME."""

    cell_voltage_resolution_uV: int = 1000  # 1 mV cell emulator steps
    pack_voltage_resolution_mV: int = 10
    current_resolution_mA: int = 10
    ntc_resolution_ohm: int = 1
    input_latency_us: int = 1000  # a set value is at the pins 1 ms later
    edge_resolution_us: int = 100  # edge capture sampled at 10 kHz

    def as_declaration(self) -> Dict[str, float]:
        return {
            "cell_voltage_resolution_uV": self.cell_voltage_resolution_uV,
            "pack_voltage_resolution_mV": self.pack_voltage_resolution_mV,
            "current_resolution_mA": self.current_resolution_mA,
            "ntc_resolution_ohm": self.ntc_resolution_ohm,
            "input_latency_us": self.input_latency_us,
            "edge_resolution_us": self.edge_resolution_us,
        }


def quantise(value: int, step: int) -> int:
    """To the nearest multiple of `step`, halves away from zero."""
    if step <= 1:
        return int(value)
    magnitude = (abs(int(value)) + step // 2) // step * step
    return magnitude if value >= 0 else -magnitude


def stamp(board_us: int, resolution_us: int) -> int:
    """The edge capture's time stamp of something that happened at board_us:
    the first sample at or after it."""
    if resolution_us <= 1:
        return board_us
    return -(-board_us // resolution_us) * resolution_us


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, int(value)))


# -------------------------------------------------------------------- the pins


@dataclass
class PinLevels:
    """What is at the board's input pins."""

    cell_tap_uV: List[int]
    pack_terminal_mV: int
    shunt_current_mA: int
    ntc_ohm: List[int]
    button: bool

    @staticmethod
    def nominal() -> "PinLevels":
        return PinLevels(
            cell_tap_uV=[NOMINAL_CELL_uV] * protocol.CELL_COUNT,
            pack_terminal_mV=NOMINAL_PACK_TERMINAL_mV,
            shunt_current_mA=0,
            ntc_ohm=[NTC_AT_25_DEGC_OHM] * protocol.NTC_COUNT,
            button=False,
        )


@dataclass(frozen=True)
class PinChange:
    set_us: int  # board clock when the DAQ was told
    effective_us: int  # when the value is at the pin
    pin: str  # a PinLevels field
    value: Any


class DelayedPins:
    """The pins and the changes on their way to them (the DAQ's latency)."""

    def __init__(self) -> None:
        self.levels = PinLevels.nominal()
        self._pending: List[Tuple[int, int, PinChange]] = []  # (effective_us, order, change)
        self._order = itertools.count()
        self.log: List[PinChange] = []  # the last changes, for whoever checks timing

    def schedule(self, change: PinChange) -> None:
        bisect.insort(self._pending, (change.effective_us, next(self._order), change))
        self.log.append(change)
        del self.log[:-256]

    def next_change_us(self) -> Optional[int]:
        return self._pending[0][0] if self._pending else None

    def apply_next(self) -> Tuple[PinChange, Any]:
        """Puts the earliest pending change on its pin; returns it and the level before."""
        _, _, change = self._pending.pop(0)
        before = getattr(self.levels, change.pin)
        setattr(self.levels, change.pin, change.value)
        return change, before

    def set_at_once(self, pin: str, value: Any) -> None:
        setattr(self.levels, pin, value)

    def flush(self) -> None:
        while self._pending:
            self.apply_next()


# -------------------------------------------------------------------- the AFE


class ShortCircuitComparator:
    """The AFE's short-circuit protection: discharge current (negative) at or
    above the threshold magnitude without a break for the delay trips it; a
    trip latches and opens the discharge FET in hardware until released.

    Unarmed until the firmware configured it (threshold 0); the firmware's
    INT32_MAX threshold disarms it."""

    def __init__(self) -> None:
        self.threshold_mA = 0
        self.delay_us = 0
        self.current_mA = 0
        self.latched = False
        self.trip_us = 0
        self.trips = 0
        self._over_since_us: Optional[int] = None

    def _over(self) -> bool:
        return self.threshold_mA > 0 and -self.current_mA >= self.threshold_mA

    def _reassess(self, board_us: int) -> None:
        if not self._over():
            self._over_since_us = None
        elif self._over_since_us is None:
            self._over_since_us = board_us

    def sense(self, board_us: int, current_mA: int) -> None:
        self.current_mA = current_mA
        self._reassess(board_us)

    def configure(self, board_us: int, threshold_mA: int, delay_us: int) -> None:
        if (threshold_mA, delay_us) != (self.threshold_mA, self.delay_us):
            self.threshold_mA, self.delay_us = threshold_mA, delay_us
            self._reassess(board_us)

    def deadline_us(self) -> Optional[int]:
        if self.latched or self._over_since_us is None:
            return None
        return self._over_since_us + self.delay_us

    def trip(self, board_us: int) -> None:
        self.latched = True
        self.trip_us = board_us
        self.trips += 1
        self._over_since_us = None

    def release(self, board_us: int) -> None:
        self.latched = False
        self.trip_us = 0
        self._reassess(board_us)


# ------------------------------------------------------------------ the board


class EdgeCapture:
    """The DAQ's digital inputs on the board's outputs: every change, stamped."""

    def __init__(self, resolution_us: int) -> None:
        self.resolution_us = resolution_us
        self.last = protocol.released_outputs()
        self.edges: List[Edge] = []

    def observe(self, board_us: int, outputs: Outputs) -> None:
        if not protocol.same_outputs(outputs, self.last):
            self.edges.append((stamp(board_us, self.resolution_us), dict(outputs)))
        self.last = dict(outputs)

    def take(self) -> List[Edge]:
        edges, self.edges = self.edges, []
        return edges

    def restart(self) -> None:
        self.last = protocol.released_outputs()
        self.edges = []


class SimulatedBoard:
    """A board running a firmware library on its own clock, with an AFE."""

    TICK_US = 10_000

    def __init__(
        self,
        firmware_path: str = DEFAULT_FIRMWARE,
        storage_bytes: int = 4096,
        tx_capacity: int = 1024,
        edge_resolution_us: int = 100,
    ) -> None:
        self.firmware = FirmwareLibrary(firmware_path)
        # Flash: erased once, kept over power cycles as a board's is.
        self._storage_data = (ctypes.c_uint8 * storage_bytes)(*([0xFF] * storage_bytes))
        self._storage = BoardStorage(ctypes.cast(self._storage_data, ctypes.POINTER(ctypes.c_uint8)), storage_bytes)
        self._tx_data = (ctypes.c_uint8 * tx_capacity)()
        self._tx_capacity = tx_capacity
        self._inputs = BoardInputs()
        self._outputs = BoardOutputs()

        self._cv = threading.Condition(threading.Lock())
        self.pins = DelayedPins()
        self.afe = ShortCircuitComparator()
        self.capture = EdgeCapture(edge_resolution_us)
        self._firmware_outputs = protocol.released_outputs()
        self._tx = bytearray()
        self._powered = False
        self._epoch_ns = 0
        self._next_tick_us = 0
        self._next_wake_us = 0
        self._interrupt = False
        self._closing = False
        # Counters, for tests and logs.
        self.firmware_calls = 0
        self.interrupt_calls = 0
        self.rs485_bytes_in = 0
        self.power_ons = 0

        self._thread = threading.Thread(target=self._run, name="simulated-board", daemon=True)
        self._thread.start()

    # --- clock

    def _now_us(self) -> int:
        return (time.monotonic_ns() - self._epoch_ns) // 1000 if self._powered else 0

    def clock_us(self) -> int:
        with self._cv:
            return self._now_us()

    # --- power

    def power_on(self) -> None:
        with self._cv:
            self.pins.flush()
            self.firmware.reset(self._storage)
            ctypes.memset(ctypes.byref(self._outputs), 0, ctypes.sizeof(self._outputs))
            self._firmware_outputs = protocol.released_outputs()
            self.afe = ShortCircuitComparator()
            self.afe.sense(0, self.pins.levels.shunt_current_mA)
            self.capture.restart()
            self._tx = bytearray()
            self._epoch_ns = time.monotonic_ns()
            self._powered = True
            self._next_tick_us = 0  # the first call at once, as at power-on
            self._next_wake_us = 0
            self._interrupt = False
            self.power_ons += 1
            self._cv.notify_all()

    def power_off(self) -> None:
        with self._cv:
            self.pins.flush()
            self._powered = False
            self._firmware_outputs = protocol.released_outputs()
            self.afe = ShortCircuitComparator()
            self.capture.restart()
            self._tx = bytearray()
            self._cv.notify_all()

    @property
    def powered(self) -> bool:
        return self._powered

    # --- pins

    def set_pin(self, pin: str, value: Any, latency_us: int) -> PinChange:
        """Puts `value` on `pin` `latency_us` from now (at once while powered off)."""
        with self._cv:
            if not self._powered:
                self.pins.set_at_once(pin, value)
                return PinChange(0, 0, pin, value)
            now = self._now_us()
            change = PinChange(now, now + latency_us, pin, value)
            self.pins.schedule(change)
            self._cv.notify_all()
            return change

    def pin_levels(self) -> PinLevels:
        with self._cv:
            self._advance(self._now_us())
            levels = self.pins.levels
            return PinLevels(list(levels.cell_tap_uV), levels.pack_terminal_mV, levels.shunt_current_mA, list(levels.ntc_ohm), levels.button)

    # --- outputs

    def _reported_outputs(self) -> Outputs:
        out = dict(self._firmware_outputs)
        if self.afe.latched:
            out["discharge_fet"] = False  # the AFE holds the FET open whatever the firmware drives
        return out

    def sample(self) -> Tuple[int, Outputs, List[Edge]]:
        with self._cv:
            now = self._now_us()
            self._advance(now)
            return now, self._reported_outputs(), self.capture.take()

    def outputs(self) -> Outputs:
        with self._cv:
            self._advance(self._now_us())
            return self._reported_outputs()

    def take_edges(self) -> List[Edge]:
        with self._cv:
            self._advance(self._now_us())
            return self.capture.take()

    def afe_state(self) -> Tuple[bool, int]:
        with self._cv:
            self._advance(self._now_us())
            return self.afe.latched, self.afe.trip_us

    # --- RS485

    def uart_receive(self, data: bytes) -> None:
        """Bytes arrive on the board's UART: the firmware runs at once (an interrupt)."""
        with self._cv:
            if not self._powered or not data:
                return  # a board without power hears nothing
            self.rs485_bytes_in += len(data)
            self.interrupt_calls += 1
            self._call_firmware(self._now_us(), data)

    def uart_take_sent(self) -> bytes:
        with self._cv:
            sent, self._tx = bytes(self._tx), bytearray()
            return sent

    # --- the firmware

    def _advance(self, now_us: int) -> None:
        """Brings the pins and the AFE up to `now_us`, event by event in time order."""
        if not self._powered:
            return
        while True:
            change_us = self.pins.next_change_us()
            trip_us = self.afe.deadline_us()
            if trip_us is not None and trip_us <= now_us and (change_us is None or trip_us <= change_us):
                self.afe.trip(trip_us)
                self.capture.observe(trip_us, self._reported_outputs())
                self._interrupt = True  # the latch rising is an interrupt
                self._cv.notify_all()
                continue
            if change_us is not None and change_us <= now_us:
                change, before = self.pins.apply_next()
                if change.pin == "shunt_current_mA":
                    self.afe.sense(change.effective_us, change.value)
                elif change.pin == "button" and change.value != before:
                    self._interrupt = True
                    self._cv.notify_all()
                continue
            return

    def _call_firmware(self, now_us: int, rx: bytes = b"") -> None:
        self._advance(now_us)
        levels = self.pins.levels
        i = self._inputs
        i.now_us = now_us
        for k, v in enumerate(levels.cell_tap_uV):
            i.cell_tap_uv[k] = v
        i.pack_terminal_mv = levels.pack_terminal_mV
        i.shunt_current_ma = levels.shunt_current_mA
        for k, v in enumerate(levels.ntc_ohm):
            i.ntc_ohm[k] = v
        i.button_pressed = 1 if levels.button else 0
        i.afe_sc_tripped = 1 if self.afe.latched else 0
        i.afe_sc_trip_time_us = self.afe.trip_us
        rx_data = (ctypes.c_uint8 * len(rx)).from_buffer_copy(rx) if rx else None
        port = BoardPort(
            ctypes.cast(rx_data, ctypes.POINTER(ctypes.c_uint8)) if rx_data is not None else None,
            len(rx),
            ctypes.cast(self._tx_data, ctypes.POINTER(ctypes.c_uint8)),
            self._tx_capacity,
            0,
        )
        self._outputs.afe_sc_clear = 0
        self.firmware.step(i, self._outputs, port)
        self.firmware_calls += 1
        self._tx += bytes(self._tx_data[: min(port.tx_len, self._tx_capacity)])
        self._firmware_outputs = outputs_as_map(self._outputs)
        if self._outputs.afe_sc_clear and self.afe.latched:
            self.afe.release(now_us)
        self.afe.configure(now_us, self._outputs.afe_sc_threshold_ma, self._outputs.afe_sc_delay_us)
        self.capture.observe(now_us, self._reported_outputs())
        wake = int(self._outputs.next_wake_us)
        self._next_wake_us = wake if wake > now_us else 0

    def _run(self) -> None:
        with self._cv:
            while not self._closing:
                if not self._powered:
                    self._cv.wait()
                    continue
                now = self._now_us()
                self._advance(now)
                regular = now >= self._next_tick_us
                woken = self._next_wake_us != 0 and now >= self._next_wake_us
                if regular or woken or self._interrupt:
                    if self._interrupt and not regular:
                        self.interrupt_calls += 1
                    self._interrupt = False
                    self._call_firmware(now)
                    if regular:
                        # The next tick on the 10 ms grid; a late call does not bunch the ones after it.
                        self._next_tick_us = (now // self.TICK_US + 1) * self.TICK_US
                    continue
                due = [self._next_tick_us]
                for t in (self._next_wake_us or None, self.pins.next_change_us(), self.afe.deadline_us()):
                    if t is not None:
                        due.append(t)
                self._cv.wait(max(0, min(due) - now) / 1e6)

    def close(self) -> None:
        with self._cv:
            self._closing = True
            self._cv.notify_all()
        self._thread.join(timeout=2)


# ------------------------------------------------------------- the instruments


class SimulatedInstruments(Instruments):
    """The `Instruments` of a simulated bench: an ideal DAQ of the declared
    figures in front of a `SimulatedBoard`."""

    def __init__(self, firmware_path: str = DEFAULT_FIRMWARE, figures: DaqFigures = DaqFigures()) -> None:
        self.figures = figures
        self.board = SimulatedBoard(firmware_path, edge_resolution_us=figures.edge_resolution_us)
        # What was last asked of each channel, quantised (the DAQ's own settings).
        self.settings = PinLevels.nominal()
        self.rs485_written: List[bytes] = []
        self.safe_state_times: List[float] = []  # time.monotonic() of every safe_state()

    def _set(self, pin: str, value: Any) -> PinChange:
        setattr(self.settings, pin, value)
        return self.board.set_pin(pin, value, self.figures.input_latency_us)

    def set_cell_voltage_uV(self, taps_uV: Sequence[int]) -> None:
        if len(taps_uV) != protocol.CELL_COUNT:
            raise ValueError(f"{len(taps_uV)} cell taps, the board has {protocol.CELL_COUNT}")
        step = self.figures.cell_voltage_resolution_uV
        self._set("cell_tap_uV", [_clamp(quantise(v, step), -(2**31), 2**31 - 1) for v in taps_uV])

    def set_ntc_ohm(self, ohm: Sequence[int]) -> None:
        if len(ohm) != protocol.NTC_COUNT:
            raise ValueError(f"{len(ohm)} NTCs, the board has {protocol.NTC_COUNT}")
        step = self.figures.ntc_resolution_ohm
        values = [protocol.NTC_OPEN_OHM if v == protocol.NTC_OPEN_OHM else _clamp(quantise(v, step), 0, 2**32 - 2) for v in ohm]
        self._set("ntc_ohm", values)

    def set_current_mA(self, current_mA: int) -> None:
        value = _clamp(quantise(current_mA, self.figures.current_resolution_mA), -(2**31), 2**31 - 1)
        if value != self.settings.shunt_current_mA:
            self._set("shunt_current_mA", value)

    def set_pack_terminal_mV(self, terminal_mV: int) -> None:
        self._set("pack_terminal_mV", _clamp(quantise(terminal_mV, self.figures.pack_voltage_resolution_mV), -(2**31), 2**31 - 1))

    def set_button(self, pressed: bool) -> None:
        if bool(pressed) != self.settings.button:
            self._set("button", bool(pressed))

    def read_outputs(self) -> Outputs:
        return self.board.outputs()

    def take_edges(self) -> List[Edge]:
        return self.board.take_edges()

    def sample(self) -> Tuple[int, Outputs, List[Edge]]:
        return self.board.sample()

    def rs485_write(self, data: bytes) -> None:
        self.rs485_written.append(bytes(data))
        self.board.uart_receive(bytes(data))

    def rs485_read(self) -> bytes:
        return self.board.uart_take_sent()

    def board_clock_us(self) -> int:
        return self.board.clock_us()

    def power_on(self) -> None:
        self.board.power_on()

    def power_off(self) -> None:
        self.board.power_off()

    def safe_state(self) -> None:
        self.set_current_mA(0)
        self.set_cell_voltage_uV([NOMINAL_CELL_uV] * protocol.CELL_COUNT)
        self.set_ntc_ohm([NTC_AT_25_DEGC_OHM] * protocol.NTC_COUNT)
        self.set_pack_terminal_mV(NOMINAL_PACK_TERMINAL_mV)
        self.set_button(False)
        self.safe_state_times.append(time.monotonic())

    def declaration(self) -> Dict[str, float]:
        return self.figures.as_declaration()

    def identity(self) -> Dict[str, str]:
        f = self.figures
        return {
            "board": f"simulated board (bmshil bench agent) on {socket.gethostname()}",
            "firmware": f"{self.board.firmware.name} ({os.path.basename(self.board.firmware.path)})",
            "daq": (
                f"simulated DAQ: cells {f.cell_voltage_resolution_uV} uV, pack {f.pack_voltage_resolution_mV} mV, "
                f"current {f.current_resolution_mA} mA, NTC {f.ntc_resolution_ohm} ohm, "
                f"latency {f.input_latency_us} us, edges {f.edge_resolution_us} us"
            ),
            "calibration": "none (simulated instruments are exact at their resolution)",
        }

    def capabilities(self) -> List[str]:
        return ["afe_on_board"]

    def afe_state(self) -> Tuple[bool, int]:
        return self.board.afe_state()

    def close(self) -> None:
        self.board.close()
