#!/usr/bin/python3
"""`bmshil serve` with real Modbus masters (Debian's mbpoll and pymodbus), over
its pseudo-terminal and over its raw-RTU TCP socket (mbpoll reaches that one
through socat, as a serial program reaches an RS485-to-Ethernet converter
through a virtual port).

- mbpoll reads every register of the map, range by range, and the cells'
  voltages it reads lie within the model's cells (status over the control
  channel) and the AFE's error; it writes #5 (single-cell over-voltage
  protection) and reads the new value back; an expression sent over the
  control channel then uses #5 as written (the device followed the write on
  the bus).
- pymodbus reads the over-voltage protection bit: clear at first, set after an
  overcharge started through the control channel (a charger and one cell set
  near #5), within #5's delay and the line's time.
- Bad input to the control channel is answered with the reason, not a crash.

Usage: serve_test.py SOURCE_DIR BINARY_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import zmq
from pymodbus.client import ModbusSerialClient, ModbusTcpClient
from pymodbus.framer.rtu_framer import ModbusRtuFramer

source, binary = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(binary, "python"))
from bmshil.errors import RigError  # noqa: E402
from bmshil.live import LiveClient  # noqa: E402

bmshil = os.path.join(binary, "bin", "bmshil")
scratch = tempfile.mkdtemp(prefix="bmshil-serve-")
failures = []
BAUD = 19200


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


class Served:
    """A `bmshil serve` process; its addresses from what it prints first."""

    def __init__(self, *args, baud=BAUD):
        self.proc = subprocess.Popen([bmshil, "serve", "--quiet", "--baud", str(baud)] + list(args), cwd=scratch,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = []
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("serve ended before it served:\n" + self.proc.stderr.read())
            self.lines.append(line)
            if "Ctrl-C stops" in line:
                break
        text = "".join(self.lines)
        print(text, end="", flush=True)
        self.pty = re.search(r"serve: pty (\S+)", text).group(1)
        tcp = re.search(r"serve: tcp (\S+):(\d+)", text)
        self.tcp_host, self.tcp_port = tcp.groups() if tcp else (None, None)
        self.control_endpoint = re.search(r"serve: control (\S+)", text).group(1)
        self.context = zmq.Context()
        self.control = self.context.socket(zmq.REQ)
        self.control.setsockopt(zmq.RCVTIMEO, 10000)
        self.control.setsockopt(zmq.LINGER, 0)
        self.control.connect(self.control_endpoint)

    def request(self, message):
        self.control.send_string(json.dumps(message))
        return json.loads(self.control.recv_string())

    def stop(self):
        """Ctrl-C, as a person stops it; returns what it printed at the end."""
        self.proc.send_signal(2)
        out, err = self.proc.communicate(timeout=30)
        self.control.close()
        self.context.term()
        return self.proc.returncode, out, err


def register_map():
    with open(os.path.join(source, "firmware_under_test", "register_map.json")) as f:
        return json.load(f)["registers"]


def ranges(registers):
    """Runs of consecutive addresses, at most 125 registers each (one read)."""
    spans = []
    for r in sorted(registers, key=lambda r: r["address"]):
        first, last = r["address"], r["address"] + r["words"] - 1
        if spans and first == spans[-1][1] + 1 and last - spans[-1][0] < 125:
            spans[-1][1] = last
        else:
            spans.append([first, last])
    return spans


def mbpoll(device, *args, values=()):
    """mbpoll as an RTU master on a serial device, PDU addressing (-0); values to write come after the device."""
    cmd = (["mbpoll", "-m", "rtu", "-b", str(BAUD), "-P", "none", "-a", "1", "-0", "-1", "-o", "2"] + list(args) +
           [device] + [str(v) for v in values])
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def mbpoll_read(device, first, count):
    rc, out = mbpoll(device, "-t", "4", "-r", str(first), "-c", str(count))
    values = {int(a): int(v) for a, v in re.findall(r"^\[(\d+)\]:\s+(-?\d+)", out, re.M)}
    return rc, values, out


def mbpoll_everything(device, label):
    registers = register_map()
    spans = ranges(registers)
    read = {}
    for first, last in spans:
        rc, values, out = mbpoll_read(device, first, last - first + 1)
        if rc != 0 or len(values) != last - first + 1:
            print(out)
        read.update(values)
    wanted = {r["address"] + w for r in registers for w in range(r["words"])}
    check(wanted <= set(read), f"{label}: mbpoll read all {len(wanted)} registers of the map in {len(spans)} reads "
                               f"({len(wanted - set(read))} missing)")
    return read


def check_cells(served, read, label):
    status = served.request({"status": {}})
    cells = [read[a] * 1e-3 for a in range(16)]
    # The AFE reads within its offset and noise (a few mV) and the register is whole mV.
    inside = all(status["cell_min_V"] - 0.01 <= v <= status["cell_max_V"] + 0.01 for v in cells)
    check(inside, f"{label}: the 16 cell voltages read ({min(cells):.3f}-{max(cells):.3f} V) lie within the model's "
                  f"cells ({status['cell_min_V']:.4f}-{status['cell_max_V']:.4f} V) +- 10 mV")


def write_and_read_back(device, label, value_mV):
    rc, out = mbpoll(device, "-t", "4", "-r", "4100", values=[value_mV])
    check(rc == 0, f"{label}: mbpoll wrote #5 (register 4100) = {value_mV} mV (exit {rc})")
    if rc != 0:
        print(out)
    rc, values, out = mbpoll_read(device, 4100, 1)
    check(values.get(4100) == value_mV, f"{label}: #5 read back {values.get(4100)} mV (wrote {value_mV})")


def expressions_follow_the_bus(served, label, value_mV):
    """#5 as the master wrote it is the #5 of expressions sent over the control channel."""
    written = served.request({"status": {}})["settings_written_on_bus"].get("5", {})
    check(abs(written.get("value", 0) - value_mV / 1000) < 1e-9,
          f"{label}: the status shows #5 as written on the bus: {written}")
    placed = served.request({"step": "cell: {cell: 4, voltage_V: p5 - 100 mV}"})
    cell_V = served.request({"read": "cell4_V"})["value"]
    expected_V = value_mV / 1000 - 0.100
    check(placed["ok"] and abs(cell_V - expected_V) < 0.002,
          f"{label}: 'p5 - 100 mV' placed cell 4 at {cell_V:.4f} V: #5 as written ({expected_V:.3f} V), not the "
          f"default's 3.550 V")


