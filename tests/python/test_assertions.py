"""Tests of bmshil.assertions on synthetic traces (no rig, no compiled module)."""

import numpy as np
import pytest

from bmshil.assertions import (TimingAssertionError, always, condition_mask, ever,
                               reacts_within, settles)

PARAM = "#71 short-circuit protection delay"


class Trace:
    """The trace contract: time_s, trace[name], names."""

    def __init__(self, time_s, **probes):
        self.time_s = np.asarray(time_s, dtype=np.float64)
        self._probes = {name: np.asarray(v, dtype=np.float64) for name, v in probes.items()}
        self.names = tuple(self._probes)

    def __getitem__(self, name):
        return self._probes[name]


def short_circuit_trace(t_short=12.0, t_trip=12.312, t_end=20.0, seed=1):
    """A 1 ms grid plus irregular firmware-call samples; current steps to -250 A at
    t_short, discharge_fet drops at t_trip."""
    rng = np.random.default_rng(seed)
    grid = np.arange(int(round(t_end * 1000)) + 1) / 1000.0
    t = np.unique(np.concatenate([grid, rng.uniform(0.0, t_end, 3000), [t_short, t_trip]]))
    current = np.where(t >= t_short, -250.0, 5.0)
    fet = np.where(t >= t_trip, 0.0, 1.0)
    cell = 3.30 + 0.01 * t / t_end
    return Trace(t, current_A=current, discharge_fet=fet, cell_max_V=cell)


@pytest.fixture(scope="module")
def sc():
    return short_circuit_trace()


# ---- condition_mask ----------------------------------------------------------------

@pytest.mark.parametrize("condition, expected", [
    ("x < 2", [True, True, False, False]),
    ("x <= 2", [True, True, True, False]),
    ("x > 2", [False, False, False, True]),
    ("x >= 2", [False, False, True, True]),
    ("x == 2", [False, False, True, False]),
    ("x != 2", [True, True, False, True]),
    ("x<1.5", [True, True, False, False]),
    ("  x   >=  2.5e0 ", [False, False, False, True]),
    ("x > -1e3", [True, True, True, True]),
])
def test_condition_mask_string(condition, expected):
    trace = Trace([0.0, 1.0, 2.0, 3.0], x=[0.0, 1.0, 2.0, 3.0])
    mask = condition_mask(trace, condition)
    assert mask.dtype == np.bool_
    assert mask.tolist() == expected


def test_condition_mask_callable():
    trace = Trace([0.0, 1.0, 2.0], a=[1.0, 2.0, 3.0], b=[3.0, 2.0, 1.0])
    mask = condition_mask(trace, lambda tr: tr["a"] > tr["b"])
    assert mask.tolist() == [False, False, True]


def test_condition_mask_callable_wrong_shape():
    trace = Trace([0.0, 1.0, 2.0], a=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"shape \(2,\).*\(3,\)"):
        condition_mask(trace, lambda tr: tr["a"][:2] > 0)


def test_condition_mask_unknown_probe_lists_names(sc):
    with pytest.raises(KeyError) as info:
        condition_mask(sc, "curent_A < -200")
    text = str(info.value)
    assert "'curent_A'" in text
    for name in ("current_A", "discharge_fet", "cell_max_V"):
        assert name in text


def test_unknown_probe_raises_through_every_function(sc):
    with pytest.raises(KeyError, match="nope"):
        ever(sc, "nope > 1")
    with pytest.raises(KeyError, match="nope"):
        always(sc, "nope > 1")
    with pytest.raises(KeyError, match="nope"):
        reacts_within(sc, "current_A < -200", "nope == 0", 0.3, 0.01)
    with pytest.raises(KeyError, match="nope"):
        settles(sc, "nope", 0.0, 1.0, within_s=1.0)


@pytest.mark.parametrize("condition", [
    "current_A", "current_A < ", "< -200", "current_A <> 3", "current_A =< 3",
    "current_A < abc", "current_A < 3 4", "current_A = 3", "", "current A < 3",
])
def test_condition_mask_malformed(sc, condition):
    with pytest.raises(ValueError) as info:
        condition_mask(sc, condition)
    assert repr(condition) in str(info.value)


