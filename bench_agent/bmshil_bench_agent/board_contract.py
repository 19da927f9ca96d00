"""rig/board_contract.h in ctypes, and a firmware library loaded through it.

The structs mirror the header field for field (ctypes lays them out with the
platform's C alignment, as the compiler does). A firmware library exports one
function, `bmshil_firmware_get`, returning a `bmshil_firmware` whose
`contract_version` must be 1.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from typing import Any, Dict, Tuple

CONTRACT_VERSION = 1
MAX_CELLS = 16
NTC_COUNT = 6
ENTRY = "bmshil_firmware_get"


class BoardInputs(ctypes.Structure):
    """bmshil_board_inputs"""

    _fields_ = [
        ("now_us", ctypes.c_uint64),
        ("cell_tap_uv", ctypes.c_int32 * MAX_CELLS),
        ("pack_terminal_mv", ctypes.c_int32),
        ("shunt_current_ma", ctypes.c_int32),
        ("ntc_ohm", ctypes.c_uint32 * NTC_COUNT),
        ("button_pressed", ctypes.c_uint8),
        ("afe_sc_tripped", ctypes.c_uint8),
        ("reserved", ctypes.c_uint8 * 2),
        ("afe_sc_trip_time_us", ctypes.c_uint64),
    ]


class BoardOutputs(ctypes.Structure):
    """bmshil_board_outputs"""

    _fields_ = [
        ("charge_fet_on", ctypes.c_uint8),
        ("discharge_fet_on", ctypes.c_uint8),
        ("precharge_on", ctypes.c_uint8),
        ("heater_on", ctypes.c_uint8),
        ("limiter_on", ctypes.c_uint8),
        ("afe_sc_clear", ctypes.c_uint8),
        ("reserved", ctypes.c_uint8 * 2),
        ("balance_mask", ctypes.c_uint32),
        ("afe_sc_threshold_ma", ctypes.c_int32),
        ("afe_sc_delay_us", ctypes.c_uint32),
        ("next_wake_us", ctypes.c_uint64),
    ]


class BoardPort(ctypes.Structure):
    """bmshil_board_port"""

    _fields_ = [
        ("rx", ctypes.POINTER(ctypes.c_uint8)),
        ("rx_len", ctypes.c_size_t),
        ("tx", ctypes.POINTER(ctypes.c_uint8)),
        ("tx_capacity", ctypes.c_size_t),
        ("tx_len", ctypes.c_size_t),
    ]


class BoardStorage(ctypes.Structure):
    """bmshil_board_storage"""

    _fields_ = [
        ("data", ctypes.POINTER(ctypes.c_uint8)),
        ("size", ctypes.c_size_t),
    ]


ResetFunction = ctypes.CFUNCTYPE(None, ctypes.POINTER(BoardStorage))
StepFunction = ctypes.CFUNCTYPE(None, ctypes.POINTER(BoardInputs), ctypes.POINTER(BoardOutputs), ctypes.POINTER(BoardPort))


class FirmwareInterface(ctypes.Structure):
    """bmshil_firmware"""

    _fields_ = [
        ("contract_version", ctypes.c_uint32),
        ("name", ctypes.c_char_p),
        ("reset", ResetFunction),
        ("step", StepFunction),
    ]


class FirmwareError(RuntimeError):
    """The firmware library could not be loaded or does not follow the contract."""


def outputs_as_map(out: BoardOutputs) -> Dict[str, Any]:
    """The `out` map of PROTOCOL.md from the struct."""
    return {
        "charge_fet": bool(out.charge_fet_on),
        "discharge_fet": bool(out.discharge_fet_on),
        "precharge": bool(out.precharge_on),
        "heater": bool(out.heater_on),
        "limiter": bool(out.limiter_on),
        "afe_sc_clear": bool(out.afe_sc_clear),
        "balance_mask": int(out.balance_mask),
        "afe_sc_threshold_mA": int(out.afe_sc_threshold_ma),
        "afe_sc_delay_us": int(out.afe_sc_delay_us),
        "next_wake_us": int(out.next_wake_us),
    }


class FirmwareLibrary:
    """One instance of a firmware shared library.

    A firmware keeps its state in globals, and the dynamic loader hands back an
    already loaded library; so each instance loads a private copy of the file
    (removed again at once, the mapping stays), as a board of its own would.
    """

    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        if not os.path.isfile(self.path):
            raise FirmwareError(f"{self.path}: no such firmware library")
        handle, copy = tempfile.mkstemp(prefix="bmshil-bench-firmware-", suffix=".so")
        os.close(handle)
        try:
            shutil.copyfile(self.path, copy)
            try:
                self._library = ctypes.CDLL(copy, mode=ctypes.RTLD_LOCAL)
            except OSError as e:
                raise FirmwareError(f"{self.path}: cannot load: {e}") from None
        finally:
            os.unlink(copy)
        try:
            get = getattr(self._library, ENTRY)
        except AttributeError:
            raise FirmwareError(f"{self.path}: exports no {ENTRY}()") from None
        get.restype = ctypes.POINTER(FirmwareInterface)
        get.argtypes = []
        pointer = get()
        if not pointer:
            raise FirmwareError(f"{self.path}: {ENTRY}() returned NULL")
        self._firmware = pointer.contents
        if self._firmware.contract_version != CONTRACT_VERSION:
            raise FirmwareError(
                f"{self.path}: board contract version {self._firmware.contract_version}, this agent speaks {CONTRACT_VERSION}"
            )
        if not self._firmware.reset or not self._firmware.step:
            raise FirmwareError(f"{self.path}: reset or step is NULL")
        self.name = (self._firmware.name or b"(unnamed firmware)").decode("utf-8", "replace")

    def reset(self, storage: BoardStorage) -> None:
        self._firmware.reset(ctypes.byref(storage))

    def step(self, inputs: BoardInputs, outputs: BoardOutputs, port: BoardPort) -> None:
        self._firmware.step(ctypes.byref(inputs), ctypes.byref(outputs), ctypes.byref(port))


def struct_sizes() -> Tuple[int, int, int, int]:
    """sizeof of inputs, outputs, port, storage (x86-64: 120, 32, 40, 16)."""
    return (ctypes.sizeof(BoardInputs), ctypes.sizeof(BoardOutputs), ctypes.sizeof(BoardPort), ctypes.sizeof(BoardStorage))
