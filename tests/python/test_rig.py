"""bmshil.Rig itself: construction and bad input, time, readouts, traces
without a copy, conditions in C++ and in Python, crash and hang isolation,
Ctrl-C, one kernel per process, scenarios from Python."""

import mmap
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import bmshil
from conftest import REPO, library, manual_defaults


def owner_of(array):
    """What finally holds an array's memory (past the views)."""
    while isinstance(array, (np.ndarray, memoryview)):
        array = array.obj if isinstance(array, memoryview) else array.base
    return array


def test_import_gives_the_version():
    assert bmshil.__version__ == "0.1.0"
    from bmshil import _bmshil

    assert _bmshil.__version__ == bmshil.__version__


def test_a_rig_starts_powered_with_the_manuals_defaults_in_force():
    p = manual_defaults()
    with bmshil.Rig(soc=0.5) as rig:
        assert rig.pid != os.getpid()
        assert rig.now_s == pytest.approx(0.1)  # the power-on's first calls
        assert rig.parameters()[5] == pytest.approx(p[5])
        assert rig.read("charge_fet") == 1.0 and rig.read("discharge_fet") == 1.0
        # 16 cells at 50 % SOC: the pack near 16 x 3.3 V, nothing flowing.
        assert 16 * 3.2 < rig.read("pack_V") < 16 * 3.4
        assert rig.read("current_A") == pytest.approx(0.0, abs=1e-9)
        # The port, through the register map, against the model's truth (1 mV register).
        assert rig.read("reg:cell_01_voltage") == pytest.approx(rig.read("cell1_V"), abs=0.0015)


def test_parameters_given_are_written_to_the_board_and_read_back_over_the_port():
    with bmshil.Rig(parameters={5: 3.60, 6: 3.40}) as rig:
        assert rig.parameters()[5] == pytest.approx(3.60)
        assert rig.read("reg:single_cell_overvoltage_protection") == pytest.approx(3.60)
        rig.write_settings({5: 3.62})
        assert rig.read("reg:single_cell_overvoltage_protection") == pytest.approx(3.62)
        assert rig.parameters()[5] == pytest.approx(3.62)


def test_a_broken_rule_is_a_value_error_naming_it_before_anything_runs():
    with pytest.raises(ValueError, match=r"#6 .*3\.7 V.*below its trip #5"):
        bmshil.Rig(parameters={5: 3.60, 6: 3.70})


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(soc=1.5), r"soc = 1\.5 is not a finite number within 0\.\.1"),
        (dict(seed=-1), r"seed = -1"),
        (dict(firmware="/nowhere/lib.so"), r"firmware '/nowhere/lib.so': no such file"),
        (dict(parameters={5: float("nan")}), r"parameters\[5\] = nan"),
        (dict(parameters={999: 1.0}), r"999"),
    ],
)
def test_bad_construction_input_names_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bmshil.Rig(**kwargs)


def test_an_unknown_probe_or_condition_is_a_value_error():
    with bmshil.Rig() as rig:
        with pytest.raises(ValueError, match="unknown signal 'cell_99_V'"):
            rig.read("cell_99_V")
        with pytest.raises(ValueError, match="frobnicate"):
            rig.run_until("frobnicate == 1", timeout_s=1.0)
        with pytest.raises(ValueError, match="reads the board's port"):
            rig.record(["reg:cell_01_voltage"])
        # The rig goes on after bad input.
        rig.run_for(1.0)
        assert rig.now_s == pytest.approx(1.1)


def test_run_until_in_cpp_and_in_python_stop_at_the_same_tick():
    with bmshil.Rig(soc=0.9) as cpp_rig:
        cpp_rig.run_for(1.0)
        cpp_rig.short()
        assert cpp_rig.run_until("discharge_fet == off", timeout_s=0.05)
        cpp_trip_s = cpp_rig.now_s
        assert not cpp_rig.run_until("discharge_fet == on", timeout_s=2.0)
        assert cpp_rig.now_s == pytest.approx(cpp_trip_s + 2.0, abs=1e-9)
    with bmshil.Rig(soc=0.9) as py_rig:
        py_rig.run_for(1.0)
        py_rig.short()
        assert py_rig.run_until(lambda r: r.read("discharge_fet") == 0.0, timeout_s=0.05, poll_s=1e-5)
        # The C++ condition stops at the change of outputs itself; the Python
        # one a poll later at most.
        assert cpp_trip_s <= py_rig.now_s <= cpp_trip_s + 1e-5 + 1e-9


def test_a_trace_is_numpy_over_the_rigs_memory_not_a_copy():
    with bmshil.Rig() as rig:
        rec = rig.record(["pack_V", "charge_fet"], interval_s=0.5)
        rig.run_for(10.0)
        trace = rec.take()
        assert isinstance(owner_of(trace.data), mmap.mmap)  # mapped from the worker's memory file
        assert trace.names == ("pack_V", "charge_fet")
        np.testing.assert_allclose(trace.time_s, 0.1 + 0.5 * np.arange(21), atol=1e-9)
        assert trace["charge_fet"].tolist() == [1.0] * 21
        # Recording goes on into an empty buffer.
        rig.run_for(1.0)
        more = rec.take()
        np.testing.assert_allclose(more.time_s, [10.6, 11.1], atol=1e-9)