def test_condition_mask_rejects_other_types(sc):
    with pytest.raises(TypeError):
        condition_mask(sc, 3.0)


# ---- ever ----------------------------------------------------------------------------

def test_ever_returns_first_time(sc):
    assert ever(sc, "current_A < -200") == 12.0
    assert ever(sc, "discharge_fet == 0") == pytest.approx(12.312, abs=1e-12)


def test_ever_during_window_inclusive(sc):
    assert ever(sc, "current_A < -200", during=(12.0, 12.0)) == 12.0
    t = ever(sc, "current_A < -200", during=(15.0, 16.0))
    assert t == 15.0


def test_ever_callable(sc):
    t = ever(sc, lambda tr: (tr["current_A"] < -200) & (tr["discharge_fet"] == 0))
    assert t == pytest.approx(12.312, abs=1e-12)


def test_ever_fails_with_window_and_range(sc):
    with pytest.raises(TimingAssertionError) as info:
        ever(sc, "current_A < -200", during=(1.0, 11.5), parameter="#12 trip")
    message = str(info.value)
    assert message == ("#12 trip: 'current_A < -200' never held within [1.0000 s, 11.5000 s];"
                       " current_A ranged from 5 to 5 there")
    assert info.value.parameter == "#12 trip"
    assert info.value.measured is None


def test_ever_fails_over_whole_trace(sc):
    with pytest.raises(TimingAssertionError) as info:
        ever(sc, "current_A < -300")
    assert str(info.value) == ("'current_A < -300' never held within [0.0000 s, 20.0000 s];"
                               " current_A ranged from -250 to 5 there")


def test_ever_fails_on_empty_window(sc):
    with pytest.raises(TimingAssertionError, match="no samples"):
        ever(sc, "current_A < -200", during=(30.0, 40.0))


def test_ever_rejects_reversed_window(sc):
    with pytest.raises(ValueError):
        ever(sc, "current_A < -200", during=(5.0, 4.0))


def test_ever_callable_failure_names_callable(sc):
    def overcurrent(tr):
        return tr["current_A"] < -1000

    with pytest.raises(TimingAssertionError, match="condition overcurrent never held"):
        ever(sc, overcurrent)


# ---- always --------------------------------------------------------------------------

def test_always_passes(sc):
    assert always(sc, "cell_max_V < 3.65") is None
    assert always(sc, "discharge_fet == 1", during=(0.0, 12.311)) is None
    assert always(sc, lambda tr: tr["current_A"] <= 5.0) is None


def test_always_fails_at_first_violation(sc):
    with pytest.raises(TimingAssertionError) as info:
        always(sc, "discharge_fet == 1", parameter="#3 FET stays on")
    message = str(info.value)
    assert message == ("#3 FET stays on: 'discharge_fet == 1' should hold throughout"
                       " [0.0000 s, 20.0000 s] but did not at 12.3120 s (discharge_fet = 0)")
    assert info.value.measured == pytest.approx(12.312, abs=1e-12)


def test_always_during(sc):
    with pytest.raises(TimingAssertionError) as info:
        always(sc, "current_A > -200", during=(10.0, 13.0))
    assert "[10.0000 s, 13.0000 s]" in str(info.value)
    assert "at 12.0000 s (current_A = -250)" in str(info.value)
    # the same condition holds over a window that ends before the short
    always(sc, "current_A > -200", during=(10.0, 11.999))


def test_always_callable_failure(sc):
    with pytest.raises(TimingAssertionError) as info:
        always(sc, lambda tr: tr["current_A"] > 0)
    assert "did not at 12.0000 s" in str(info.value)


def test_always_fails_on_empty_window(sc):
    with pytest.raises(TimingAssertionError, match="no samples"):
        always(sc, "current_A > -200", during=(21.0, 22.0))


# ---- reacts_within -------------------------------------------------------------------

