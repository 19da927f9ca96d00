"""BMSHIL-DAQ/1 frames and bodies (rig/adapters/zmq/PROTOCOL.md).

A message is four frames: the protocol (frame 0, b"BMSHIL-DAQ/1"), the type
(ASCII), the sequence number (8 bytes, unsigned, little-endian) and one
MessagePack map. A ROUTER sees the sender's routing id in front of them.

The contract's arrays travel as MessagePack ``bin`` of little-endian 32-bit
numbers: 16 cell taps in microvolts as ``<i4``, 6 NTC resistances in ohms as
``<u4``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence

import msgpack
import numpy as np

PROTOCOL = b"BMSHIL-DAQ/1"
MAJOR = 1
MINOR = 0

CELL_COUNT = 16  # BMSHIL_MAX_CELLS
NTC_COUNT = 6  # BMSHIL_NTC_COUNT
NTC_OPEN_OHM = 0xFFFFFFFF  # BMSHIL_NTC_OPEN_OHM

# The `out` keys, in the order of bmshil_board_outputs.
OUTPUT_SWITCH_KEYS = ("charge_fet", "discharge_fet", "precharge", "heater", "limiter", "afe_sc_clear")
OUTPUT_NUMBER_KEYS = ("balance_mask", "afe_sc_threshold_mA", "afe_sc_delay_us", "next_wake_us")
OUTPUT_KEYS = OUTPUT_SWITCH_KEYS + OUTPUT_NUMBER_KEYS


class BadMessage(ValueError):
    """A message that does not follow the protocol (a frame missing, a key absent)."""


@dataclass
class Message:
    type: str
    seq: int = 0
    body: Dict[str, Any] = field(default_factory=dict)
    protocol: bytes = PROTOCOL  # frame 0 as received


def pack_body(body: Dict[str, Any]) -> bytes:
    return msgpack.packb(body, use_bin_type=True)


def unpack_body(data: bytes) -> Dict[str, Any]:
    try:
        body = msgpack.unpackb(data, raw=False)
    except Exception as e:  # msgpack raises several kinds (ExtraData, FormatError, ValueError, ...)
        raise BadMessage(f"the body is not MessagePack: {e}") from None
    if not isinstance(body, dict):
        raise BadMessage("the body is not a map")
    return body


def encode_seq(seq: int) -> bytes:
    return struct.pack("<Q", seq)


def decode_seq(frame: bytes) -> int:
    if len(frame) != 8:
        raise BadMessage(f"the sequence frame is {len(frame)} bytes, the protocol 8")
    return struct.unpack("<Q", frame)[0]


def frames_of(message: Message) -> List[bytes]:
    """The four frames of a message (without a routing id)."""
    return [message.protocol, message.type.encode("ascii"), encode_seq(message.seq), pack_body(message.body)]


def parse_frames(frames: Sequence[bytes]) -> Message:
    """Decodes the four frames (routing id already taken off).

    A message whose frame 0 is another protocol comes back with only
    ``protocol`` set (type ""), so the caller can answer it with ERROR version.
    Frames that do not decode raise BadMessage.
    """
    if not frames:
        raise BadMessage("an empty message")
    protocol = bytes(frames[0])
    if protocol != PROTOCOL:
        return Message(type="", seq=0, body={}, protocol=protocol)
    if len(frames) != 4:
        raise BadMessage(f"a message has {len(frames)} frames, the protocol 4")
    try:
        kind = bytes(frames[1]).decode("ascii")
    except UnicodeDecodeError:
        raise BadMessage("the type frame is not ASCII") from None
    seq = decode_seq(bytes(frames[2]))
    body = unpack_body(bytes(frames[3]))
    return Message(type=kind, seq=seq, body=body)


def error_body(code: str, message: str, seq: int = 0) -> Dict[str, Any]:
    """An ERROR body; `seq` is the refused request's number, 0 when its frames did not decode."""
    return {"code": code, "message": message, "seq": int(seq)}


# ---------------------------------------------------------------- body fields


def field_of(body: Dict[str, Any], key: str) -> Any:
    if not isinstance(body, dict):
        raise BadMessage("the body is not a map")
    if key not in body:
        raise BadMessage(f"the body has no '{key}'")
    return body[key]


def int_of(body: Dict[str, Any], key: str) -> int:
    value = field_of(body, key)
    if isinstance(value, bool):
        return int(value)
    if not isinstance(value, int):
        raise BadMessage(f"'{key}' must be an integer")
    return value


