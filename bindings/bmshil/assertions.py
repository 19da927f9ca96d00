"""Timing assertions over rig traces, for tests written with pytest.

A *trace* is any object with ``trace.time_s`` (a non-decreasing 1-D float64 array of
sample times in seconds), ``trace[name]`` (a float64 array of the same length, the
samples of probe ``name``; booleans are 0.0/1.0) and ``trace.names`` (the probe
names). Samples come at every firmware call or at a fixed interval, so the interval
between them is not constant: every function here works on sample times, never on
sample counts.

A *condition* is either a string ``"<probe> <op> <number>"`` with ``op`` one of
``< <= > >= == !=`` (``"current_A < -200"``, ``"discharge_fet == 0"``), or a callable
taking the trace and returning a boolean array of the trace's length.

Each assertion raises :class:`TimingAssertionError` (an ``AssertionError``, so pytest
reports it as a failed test) whose message states what was expected and what was
measured, in seconds with 4 decimals and probe values with ``%.6g``, prefixed by the
manual's parameter when the caller names one::

    from bmshil.assertions import reacts_within
    reacts_within(trace, "current_A < -200", "discharge_fet == 0", 0.300, 0.010,
                  parameter="#71 short-circuit protection delay")

Times compared against a tolerance get a slack of 1 ns, and values compared against a
band a slack of 1e-9 relative, so that float rounding of sample times (12.312 - 12.0
is 0.31199999999999939) does not turn an exact boundary into a failure.
"""

from __future__ import annotations

import re
from typing import Callable, Optional, Tuple, Union

import numpy as np

__all__ = [
    "TimingAssertionError",
    "condition_mask",
    "ever",
    "always",
    "reacts_within",
    "settles",
]

Condition = Union[str, Callable[[object], np.ndarray]]

_TIME_SLACK_S = 1e-9
_CONDITION_RE = re.compile(r"^\s*([^\s<>=!]+)\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$")
_OPS = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}


class TimingAssertionError(AssertionError):
    """A timing assertion failed.

    Attributes (each ``None`` when it does not apply to the failure):
    ``expected``: the expected delay or time limit, in seconds;
    ``measured``: what was measured, in seconds (a delay, a settling time, or the
    time of the first violating sample);
    ``tolerance``: the allowed deviation (seconds for :func:`reacts_within`, the
    band half-width in the probe's unit for :func:`settles`);
    ``parameter``: the manual's parameter named by the caller.
    """

    def __init__(self, message: str, *, expected: Optional[float] = None,
                 measured: Optional[float] = None, tolerance: Optional[float] = None,
                 parameter: Optional[str] = None) -> None:
        super().__init__(message)
        self.expected = expected
        self.measured = measured
        self.tolerance = tolerance
        self.parameter = parameter


def _parse(condition: str) -> Tuple[str, str, float]:
    match = _CONDITION_RE.match(condition)
    if match is not None:
        probe, op, number = match.groups()
        try:
            return probe, op, float(number)
        except ValueError:
            pass
    raise ValueError(f"malformed condition {condition!r}: expected '<probe> <op> <number>'"
                     " with <op> one of < <= > >= == !=")


def _probe_values(trace, name: str) -> np.ndarray:
    names = tuple(trace.names)
    if name not in names:
        raise KeyError(f"the trace has no probe {name!r}; its probes are: {', '.join(names)}")
    return np.asarray(trace[name], dtype=np.float64)


def condition_mask(trace, condition: Condition) -> np.ndarray:
    """Return the boolean array, one element per sample, of where ``condition`` holds.

    ``condition`` is a string ``"<probe> <op> <number>"`` (``op`` one of
    ``< <= > >= == !=``) or a callable ``f(trace)`` returning a boolean array of the
    trace's length. Raises ``KeyError`` if the string names a probe the trace does not
    have, ``ValueError`` if the string is malformed or the callable's result has the
    wrong shape, ``TypeError`` if the condition is neither.
    """
    n = len(trace.time_s)
    if callable(condition):
        mask = np.asarray(condition(trace), dtype=bool)
        if mask.shape != (n,):
            raise ValueError(f"condition {_describe(condition)} returned shape {mask.shape},"
                             f" expected ({n},)")
        return mask
    if not isinstance(condition, str):
        raise TypeError(f"a condition is a string or a callable, not {type(condition).__name__}")
    probe, op, value = _parse(condition)
    return _OPS[op](_probe_values(trace, probe), value)