def test_reacts_within_returns_delay(sc):
    delay = reacts_within(sc, "current_A < -200", "discharge_fet == 0", 0.312, 0.005,
                          parameter=PARAM)
    assert abs(delay - 0.312) < 1e-9


def test_reacts_within_exact_tolerance_boundary():
    # 12.31 - 12.0 is 0.3100000000000005 in floats: still within 0.300 ± 0.010
    trace = short_circuit_trace(t_trip=12.31)
    assert reacts_within(trace, "current_A < -200", "discharge_fet == 0", 0.300, 0.010) \
        == pytest.approx(0.31, abs=1e-9)


def test_reacts_within_too_late(sc):
    with pytest.raises(TimingAssertionError) as info:
        reacts_within(sc, "current_A < -200", "discharge_fet == 0", 0.300, 0.010,
                      parameter=PARAM)
    err = info.value
    message = str(err)
    assert "0.3120" in message and "0.3000" in message and PARAM in message
    assert message == ("#71 short-circuit protection delay: 'discharge_fet == 0' came"
                       " 0.3120 s after 'current_A < -200' (at 12.0000 s),"
                       " expected 0.3000 s ± 0.0100 s")
    assert isinstance(err, AssertionError)
    assert err.measured == pytest.approx(0.312)
    assert err.expected == 0.300
    assert err.tolerance == 0.010
    assert err.parameter == PARAM


def test_reacts_within_too_early(sc):
    with pytest.raises(TimingAssertionError) as info:
        reacts_within(sc, "current_A < -200", "discharge_fet == 0", 0.500, 0.010)
    assert str(info.value).startswith("'discharge_fet == 0' came 0.3120 s after")
    assert info.value.parameter is None


def test_reacts_within_after_s_selects_second_event():
    t = np.arange(0, 30001) / 1000.0                      # 0..30 s, 1 ms
    current = np.where(((t >= 5.0) & (t < 6.0)) | (t >= 20.0), -250.0, 0.0)
    fet = np.where(((t >= 5.1) & (t < 10.0)) | (t >= 20.25), 0.0, 1.0)
    trace = Trace(t, current_A=current, discharge_fet=fet)
    assert reacts_within(trace, "current_A < -200", "discharge_fet == 0", 0.1, 0.001) \
        == pytest.approx(0.1, abs=1e-9)
    assert reacts_within(trace, "current_A < -200", "discharge_fet == 0", 0.25, 0.001,
                         after_s=15.0) == pytest.approx(0.25, abs=1e-9)
    # after_s inside the first short: its onset is then after_s's sample itself
    assert reacts_within(trace, "current_A < -200", "discharge_fet == 0", 0.05, 0.001,
                         after_s=5.05) == pytest.approx(0.05, abs=1e-9)


def test_reacts_within_cause_never_happens(sc):
    with pytest.raises(TimingAssertionError) as info:
        reacts_within(sc, "current_A < -300", "discharge_fet == 0", 0.3, 0.01,
                      parameter=PARAM)
    err = info.value
    assert str(err) == (f"{PARAM}: 'current_A < -300' never held from 0.0000 s to the"
                        " trace's end at 20.0000 s, so 'discharge_fet == 0' could not be"
                        " timed (expected 0.3000 s ± 0.0100 s); current_A ranged from"
                        " -250 to 5 there")
    assert err.measured is None and err.expected == 0.3 and err.tolerance == 0.01


def test_reacts_within_cause_only_before_after_s(sc):
    trace = Trace(sc.time_s, current_A=np.where(
        (sc.time_s >= 12.0) & (sc.time_s < 13.0), -250.0, 5.0),
        discharge_fet=sc["discharge_fet"])
    with pytest.raises(TimingAssertionError, match="never held from 14.0000 s"):
        reacts_within(trace, "current_A < -200", "discharge_fet == 0", 0.3, 0.01, after_s=14.0)


def test_reacts_within_after_s_past_trace_end(sc):
    with pytest.raises(TimingAssertionError, match="never held from 25.0000 s.*no samples"):
        reacts_within(sc, "current_A < -200", "discharge_fet == 0", 0.3, 0.01, after_s=25.0)


