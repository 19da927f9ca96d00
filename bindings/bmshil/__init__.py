"""bmshil: a hardware-in-the-loop rig for battery management system firmware,
driven from Python.

    import bmshil
    with bmshil.Rig(soc=0.9) as rig:
        rec = rig.record(["current_A", "discharge_fet"])
        rig.run_for(2.0)
        rig.short()
        rig.run_until("discharge_fet == off", timeout_s=0.01)
        trace = rec.take()          # NumPy arrays, no copy

Each Rig lives in a worker process of its own (the SystemC kernel elaborates
once per process), so a test session can make many, one after another or in
parallel, and a firmware that crashes or hangs fails only the call that met it.
"""

from ._paths import VERSION as __version__
from .assertions import TimingAssertionError, always, condition_mask, ever, reacts_within, settles
from .errors import FirmwareCrash, FirmwareHang, RigClosed, RigError
from .results import Finding, ItemResult, SuiteResult, run_scenario, run_suite
from .rig import Recorder, Rig
from .trace import Trace
from . import _paths as paths

__all__ = [
    "__version__",
    "Rig",
    "Recorder",
    "Trace",
    "run_scenario",
    "run_suite",
    "SuiteResult",
    "ItemResult",
    "Finding",
    "RigError",
    "RigClosed",
    "FirmwareCrash",
    "FirmwareHang",
    "TimingAssertionError",
    "condition_mask",
    "reacts_within",
    "always",
    "ever",
    "settles",
    "paths",
]