def _describe(condition: Condition) -> str:
    if isinstance(condition, str):
        return f"'{condition.strip()}'"
    return f"condition {getattr(condition, '__name__', repr(condition))}"


def _prefix(parameter: Optional[str]) -> str:
    return f"{parameter}: " if parameter else ""


def _times(trace) -> np.ndarray:
    time = np.asarray(trace.time_s, dtype=np.float64)
    if time.size == 0:
        raise ValueError("the trace has no samples")
    return time


def _window(time: np.ndarray, during) -> Tuple[int, int, float, float]:
    """Index range [lo, hi) and bounds of the samples within ``during`` (inclusive)."""
    if during is None:
        return 0, time.size, float(time[0]), float(time[-1])
    t0, t1 = float(during[0]), float(during[1])
    if t1 < t0:
        raise ValueError(f"during=({t0}, {t1}) ends before it starts")
    lo = int(np.searchsorted(time, t0, side="left"))
    hi = int(np.searchsorted(time, t1, side="right"))
    return lo, hi, t0, t1


def _range_text(trace, condition: Condition, lo: int, hi: int) -> str:
    """'; probe ranged from a to b' over samples [lo, hi), for string conditions."""
    if hi <= lo:
        return "; there are no samples there"
    if not isinstance(condition, str):
        return ""
    probe = _parse(condition)[0]
    values = _probe_values(trace, probe)[lo:hi]
    return f"; {probe} ranged from {values.min():.6g} to {values.max():.6g} there"


def ever(trace, condition: Condition, *, during: Optional[Tuple[float, float]] = None,
         parameter: Optional[str] = None) -> float:
    """Assert that ``condition`` holds at some sample; return that first sample's time (s).

    With ``during=(t0_s, t1_s)`` only the samples with t0_s <= t <= t1_s count. On
    failure the message gives the window and the range (min, max) of the condition's
    probe over it.
    """
    time = _times(trace)
    mask = condition_mask(trace, condition)
    lo, hi, t0, t1 = _window(time, during)
    hits = mask[lo:hi]
    if hits.size:
        i = int(np.argmax(hits))
        if hits[i]:
            return float(time[lo + i])
    raise TimingAssertionError(
        f"{_prefix(parameter)}{_describe(condition)} never held within"
        f" [{t0:.4f} s, {t1:.4f} s]{_range_text(trace, condition, lo, hi)}",
        parameter=parameter)


def always(trace, condition: Condition, *, during: Optional[Tuple[float, float]] = None,
           parameter: Optional[str] = None) -> None:
    """Assert that ``condition`` holds at every sample (within ``during`` if given).

    Fails at the first sample where it does not hold, giving that time and the
    condition's probe's value there (``measured`` is that time). A window without
    samples fails too, as nothing was checked.
    """
    time = _times(trace)
    mask = condition_mask(trace, condition)
    lo, hi, t0, t1 = _window(time, during)
    window = f"[{t0:.4f} s, {t1:.4f} s]"
    if hi <= lo:
        raise TimingAssertionError(
            f"{_prefix(parameter)}{_describe(condition)} cannot be checked within {window}:"
            " there are no samples there", parameter=parameter)
    failing = ~mask[lo:hi]
    i = int(np.argmax(failing))
    if not failing[i]:
        return None
    at = lo + i
    value = ""
    if isinstance(condition, str):
        probe = _parse(condition)[0]
        value = f" ({probe} = {_probe_values(trace, probe)[at]:.6g})"
    raise TimingAssertionError(
        f"{_prefix(parameter)}{_describe(condition)} should hold throughout {window}"
        f" but did not at {time[at]:.4f} s{value}",
        measured=float(time[at]), parameter=parameter)