def ovp_bit(client):
    # protection_bits: two words at 35, high word first; bit 0 is cell_overvoltage_protection.
    r = client.read_holding_registers(35, 2, slave=1)
    if r.isError():
        raise RuntimeError(f"read of protection_bits failed: {r}")
    return ((r.registers[0] << 16) | r.registers[1]) & 1


def overcharge_seen(served, client, label):
    """Clear bit, then an overcharge from the control channel, then the bit set."""
    check(ovp_bit(client) == 0, f"{label}: over-voltage protection bit clear before the overcharge")
    # Through the Python module's client of the control channel.
    with LiveClient(served.control_endpoint) as device:
        r1 = device.charger(voltage_V=60, current_A=20)
        r2 = device.step("cell: {cell: 4, voltage_V: p5 + 20 mV}")
        t0 = device.status()["t_s"]
    check(r1["ok"] and r2["ok"], f"{label}: a charger and cell 4 above #5 through bmshil.live.LiveClient at "
                                 f"{r1['t_s']:.3f} s")
    seen_at = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if ovp_bit(client):
            seen_at = served.request({"status": {}})["t_s"]
            break
        time.sleep(0.05)
    check(seen_at is not None, f"{label}: pymodbus read the over-voltage protection bit set "
                               f"{(seen_at - t0) if seen_at else float('nan'):.2f} s (simulated) after the overcharge")
    # #5's delay is 1 s at the defaults; the bit is set when the protection acts.
    if seen_at is not None:
        check(0.9 <= seen_at - t0 <= 3.0, f"{label}: set within #5's delay (1 s) and the polling: {seen_at - t0:.2f} s")
        # The device saw the answer go by: its status shows the flag as read.
        flags = served.request({"status": {}})["flags_read"]
        check("cell_overvoltage_protection" in flags.get("protection_bits", []),
              f"{label}: the status shows the protection bits as the master read them: {flags.get('protection_bits')}")
    served.request({"step": {"charger": {"connected": False}}})
    served.request({"step": "cell: {cell: 4, voltage_V: p6 - 50 mV}"})


