#!/usr/bin/env python3
"""The HTML report in a real browser (Debian's headless Chromium).

Runs a small suite against the bundled firmware (the baseline) and against the
broken variant whose over-voltage trips 50 mV high, with --html and the
baseline, then loads the variant's report in Chromium and asserts, from the
DOM after its scripts ran: no script errors, the failing item opened with its
four plots drawn (canvas pixels painted), the coverage matrix with #5 failed,
the drift section naming #5 with both values. It also takes screenshots of the
failing item and of a passing one (tests/reports/out/ in the build tree), and
checks that the page is self-contained (no http(s) reference).

Usage: html_report_test.py SOURCE_DIR BINARY_DIR
"""

import json
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

SOURCE, BUILD = Path(sys.argv[1]), Path(sys.argv[2])
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from script_checks import Checks  # noqa: E402

check = Checks("html report test")
BMSHIL = BUILD / "bin" / "bmshil"
ITEMS = r"^generated/p005\.(trip_value|delay)$|^scenarios/short_circuit_switched_off_while_tripped$"
def suite(firmware, out, *extra):
    out.mkdir(parents=True, exist_ok=True)
    cmd = [str(BMSHIL), "suite", "--firmware", str(firmware), "--filter", ITEMS, "--json", str(out / "result.json"),
           "--results-dir", str(out / "results"), "--vcd", str(out / "vcd"), "--html", str(out / "report.html"), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    print("FAIL chromium is not installed (tools/setup-debian.sh installs it)")
    sys.exit(1)


def browser(*args):
    cmd = [chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--no-first-run", "--disable-dev-shm-usage", "--virtual-time-budget=10000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


class Dom(HTMLParser):
    """The attributes of <body> and of every element with an id, and the text."""

    def __init__(self):
        super().__init__()
        self.body = {}
        self.ids = {}
        self.text = []
        self.open_details = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body = a
        if "id" in a:
            self.ids[a["id"]] = a
        if tag == "details" and "open" in a:
            self.open_details.append(a.get("id", ""))

    def handle_data(self, data):
        self.text.append(data)


def main():
    work = Path(tempfile.mkdtemp(prefix="bmshil-html-"))
    shots = BUILD / "tests" / "reports" / "out"
    shots.mkdir(parents=True, exist_ok=True)
    base = suite(BUILD / "lib" / "libbms_firmware.so", work / "bundled")
    check(base.returncode == 0, f"the bundled firmware passes the items (exit {base.returncode})")
    run = suite(BUILD / "lib" / "libbms_firmware_ov_plus_50mv.so", work / "variant",
                "--baseline", str(work / "bundled" / "result.json"), "--title", "over-voltage 50 mV high")
    check(run.returncode == 1, f"the variant fails (exit {run.returncode})")
    page = work / "variant" / "report.html"
    html = page.read_text(encoding="utf-8")
    size = page.stat().st_size
    print(f"     report.html: {size} bytes")
    check(not re.search(r"(src|href)=\"https?:", html), "the page references nothing online")
    check("uPlot" in html, "uPlot is inside the page")

    dump = browser("--dump-dom", page.as_uri())
    check(dump.returncode == 0, f"chromium ran (exit {dump.returncode})")
    dom = Dom()
    dom.feed(dump.stdout)
    body = dom.body
    print(f"     body: ready={body.get('data-ready')} plots={body.get('data-plots')} painted={body.get('data-painted')} "
          f"errors={body.get('data-errors')} {body.get('data-error-text', '')}")
    check(body.get("data-ready") == "1", "the report's script ran to its end")
    check(body.get("data-errors") == "0", "no script error")
    plots, painted = int(body.get("data-plots", 0)), int(body.get("data-painted", 0))
    check(plots >= 4, f"the failing item's plots were made ({plots})")
    check(painted == plots, f"every plot made was drawn: pixels on its canvas ({painted} of {plots})")
    check("item-generated_p005.trip_value" in dom.open_details, "the failing item is opened")
    text = " ".join(dom.text)
    check("FAILED" in text, "the verdict says FAILED")
    m = re.search(r"#5 generated/p005\.trip_value p005\.trip_value ([\d.]+) V ([\d.]+) V", text)
    check(m is not None, "the drift section names #5 with both measured values")
    if m:
        old, new = float(m.group(1)), float(m.group(2))
        print(f"     drift of #5: {old} V -> {new} V")
        check(abs((new - old) - 0.05) < 0.01, "#5 moved by 50 mV")
    check("Coverage of the manual" in text and "single_cell_overvoltage_protection" in text, "the coverage matrix lists #5")
    check(re.search(r"waveform:\s+vcd/generated_p005\.trip_value\.vcd", text) is not None, "the failing item links its VCD")

    failing = browser("--screenshot=" + str(shots / "failing_item.png"), "--window-size=1280,2000",
                      page.as_uri() + "#item=generated/p005.trip_value")
    check(failing.returncode == 0 and (shots / "failing_item.png").stat().st_size > 20_000,
          "a screenshot of the failing item")
    result = json.loads((work / "variant" / "result.json").read_text())
    status = {s["name"]: s["status"] for s in result["scenarios"]}
    passing_item = "scenarios/short_circuit_switched_off_while_tripped"
    check(status.get(passing_item) == "passed", f"{passing_item} passes on the variant (the screenshot's passing item)")
    passing = browser("--screenshot=" + str(shots / "passing_item.png"), "--window-size=1280,2000",
                      page.as_uri() + "#item=" + passing_item)
    check(passing.returncode == 0 and (shots / "passing_item.png").stat().st_size > 20_000,
          "a screenshot with a passing item opened")
    console = [l for l in (dump.stderr + failing.stderr).splitlines() if "Uncaught" in l or ":ERROR:CONSOLE" in l]
    check(not console, "no console errors" + ("" if not console else ": " + " | ".join(console[:3])))
    shutil.copy(page, shots / "report.html")
    shutil.rmtree(work, ignore_errors=True)
    return check.exit_code()


if __name__ == "__main__":
    sys.exit(main())