def test_reacts_within_effect_never_follows():
    t = np.arange(0, 20001) / 1000.0
    trace = Trace(t, current_A=np.where(t >= 12.0, -250.0, 0.0), discharge_fet=np.ones_like(t))
    with pytest.raises(TimingAssertionError) as info:
        reacts_within(trace, "current_A < -200", "discharge_fet == 0", 0.3, 0.01,
                      parameter=PARAM)
    err = info.value
    assert str(err) == (f"{PARAM}: 'discharge_fet == 0' never followed 'current_A < -200'"
                        " (at 12.0000 s) up to the trace's end at 20.0000 s, 8.0000 s later"
                        " (expected 0.3000 s ± 0.0100 s); discharge_fet ranged from 1 to 1"
                        " there")
    assert err.measured is None


def test_reacts_within_effect_before_cause_does_not_count():
    t = np.arange(0, 20001) / 1000.0
    fet = np.where((t >= 3.0) & (t < 4.0), 0.0, 1.0)      # an earlier, unrelated drop
    trace = Trace(t, current_A=np.where(t >= 12.0, -250.0, 0.0), discharge_fet=fet)
    with pytest.raises(TimingAssertionError, match="never followed"):
        reacts_within(trace, "current_A < -200", "discharge_fet == 0", 0.3, 0.01)


def test_reacts_within_effect_already_holding_gives_zero():
    t = np.arange(0, 1001) / 100.0
    trace = Trace(t, current_A=np.where(t >= 5.0, -250.0, 0.0),
                  discharge_fet=np.where(t >= 4.0, 0.0, 1.0))
    assert reacts_within(trace, "current_A < -200", "discharge_fet == 0", 0.0, 0.001) == 0.0


def test_reacts_within_callables(sc):
    def short(tr):
        return tr["current_A"] < -200

    def fet_open(tr):
        return tr["discharge_fet"] < 0.5

    assert reacts_within(sc, short, fet_open, 0.3, 0.02) == pytest.approx(0.312, abs=1e-9)
    with pytest.raises(TimingAssertionError) as info:
        reacts_within(sc, short, fet_open, 0.3, 0.01, parameter=PARAM)
    assert str(info.value) == (f"{PARAM}: condition fet_open came 0.3120 s after condition"
                               " short (at 12.0000 s), expected 0.3000 s ± 0.0100 s")


def test_reacts_within_rejects_negative_tolerance(sc):
    with pytest.raises(ValueError):
        reacts_within(sc, "current_A < -200", "discharge_fet == 0", 0.3, -0.01)


def test_reacts_within_million_samples():
    n = 1_000_000
    rng = np.random.default_rng(7)
    # irregular intervals: 10 µs average, between 1 µs and 19 µs
    t = np.cumsum(rng.uniform(1e-6, 19e-6, n))
    i_cause = 612_345
    i_effect = i_cause + 23_456
    current = np.full(n, 2.0)
    current[i_cause:] = -260.0
    fet = np.ones(n)
    fet[i_effect:] = 0.0
    trace = Trace(t, current_A=current, discharge_fet=fet)
    expected = t[i_effect] - t[i_cause]
    delay = reacts_within(trace, "current_A < -200", "discharge_fet == 0", expected, 1e-6)
    assert delay == pytest.approx(expected, abs=1e-12)
    assert ever(trace, "current_A < -200") == t[i_cause]
    with pytest.raises(TimingAssertionError) as info:
        reacts_within(trace, "current_A < -200", "discharge_fet == 0", expected + 0.01, 1e-3)
    assert info.value.measured == pytest.approx(expected, abs=1e-12)


# ---- settles -------------------------------------------------------------------------

def overshoot_trace():
    """pack_V steps from 0 towards 50 V at 1 s: rises, overshoots to ~56 V, rings down."""
    t = np.arange(0, 10001) / 1000.0                      # 0..10 s, 1 ms
    tau = np.clip(t - 1.0, 0.0, None)
    v = 50.0 * (1.0 - np.exp(-3.0 * tau) * np.cos(2 * np.pi * tau)) * (t >= 1.0)
    return Trace(t, pack_V=v)


