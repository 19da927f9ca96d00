"""pytest plugin for bmshil: a ``rig`` fixture, a ``backend`` marker, and the
waveform of a failed test kept beside the JUnit file.

Enable it in a conftest.py with ``pytest_plugins = ["bmshil.pytest_plugin"]``
(or ``-p bmshil.pytest_plugin``). Then::

    @pytest.mark.backend("native")                  # or a board URI
    @pytest.mark.rig_options(soc=0.9, parameters={71: 3})
    def test_short_trips(rig):
        rec = rig.record(["current_A", "discharge_fet"])
        rig.short()
        rig.run_for(0.01)
        bmshil.reacts_within(rec.take(), "current_A < -200", "discharge_fet == 0", 230e-6, 30e-6)

Command-line options: ``--bmshil-firmware LIB`` (the fixture's default
firmware), ``--bmshil-board URI`` (every rig on that board unless a marker says
otherwise), ``--bmshil-waveforms DIR`` (where failed tests' waveforms go; by
default ``waveforms/`` beside ``--junitxml``, else pytest's temporary folder).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from .rig import Rig


def pytest_addoption(parser):
    group = parser.getgroup("bmshil")
    group.addoption("--bmshil-firmware", default=None, help="firmware library for the rig fixture")
    group.addoption("--bmshil-board", default=None, help="board URI for the rig fixture (native:LIB, zmq:...)")
    group.addoption("--bmshil-waveforms", default=None, help="folder for the waveforms of failed tests")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "backend(uri): the board behind the rig fixture: 'native', 'native:LIB' or 'zmq:tcp://HOST:PORT'"
    )
    config.addinivalue_line("markers", "rig_options(**kwargs): keyword arguments for bmshil.Rig in the rig fixture")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"bmshil_report_{report.when}", report)


def _failed(item) -> bool:
    return any(
        getattr(getattr(item, f"bmshil_report_{when}", None), "failed", False) for when in ("setup", "call")
    )


def _waveform_dir(config, tmp_path: Path) -> Path:
    chosen = config.getoption("--bmshil-waveforms")
    if chosen:
        return Path(chosen)
    junit = getattr(config.option, "xmlpath", None)
    if junit:
        return Path(junit).resolve().parent / "waveforms"
    return tmp_path


def _board_of(request):
    marker = request.node.get_closest_marker("backend")
    uri = marker.args[0] if marker and marker.args else request.config.getoption("--bmshil-board")
    firmware = request.config.getoption("--bmshil-firmware")
    if uri in (None, "native"):
        return firmware, None
    if uri.startswith("native:"):
        return uri[len("native:"):], None
    return None, uri


@pytest.fixture
def rig(request, tmp_path):
    """A bmshil.Rig in a worker process of its own, closed after the test.
    Its waveform (VCD) is kept when the test fails, and the path is added to
    the report."""
    firmware, board = _board_of(request)
    marker = request.node.get_closest_marker("rig_options")
    options = dict(marker.kwargs) if marker else {}
    options.setdefault("firmware", firmware)
    options.setdefault("board", board)
    vcd = tmp_path / "rig.vcd"
    options.setdefault("waveform", vcd)
    r = Rig(**options)
    yield r
    r.close()
    if _failed(request.node) and vcd.exists():
        folder = _waveform_dir(request.config, tmp_path)
        folder.mkdir(parents=True, exist_ok=True)
        kept = folder / (re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid) + ".vcd")
        if kept != vcd:
            shutil.move(str(vcd), kept)
        request.node.user_properties.append(("waveform", str(kept)))
        request.node.add_report_section("teardown", "bmshil", f"waveform of the failed test: {kept}")