# --- over the pseudo-terminal -------------------------------------------------
served = Served("--speed", "1", "--soc", "0.6")
try:
    read = mbpoll_everything(served.pty, "pty")
    if read:
        check_cells(served, read, "pty")
    write_and_read_back(served.pty, "pty", 3640)
    expressions_follow_the_bus(served, "pty", 3640)
    client = ModbusSerialClient(port=served.pty, framer=ModbusRtuFramer, baudrate=BAUD, timeout=2)
    check(client.connect(), f"pty: pymodbus opened {served.pty}")
    overcharge_seen(served, client, "pty")
    client.close()
    bad = served.request({"step": {"wait": "2 s"}})
    check(not bad["ok"] and "take no time" in bad["error"], f"control: a wait is refused: {bad.get('error')}")
    bad = served.request({"step": {"charger": {"voltage_V": "p999"}}})
    check(not bad["ok"], f"control: an unknown parameter is refused: {bad.get('error')}")
    bad = served.request({"frobnicate": 1})
    check(not bad["ok"] and "unknown request" in bad["error"], f"control: an unknown request: {bad.get('error')}")
    with LiveClient(served.control_endpoint) as device:
        try:
            device.step({"expect": {"condition": "charge_fet == off", "within": ["0 s", "1 s"]}})
            check(False, "LiveClient: an expectation over the control channel raises RigError")
        except RigError as e:
            check("take no time" in str(e), f"LiveClient: an expectation raises RigError: {e}")
finally:
    rc, out, err = served.stop()
print(out, end="")
check(rc == 0, f"pty: Ctrl-C ends serve cleanly (exit {rc})")
m = re.search(r"(\d+) of (\d+) slices later than a tick", out)
check(m is not None, "pty: the pacing is reported at the end")

