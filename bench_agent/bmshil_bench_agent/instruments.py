"""The instrument-driver interface: what the agent asks of a bench.

A bench is a BMS board and the DAQ wired to it: cell voltage emulator channels
on the balance connector taps, resistance emulators on the thermistor inputs, a
current source (or shunt-voltage injection), a pack-terminal source, a line on
the button, digital inputs with edge time stamps on the board's outputs (FET
gates, precharge, heater, limiter) and an RS485 port. A driver for a real bench
subclasses `Instruments`; `simulated.SimulatedInstruments` is one with a
simulated board behind it.

Units are those of rig/board_contract.h: microvolts for cell taps, millivolts
for the pack terminal, milliamps for the current (+ = charging), ohms for NTCs,
microseconds of the board clock for time.

The agent calls a driver from its one thread; a driver that runs threads of
its own (edge capture, a board model) guards its state itself.
"""

from __future__ import annotations

import abc
from typing import Any, Dict, List, Sequence, Tuple

from . import protocol

Outputs = Dict[str, Any]  # the `out` map of PROTOCOL.md: charge_fet, discharge_fet, ...
Edge = Tuple[int, Outputs]  # (board_us, outputs from then on)

# The safe state (PROTOCOL.md "Link lost"): current source off, cells at their
# nominal voltage, NTCs at 25 degC, the board's inputs released.
NOMINAL_CELL_uV = 3_300_000
NTC_AT_25_DEGC_OHM = 10_000
# With no charger and no load the pack terminal is at the pack's own voltage
# (the charger-detection rule of the firmware sees no charger at terminal = pack).
NOMINAL_PACK_TERMINAL_mV = protocol.CELL_COUNT * NOMINAL_CELL_uV // 1000


class Instruments(abc.ABC):
    """One board and its DAQ."""

    # --- what the DAQ puts on the board's pins (each takes effect after
    # --- the declared input_latency_us)

    @abc.abstractmethod
    def set_cell_voltage_uV(self, taps_uV: Sequence[int]) -> None:
        """The 16 cell emulator channels (tap i minus tap i-1)."""

    @abc.abstractmethod
    def set_ntc_ohm(self, ohm: Sequence[int]) -> None:
        """The 6 resistance emulators in the order of enum bmshil_ntc; 0xFFFFFFFF opens one."""

    @abc.abstractmethod
    def set_current_mA(self, current_mA: int) -> None:
        """The current source or shunt injection, + = charging."""

    @abc.abstractmethod
    def set_pack_terminal_mV(self, terminal_mV: int) -> None:
        """P+ to P- on the charger / load side of the FETs."""

    @abc.abstractmethod
    def set_button(self, pressed: bool) -> None:
        """The button line."""

    # --- what the board drives

    @abc.abstractmethod
    def read_outputs(self) -> Outputs:
        """The board's outputs now, as the `out` map of PROTOCOL.md."""

    @abc.abstractmethod
    def take_edges(self) -> List[Edge]:
        """Every output change captured since the last call, oldest first."""

    def sample(self) -> Tuple[int, Outputs, List[Edge]]:
        """(board_us, outputs, edges) for one APPLY_OK. A driver that can take
        the three at one instant overrides this; here the edges are taken first
        so the outputs are never older than the last edge."""
        edges = self.take_edges()
        outputs = self.read_outputs()
        return self.board_clock_us(), outputs, edges

    # --- RS485

    @abc.abstractmethod
    def rs485_write(self, data: bytes) -> None:
        """Sends bytes to the board."""

    @abc.abstractmethod
    def rs485_read(self) -> bytes:
        """Every byte the board sent since the last call."""

    # --- the board

    @abc.abstractmethod
    def board_clock_us(self) -> int:
        """The board clock: microseconds since power-on (0 while powered off)."""

    @abc.abstractmethod
    def power_on(self) -> None:
        """Applies power (a power-on reset); the firmware runs at its own tick."""

    def power_off(self) -> None:
        """Removes power. A driver without a power switch leaves the board on."""

    @abc.abstractmethod
    def safe_state(self) -> None:
        """Current source off, cells at NOMINAL_CELL_uV, NTCs at
        NTC_AT_25_DEGC_OHM, the button and every DAQ output line released."""

    # --- the handshake

    @abc.abstractmethod
    def declaration(self) -> Dict[str, float]:
        """The `daq` map of WELCOME: cell_voltage_resolution_uV,
        pack_voltage_resolution_mV, current_resolution_mA, ntc_resolution_ohm,
        input_latency_us, edge_resolution_us. The rig's oracle builds its
        tolerances on this board from these numbers, so they must be what the
        bench really does."""

    @abc.abstractmethod
    def identity(self) -> Dict[str, str]:
        """{board, firmware, daq, calibration}, written into every report."""

    def capabilities(self) -> List[str]:
        """Capabilities beyond realtime, rs485 and edge_capture (e.g. afe_on_board)."""
        return []

    def afe_state(self) -> Tuple[bool, int]:
        """(tripped, trip_board_us) of the board's own AFE short-circuit latch;
        only asked when capabilities() holds afe_on_board."""
        return False, 0

    def close(self) -> None:
        """Releases the instruments (after safe_state())."""
