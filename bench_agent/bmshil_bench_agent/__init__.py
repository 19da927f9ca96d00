"""bmshil bench agent: the board side of BMSHIL-DAQ/1 (rig/adapters/zmq/PROTOCOL.md)
in front of a BMS board and its DAQ, or of a simulated one."""

from .agent import BenchAgent, CurveSettings, DEFAULT_BIND
from .instruments import Instruments

__all__ = ["BenchAgent", "CurveSettings", "DEFAULT_BIND", "Instruments"]