def test_settles_with_overshoot():
    trace = overshoot_trace()
    v, t = trace["pack_V"], trace.time_s
    outside = np.nonzero(np.abs(v - 50.0) > 0.5)[0]
    t_in = t[outside[-1] + 1]                             # entered the band for good
    assert v.max() > 55.0                                 # it did overshoot the band
    assert np.any((t < t_in) & (np.abs(v - 50.0) <= 0.5)) # and was in the band before
    measured = settles(trace, "pack_V", 50.0, 0.5, within_s=3.0)
    assert measured == pytest.approx(t_in, abs=1e-12)
    assert 1.5 < measured < 3.0
    assert settles(trace, "pack_V", 50.0, 0.5, within_s=2.0, after_s=1.0) \
        == pytest.approx(t_in - 1.0, abs=1e-12)


def test_settles_too_late():
    trace = overshoot_trace()
    v, t = trace["pack_V"], trace.time_s
    last_out = np.nonzero(np.abs(v - 50.0) > 0.5)[0][-1]
    with pytest.raises(TimingAssertionError) as info:
        settles(trace, "pack_V", 50.0, 0.5, within_s=0.5, after_s=1.0,
                parameter="#40 pre-charge settling")
    err = info.value
    measured = t[last_out + 1] - 1.0
    assert str(err) == (f"#40 pre-charge settling: pack_V settled into 50 ± 0.5"
                        f" {measured:.4f} s after 1.0000 s, expected within 0.5000 s;"
                        f" last outside the band: pack_V = {v[last_out]:.6g}"
                        f" at {t[last_out]:.4f} s")
    assert err.measured == pytest.approx(measured, abs=1e-12)
    assert err.expected == 0.5 and err.tolerance == 0.5


def test_settles_never_settles():
    t = np.arange(0, 1001) / 100.0
    trace = Trace(t, pack_V=np.where(t >= 9.995, 60.0, 50.0))   # jumps out at the end
    with pytest.raises(TimingAssertionError) as info:
        settles(trace, "pack_V", 50.0, 0.5, within_s=5.0)
    assert str(info.value) == ("pack_V did not settle into 50 ± 0.5 after 0.0000 s (expected"
                               " within 5.0000 s); last outside the band: pack_V = 60 at"
                               " 10.0000 s, the trace's last sample")
    assert info.value.measured is None


def test_settles_already_in_band():
    t = np.array([0.0, 0.5, 1.25, 3.0])
    trace = Trace(t, pack_V=[50.1, 49.9, 50.0, 50.2])
    assert settles(trace, "pack_V", 50.0, 0.5, within_s=0.0) == 0.0
    # after_s between samples: the first sample at or after it is when it was seen in band
    assert settles(trace, "pack_V", 50.0, 0.5, within_s=1.0, after_s=1.0) \
        == pytest.approx(0.25)


def test_settles_band_edge_counts_as_inside():
    t = np.array([0.0, 1.0, 2.0])
    trace = Trace(t, cell_max_V=[3.0, 3.31, 3.29])       # 3.31 - 3.30 > 0.01 in floats
    assert settles(trace, "cell_max_V", 3.30, 0.01, within_s=1.0) == 1.0


def test_settles_nan_counts_as_outside():
    t = np.array([0.0, 1.0, 2.0, 3.0])
    trace = Trace(t, pack_V=[50.0, np.nan, 50.0, 50.0])
    assert settles(trace, "pack_V", 50.0, 0.5, within_s=2.0) == 2.0


def test_settles_after_trace_end():
    trace = overshoot_trace()
    with pytest.raises(TimingAssertionError, match="trace ends at 10.0000 s"):
        settles(trace, "pack_V", 50.0, 0.5, within_s=1.0, after_s=11.0)


# ---- the error class -----------------------------------------------------------------

def test_timing_assertion_error_defaults():
    err = TimingAssertionError("boom")
    assert isinstance(err, AssertionError)
    assert str(err) == "boom"
    assert (err.expected, err.measured, err.tolerance, err.parameter) == (None,) * 4