def reacts_within(trace, cause: Condition, effect: Condition, delay_s: float, tol_s: float,
                  *, parameter: Optional[str] = None, after_s: Optional[float] = None) -> float:
    """Assert that ``effect`` follows ``cause`` after ``delay_s`` ± ``tol_s`` seconds.

    The cause's onset is the first sample at or after ``after_s`` (default: the trace's
    start) where ``cause`` holds; the effect's onset is the first sample at or after the
    cause's onset where ``effect`` holds (so an effect already holding gives 0 s).
    Returns the measured delay, effect onset - cause onset, in seconds. Fails if the
    cause never happens, if the effect never follows, or if the delay is off by more
    than ``tol_s``.
    """
    if tol_s < 0:
        raise ValueError(f"tol_s must be >= 0, got {tol_s}")
    time = _times(trace)
    expected = f"expected {delay_s:.4f} s ± {tol_s:.4f} s"
    details = dict(expected=float(delay_s), tolerance=float(tol_s), parameter=parameter)
    prefix, c, e = _prefix(parameter), _describe(cause), _describe(effect)

    start = 0 if after_s is None else int(np.searchsorted(time, after_s, side="left"))
    causes = condition_mask(trace, cause)[start:]
    i = int(np.argmax(causes)) if causes.size else 0
    if not causes.size or not causes[i]:
        t_from = float(time[0]) if after_s is None else float(after_s)
        raise TimingAssertionError(
            f"{prefix}{c} never held from {t_from:.4f} s to the trace's end at"
            f" {time[-1]:.4f} s, so {e} could not be timed ({expected})"
            f"{_range_text(trace, cause, start, time.size)}", **details)
    t_cause = float(time[start + i])

    first = int(np.searchsorted(time, t_cause, side="left"))
    effects = condition_mask(trace, effect)[first:]
    j = int(np.argmax(effects))
    if not effects[j]:
        raise TimingAssertionError(
            f"{prefix}{e} never followed {c} (at {t_cause:.4f} s) up to the trace's end at"
            f" {time[-1]:.4f} s, {time[-1] - t_cause:.4f} s later ({expected})"
            f"{_range_text(trace, effect, first, time.size)}", **details)
    measured = float(time[first + j]) - t_cause

    if abs(measured - delay_s) > tol_s + _TIME_SLACK_S:
        raise TimingAssertionError(
            f"{prefix}{e} came {measured:.4f} s after {c} (at {t_cause:.4f} s), {expected}",
            measured=measured, **details)
    return measured


def settles(trace, probe: str, target: float, tol: float, *, within_s: float,
            after_s: Optional[float] = None, parameter: Optional[str] = None) -> float:
    """Assert that ``probe`` settles into ``target`` ± ``tol`` within ``within_s`` seconds.

    From ``after_s`` (default: the trace's first time) the probe must enter the band
    [target - tol, target + tol] and stay in it up to the trace's end. Returns when it
    entered the band for good, in seconds after ``after_s`` (the first sample's time if
    it never left). Fails if the last sample is outside the band or the probe entered
    for good later than ``within_s``; the message gives the last value outside the band
    and its time.
    """
    if tol < 0:
        raise ValueError(f"tol must be >= 0, got {tol}")
    time = _times(trace)
    values = _probe_values(trace, probe)
    t0 = float(time[0]) if after_s is None else float(after_s)
    band = f"{target:.6g} ± {tol:.6g}"
    prefix = _prefix(parameter)
    details = dict(expected=float(within_s), tolerance=float(tol), parameter=parameter)

    lo = int(np.searchsorted(time, t0, side="left"))
    if lo == time.size:
        raise TimingAssertionError(
            f"{prefix}{probe} cannot settle into {band} after {t0:.4f} s: the trace ends at"
            f" {time[-1]:.4f} s", **details)
    slack = 1e-9 * max(1.0, abs(target), tol)
    outside = ~(np.abs(values[lo:] - target) <= tol + slack)   # NaN counts as outside
    k = int(np.argmax(outside[::-1]))
    if not outside[::-1][k]:
        return float(time[lo]) - t0
    last = time.size - 1 - k
    last_text = f"last outside the band: {probe} = {values[last]:.6g} at {time[last]:.4f} s"
    if last == time.size - 1:
        raise TimingAssertionError(
            f"{prefix}{probe} did not settle into {band} after {t0:.4f} s (expected within"
            f" {within_s:.4f} s); {last_text}, the trace's last sample", **details)
    measured = float(time[last + 1]) - t0
    if measured > within_s + _TIME_SLACK_S:
        raise TimingAssertionError(
            f"{prefix}{probe} settled into {band} {measured:.4f} s after {t0:.4f} s,"
            f" expected within {within_s:.4f} s; {last_text}", measured=measured, **details)
    return measured