# --- over the TCP socket ------------------------------------------------------
served = Served("--speed", "1", "--soc", "0.6")
bridge = None
try:
    link = os.path.join(scratch, "ttyBMS")
    bridge = subprocess.Popen(["socat", f"pty,link={link},raw,echo=0",
                               f"tcp:{served.tcp_host}:{served.tcp_port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(100):
        if os.path.exists(link):
            break
        time.sleep(0.05)
    read = mbpoll_everything(link, "tcp via socat")
    if read:
        check_cells(served, read, "tcp via socat")
    write_and_read_back(link, "tcp via socat", 3630)
    expressions_follow_the_bus(served, "tcp via socat", 3630)
    client = ModbusTcpClient(served.tcp_host, port=int(served.tcp_port), framer=ModbusRtuFramer, timeout=2)
    check(client.connect(), f"tcp: pymodbus connected to {served.tcp_host}:{served.tcp_port} (RTU framing)")
    overcharge_seen(served, client, "tcp")
    client.close()
finally:
    if bridge:
        bridge.terminate()
        bridge.wait(timeout=10)
    rc, out, err = served.stop()
print(out, end="")
check(rc == 0, f"tcp: Ctrl-C ends serve cleanly (exit {rc})")

# --- serial timing -------------------------------------------------------------
# At 1200 baud 8N1 a character takes 8.33 ms: reading the 16 cells is an 8-byte
# request and a 37-byte answer, 45 characters, 375 ms on the line (plus up to a
# tick until the firmware sees the request's end), where the pty alone would
# take a millisecond.
served = Served("--speed", "1", "--no-tcp", baud=1200)
try:
    start = time.monotonic()
    rc, values, out = (lambda r: (r[0], {int(a): int(v) for a, v in re.findall(r"^\[(\d+)\]:\s+(-?\d+)", r[1], re.M)},
                                  r[1]))(mbpoll(served.pty, "-b", "1200", "-o", "1", "-t", "4", "-r", "0", "-c", "16"))
    took = time.monotonic() - start
    check(rc == 0 and len(values) == 16, f"1200 baud: a master waiting 1 s reads the 16 cells (exit {rc})")
    check(0.375 <= took <= 0.9, f"1200 baud: the read took {took * 1000:.0f} ms of wall time (the line: 375 ms)")
finally:
    served.stop()

# --- a remote board: the firmware in a process of its own, over ZeroMQ ------------
board = subprocess.Popen([bmshil, "virtual-board", "--bind", "tcp://127.0.0.1:*"], cwd=scratch,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
try:
    endpoint = re.search(r" on (tcp://\S+)", board.stdout.readline()).group(1)
    served = Served("--speed", "1", "--no-tcp", "--board", "zmq:" + endpoint)
    try:
        rc, values, out = mbpoll_read(served.pty, 0, 16)
        cells = [v * 1e-3 for v in values.values()]
        check(rc == 0 and len(cells) == 16 and all(2.5 < v < 3.65 for v in cells),
              f"remote board at {endpoint}: mbpoll read its 16 cells over the pty ({min(cells, default=0):.3f}-"
              f"{max(cells, default=0):.3f} V)")
    finally:
        served.stop()
finally:
    board.terminate()
    board.wait(timeout=10)

# --- a scenario played live ------------------------------------------------------
# The error codes of each protection (scenarios/error_codes.yaml), at 50x: its
# waits pass on the wall clock, its expectations are judged as in the suite.
p = subprocess.run([bmshil, "serve", "--quiet", "--speed", "50", "--for", "200", "--no-tcp", "--control", "none",
                    "--scenario", os.path.join(source, "scenarios", "error_codes.yaml")],
                   capture_output=True, text=True, timeout=120, cwd=scratch)
m = re.search(r"scenario \S+: (\d+) findings, (\d+) failed", p.stdout)
check(p.returncode == 0 and m is not None and int(m.group(1)) >= 12 and m.group(2) == "0",
      f"error_codes played live at 50x: {m.group(0) if m else p.stdout + p.stderr}")

# --- the status line, on a terminal ----------------------------------------------
p = subprocess.run(["script", "-q", "-e", "-c", f"{bmshil} serve --for 1.5 --no-tcp --control none", "/dev/null"],
                   capture_output=True, timeout=60, cwd=scratch)
shown = [part for part in p.stdout.decode(errors="replace").split("\r") if "| cells " in part]
check(p.returncode == 0 and len(shown) >= 2, f"status line: rewritten in place {len(shown)} times on a terminal")
if shown:
    last = shown[-1].replace("\x1b[K", "").strip().splitlines()[0]
    print("     " + last)
    check(re.search(r"cells \d\.\d{3}-\d\.\d{3} V \| [-+]\d+\.\d A \| SOC \d+\.\d % \| CHG DSG", last) is not None,
          "status line: cells min-max, current, SOC and the FETs")
    check("| codes not read |" in last, "status line: the error codes, not read by any master yet")

# A firmware whose map names no error code bits: the status line leaves them out.
other_map = os.path.join(scratch, "other_map.json")
with open(os.path.join(source, "firmware_under_test", "register_map.json")) as f:
    text = f.read()
with open(other_map, "w") as f:
    f.write(text.replace('"error_code_bits"', '"alarm_word"'))
p = subprocess.run(["script", "-q", "-e", "-c", f"{bmshil} serve --for 1.5 --no-tcp --control none "
                    f"--register-map {other_map}", "/dev/null"], capture_output=True, timeout=60, cwd=scratch)
shown = [part for part in p.stdout.decode(errors="replace").split("\r") if "| cells " in part]
check(p.returncode == 0 and len(shown) >= 2 and "codes" not in shown[-1],
      f"status line with a map without error code bits (--register-map): shown {len(shown)} times, exit "
      f"{p.returncode}, no codes: {shown[-1].strip()[:100] if shown else ''}")

shutil.rmtree(scratch, ignore_errors=True)
print(f"{len(failures)} failed" if failures else "all passed")
sys.exit(1 if failures else 0)