def bool_of(body: Dict[str, Any], key: str) -> bool:
    value = field_of(body, key)
    if not isinstance(value, (bool, int)):
        raise BadMessage(f"'{key}' must be a bool")
    return bool(value)


def bytes_of(body: Dict[str, Any], key: str) -> bytes:
    value = field_of(body, key)
    if not isinstance(value, (bytes, bytearray)):
        raise BadMessage(f"'{key}' must be bin")
    return bytes(value)


def _array_of(body: Dict[str, Any], key: str, dtype: str, count: int) -> List[int]:
    data = bytes_of(body, key)
    if len(data) != 4 * count:
        raise BadMessage(f"'{key}' must be bin of {count} little-endian 32-bit numbers, it is {len(data)} bytes")
    return [int(v) for v in np.frombuffer(data, dtype)]


def cell_taps_uV_bin(values: Sequence[int]) -> bytes:
    return np.asarray(values, dtype="<i4").tobytes()


def ntc_ohm_bin(values: Sequence[int]) -> bytes:
    return np.asarray(values, dtype="<u4").tobytes()


@dataclass
class PinInputs:
    """What an APPLY asks the DAQ to put on the board's pins (the `in` map).

    `now_us`, `afe_sc_tripped` and `afe_sc_trip_time_us` are the STEP keys a
    real-time board does not take from the rig (its clock and its AFE are its
    own); they are read when present and otherwise default to 0.
    """

    cell_tap_uV: List[int]
    pack_terminal_mV: int
    shunt_current_mA: int
    ntc_ohm: List[int]
    button: bool
    now_us: int = 0
    afe_sc_tripped: bool = False
    afe_sc_trip_time_us: int = 0


def decode_inputs(body: Dict[str, Any]) -> PinInputs:
    if not isinstance(body, dict):
        raise BadMessage("'in' is not a map")
    return PinInputs(
        cell_tap_uV=_array_of(body, "cell_tap_uV", "<i4", CELL_COUNT),
        pack_terminal_mV=int_of(body, "pack_terminal_mV"),
        shunt_current_mA=int_of(body, "shunt_current_mA"),
        ntc_ohm=_array_of(body, "ntc_ohm", "<u4", NTC_COUNT),
        button=bool_of(body, "button"),
        now_us=int_of(body, "now_us") if "now_us" in body else 0,
        afe_sc_tripped=bool_of(body, "afe_sc_tripped") if "afe_sc_tripped" in body else False,
        afe_sc_trip_time_us=int_of(body, "afe_sc_trip_time_us") if "afe_sc_trip_time_us" in body else 0,
    )


def encode_inputs(inputs: PinInputs) -> Dict[str, Any]:
    return {
        "now_us": int(inputs.now_us),
        "cell_tap_uV": cell_taps_uV_bin(inputs.cell_tap_uV),
        "pack_terminal_mV": int(inputs.pack_terminal_mV),
        "shunt_current_mA": int(inputs.shunt_current_mA),
        "ntc_ohm": ntc_ohm_bin(inputs.ntc_ohm),
        "button": bool(inputs.button),
        "afe_sc_tripped": bool(inputs.afe_sc_tripped),
        "afe_sc_trip_time_us": int(inputs.afe_sc_trip_time_us),
    }


def encode_outputs(outputs: Dict[str, Any]) -> Dict[str, Any]:
    """The `out` map: switches as bool, the rest as integers, every key present."""
    out: Dict[str, Any] = {}
    for key in OUTPUT_SWITCH_KEYS:
        out[key] = bool(outputs[key])
    for key in OUTPUT_NUMBER_KEYS:
        out[key] = int(outputs[key])
    return out


def decode_outputs(body: Dict[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key in OUTPUT_SWITCH_KEYS:
        out[key] = bool_of(body, key)
    for key in OUTPUT_NUMBER_KEYS:
        out[key] = int_of(body, key)
    return out


def released_outputs() -> Dict[str, Any]:
    """Every output off: a board without power, or before its first call."""
    out: Dict[str, Any] = {key: False for key in OUTPUT_SWITCH_KEYS}
    out.update({key: 0 for key in OUTPUT_NUMBER_KEYS})
    return out


def same_outputs(a: Dict[str, Any], b: Dict[str, Any]) -> bool:
    """Equal for edge capture: every output but `next_wake_us`, a scheduling
    hint that moves at every call of an idle firmware and is no pin."""
    return all(a[k] == b[k] for k in OUTPUT_KEYS if k != "next_wake_us")