def test_a_recorder_at_every_call_sees_every_tick():
    with bmshil.Rig() as rig:
        rec = rig.record(["discharge_fet"])
        rig.run_for(1.0)
        t = rec.take().time_s
        # The bundled firmware asks for a call every 10 ms while awake.
        steps = np.diff(t[1:])
        assert np.allclose(steps, 0.01, atol=1e-9), steps[:10]
        assert len(t) == 101  # the sample at record(), then a call every 10 ms for 1 s


def test_the_in_process_rig_hands_traces_over_without_a_copy():
    script = textwrap.dedent(
        """
        import bmshil, mmap
        rig = bmshil.Rig(in_process=True)
        rec = rig.record(["pack_V"])
        rig.run_for(1.0)
        trace = rec.take()
        owner = trace.data
        while getattr(owner, "base", None) is not None:
            owner = owner.base
        print(len(trace), type(owner).__name__)
        try:
            bmshil.Rig(in_process=True)
        except RuntimeError as e:
            print("second:", e)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ), check=True).stdout.splitlines()
    # The first sample, then 100 calls in a second; the memory the C++ side
    # wrote, owned by a capsule (no copy).
    assert out[0] == "101 PyCapsule"
    assert out[1].startswith("second: one rig per process")


def test_a_crashing_firmware_fails_only_its_own_call():
    with bmshil.Rig(library("misbehaving_firmware_crash")) as rig:
        with pytest.raises(bmshil.FirmwareCrash, match=r"died with SIGSEGV during run_for"):
            rig.run_for(5.0)
        with pytest.raises(bmshil.RigClosed):
            rig.run_for(1.0)
    # The next rig in this process is fine.
    with bmshil.Rig() as rig:
        rig.run_for(1.0)
        assert rig.read("discharge_fet") == 1.0


def test_a_hanging_firmware_is_killed_after_the_rigs_timeout():
    with bmshil.Rig(library("misbehaving_firmware_hang"), timeout_s=3.0) as rig:
        t0 = time.monotonic()
        with pytest.raises(bmshil.FirmwareHang, match=r"no answer to run_for within 3 s"):
            rig.run_for(5.0)
        assert 3.0 <= time.monotonic() - t0 < 6.0


def test_ctrl_c_stops_a_long_run_and_the_rig_goes_on():
    with bmshil.Rig() as rig:
        timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
        t0 = time.monotonic()
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            rig.run_for(90 * 86400.0)  # would take minutes
        stopped_after = time.monotonic() - t0
        assert stopped_after < 3.0, stopped_after
        reached = rig.now_s
        assert 0.1 < reached < 90 * 86400.0
        rig.run_for(1.0)
        assert rig.now_s == pytest.approx(reached + 1.0, abs=1e-9)


def test_scenario_files_and_the_suite_from_python():
    item = bmshil.run_scenario(REPO / "scenarios" / "soft_start.yaml")
    assert item.name == "scenarios/soft_start" and item.status == "passed", item
    assert item.findings and all(f.passed for f in item.findings)
    suite = bmshil.run_suite(filter=r"^generated/p005\.")
    names = sorted(i.name for i in suite.items)
    assert "generated/p005.trip_value" in names and suite.passed
    trip = suite["generated/p005.trip_value"].findings[0]
    assert trip.parameter == 5 and trip.unit == "V"
    assert trip.configured == pytest.approx(manual_defaults()[5])
    assert abs(trip.measured - trip.configured) <= trip.tolerance


def test_a_scenario_that_does_not_parse_is_a_value_error_naming_the_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nsteps:\n  - wait: ten seconds\n")
    with pytest.raises(ValueError, match=r"bad\.yaml:3"):
        bmshil.run_scenario(bad)


def test_the_fixture_keeps_the_waveform_of_a_failed_test(tmp_path):
    test_file = tmp_path / "test_inner.py"
    test_file.write_text(textwrap.dedent(
        """
        def test_fails(rig):
            rig.run_for(1.0)
            assert rig.read("discharge_fet") == 0.0

        def test_passes(rig):
            rig.run_for(1.0)
        """
    ))
    junit = tmp_path / "out" / "junit.xml"
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["bmshil.pytest_plugin"]\n')
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}",
                          str(test_file)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert "1 failed, 1 passed" in run.stdout, run.stdout + run.stderr
    kept = list((tmp_path / "out" / "waveforms").iterdir())
    assert [k.name for k in kept] == ["test_inner.py_test_fails.vcd"]
    assert "$var" in kept[0].read_text() and "discharge_fet" in kept[0].read_text()
    assert "waveform" in junit.read_text()
