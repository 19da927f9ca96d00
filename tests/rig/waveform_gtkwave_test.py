#!/usr/bin/env python3
"""A failed item's VCD as GTKWave reads it: the variant whose over-voltage
trips 50 mV high fails generated/p005.trip_value; its waveform must convert
with GTKWave's own vcd2fst (the parser GTKWave loads VCD with) and back with
fst2vcd, and hold the plant (cell voltages, current) next to the firmware's
state read over the port (its flag words and SOC), with the protection bit set
after the trip.

Usage: waveform_gtkwave_test.py SOURCE_DIR BINARY_DIR
"""

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SOURCE, BUILD = Path(sys.argv[1]), Path(sys.argv[2])
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from script_checks import Checks  # noqa: E402

check = Checks("waveform gtkwave test")
def variables(vcd_text):
    """scope.name -> VCD identifier code, from the header."""
    scopes, out = [], {}
    for line in vcd_text.splitlines():
        words = line.split()
        if words[:1] == ["$scope"]:
            scopes.append(words[2])
        elif words[:1] == ["$upscope"]:
            scopes.pop()
        elif words[:1] == ["$var"]:
            out[".".join(scopes + [words[4]])] = words[3]
        elif words[:1] == ["$enddefinitions"]:
            break
    return out


def values(vcd_text, code):
    """(time, value) of each change of one variable, after the header."""
    t, out = 0, []
    body = vcd_text.split("$enddefinitions", 1)[1]
    for line in body.splitlines():
        line = line.strip()
        if line.startswith("#"):
            t = int(line[1:])
        elif line.startswith(("b", "r")) and line.endswith(" " + code):
            out.append((t, line[1:].split()[0]))
        elif len(line) >= 2 and line[0] in "01xz" and line[1:] == code:
            out.append((t, line[0]))
    return out


def main():
    for tool in ("vcd2fst", "fst2vcd"):
        if not shutil.which(tool):
            print(f"FAIL {tool} is not installed (Debian's gtkwave; tools/setup-debian.sh installs it)")
            return 1
    work = Path(tempfile.mkdtemp(prefix="bmshil-vcd-"))
    run = subprocess.run([str(BUILD / "bin" / "bmshil"), "suite", "--firmware",
                          str(BUILD / "lib" / "libbms_firmware_ov_plus_50mv.so"), "--filter", r"^generated/p005\.trip_value$",
                          "--vcd", str(work / "vcd"), "--results-dir", str(work / "results")],
                         capture_output=True, text=True, timeout=300)
    check(run.returncode == 1, f"the variant fails p005.trip_value (exit {run.returncode})")
    vcd = work / "vcd" / "generated_p005.trip_value.vcd"
    check(vcd.is_file(), f"its waveform was kept: {vcd.name}")
    if not vcd.is_file():
        return 1
    fst = work / "p005.fst"
    conv = subprocess.run(["vcd2fst", str(vcd), str(fst)], capture_output=True, text=True, timeout=120)
    check(conv.returncode == 0 and fst.stat().st_size > 0, f"vcd2fst (GTKWave's VCD reader) converts it: {conv.stderr.strip()[:200]}")
    back = subprocess.run(["fst2vcd", str(fst)], capture_output=True, text=True, timeout=120)
    check(back.returncode == 0, "fst2vcd reads the FST back")
    text = back.stdout
    names = variables(text)
    for want in ("pack.cells.cell01_V", "pack.current_A", "pack.cell_max_V", "board.charge_fet",
                 "port.protection_bits", "port.error_code_bits", "port.soc"):
        check(want in names, f"GTKWave sees {want}")
    if "port.protection_bits" in names and "board.charge_fet" in names:
        prot = values(text, names["port.protection_bits"])
        fet = values(text, names["board.charge_fet"])
        # Closed at power-on, opened by the trip: the last 1 -> 0.
        opened = [t for (_, before), (t, v) in zip(fet, fet[1:]) if before == "1" and v == "0"]
        set_after = [t for t, v in prot if re.fullmatch(r"[01]+", v) and int(v, 2) != 0]
        print(f"     charge FET opened at {opened[-1:]} us; protection bits read non-zero at {set_after[-1:]} us")
        check(bool(opened) and bool(set_after) and set_after[-1] >= opened[-1],
              "the port shows the protection flag set after the charge FET opened")
        soc = values(text, names["port.soc"])
        check(bool(soc) and all(0.0 <= float(v) <= 100.0 for _, v in soc), f"SOC read over the port, {len(soc)} changes")
    shutil.rmtree(work, ignore_errors=True)
    return check.exit_code()


if __name__ == "__main__":
    sys.exit(main())
