// Draws a bms-hil report from the JSON embedded in the page (reports/html_report.cpp):
// the summary, the drift against a baseline, the coverage matrix of the manual,
// and every item with its findings and plots (uPlot). Plain DOM, no framework.
// When done it sets data-ready, data-plots (charts made), data-painted (charts
// whose canvas holds drawn pixels) and data-errors on <body>, for the browser test.
(function () {
  "use strict";

  var state = { plots: 0, painted: 0, errors: [] };
  window.addEventListener("error", function (e) {
    state.errors.push(String(e.message));
    publish();
  });

  var data = JSON.parse(document.getElementById("report-data").textContent);
  var root = document.getElementById("report");

  // ---- small helpers

  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "text") node.textContent = attrs[k];
        else if (k === "cls") node.className = attrs[k];
        else node.setAttribute(k, attrs[k]);
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function num(v) {
    if (v === "NaN" || v === null || v === undefined) return "–";
    if (v === "Infinity") return "∞";
    if (v === "-Infinity") return "-∞";
    if (typeof v !== "number") return String(v);
    if (v === 0) return "0";
    return String(Number(v.toPrecision(6)));
  }

  function finite(v) {
    return typeof v === "number" && isFinite(v);
  }

  function quantity(v, unit) {
    return unit ? num(v) + " " + unit : num(v);
  }

  // Durations with three significant digits: a reader compares orders.
  function duration(s) {
    if (!finite(s)) return "–";
    var short = function (v) { return String(Number(v.toPrecision(3))); };
    if (s < 120) return short(s) + " s";
    if (s < 7200) return short(s / 60) + " min";
    if (s < 172800) return short(s / 3600) + " h";
    return short(s / 86400) + " d";
  }

  function row(cells, header) {
    var tr = el("tr");
    cells.forEach(function (c) {
      var cell = el(header ? "th" : "td");
      if (c instanceof Node) cell.appendChild(c);
      else cell.textContent = c;
      tr.appendChild(cell);
    });
    return tr;
  }

  function table(headers, rows, cls) {
    var t = el("table", { cls: cls || "" });
    t.appendChild(el("thead", null, row(headers, true)));
    var body = el("tbody");
    rows.forEach(function (r) {
      body.appendChild(r instanceof Node ? r : row(r));
    });
    t.appendChild(body);
    return t;
  }

  function badge(status) {
    return el("span", { cls: "badge " + status, text: status });
  }

  // ---- summary

  function summary() {
    var c = data.counts;
    var verdict = data.interrupted ? "interrupted" : data.passed ? "passed" : "failed";
    var head = el("header", null,
      el("h1", null, "bms-hil report", data.title ? el("small", { text: " " + data.title }) : null),
      el("p", { cls: "verdict " + verdict, id: "verdict", text: verdict.toUpperCase() + ": " + c.passed + " passed, " +
        c.failed + " failed, " + c.error + " errors, " + c.timeout + " timed out of " + c.items + " items" +
        (data.not_run.length ? ", " + data.not_run.length + " not run" : "") }));
    var b = data.board;
    var facts = [
      ["firmware", data.firmware + (data.firmware_file ? " (" + data.firmware_file + ")" : "")],
      ["backend", b.backend || "native"],
      ["board", [b.board, b.firmware, b.daq, b.calibration].filter(Boolean).join("; ") || "–"],
      ["seed", String(data.seed)],
      ["wall time", duration(data.wall_s)],
      ["coverage", data.coverage.parameters_verified.length + "/" + data.coverage.parameter_count + " parameters, " +
        data.coverage.switches_verified.length + "/" + data.coverage.switch_count + " switches verified"]
    ];
    head.appendChild(table(["", ""], facts.map(function (f) { return [f[0], f[1]]; }), "facts"));
    var changed = data.parameters.filter(function (p) { return p.overridden; })
      .concat(data.switches.filter(function (s) { return s.overridden; }));
    head.appendChild(el("p", { text: changed.length ?
      changed.length + " settings differ from the manual's defaults (marked * in the coverage tables)." :
      "Every parameter and switch at the manual's default." }));
    root.appendChild(head);
  }

  // ---- drift against a baseline

  function drift() {
    var cmp = data.comparison;
    if (!cmp) return;
    var section = el("section", { id: "drift" }, el("h2", { text: "What moved since " + (data.baseline || "the baseline") }));
    var k = cmp.counts;
    section.appendChild(el("p", { text: k.compared + " findings compared, " + k.moved + " moved (more than " +
      num(cmp.fraction) + " x tolerance), " + k.verdicts_changed + " verdicts changed, " + k.status_changes +
      " item statuses changed, " + k.items_only_in_old + " items only in the baseline, " + k.items_only_in_new +
      " only in this run." }));
    var rows = cmp.findings.filter(function (f) { return f.moved || f.verdict_changed || f.unit_changed; })
      .sort(function (a, b) { return a.parameter - b.parameter; })
      .map(function (f) {
        var tr = row(["#" + f.parameter, f.item, f.check, quantity(f.measured_old, f.unit_old),
          quantity(f.measured_new, f.unit), f.unit_changed ? "units differ" : quantity(f.difference, f.unit),
          quantity(f.tolerance, f.unit), num(f.fraction_of_tolerance),
          (f.passed_old ? "passed" : "failed") + " → " + (f.passed_new ? "passed" : "failed")]);
        tr.className = f.passed_new ? "moved" : "fail";
        return tr;
      });
    section.appendChild(rows.length ? table(["parameter", "item", "check", "baseline", "this run", "moved",
      "tolerance", "x tolerance", "verdict"], rows, "drift") : el("p", { text: "Nothing moved." }));
    root.appendChild(section);
  }

  // ---- coverage matrix

  var COLUMNS = ["trip", "delay", "recovery", "switch", "scenario", "other"];
  function column(kind) {
    if (kind === "trip_value") return "trip";
    if (kind === "delay") return "delay";
    if (kind === "recovery" || kind === "recovery_delay") return "recovery";
    if (kind === "switch_off" || kind === "stored") return "switch";
    if (kind === "expectation" || kind === "refusal") return "scenario";
    return "other";
  }

  function coverage() {
    // parameter -> column -> {pass, fail, items}
    var byParameter = {}, bySwitch = {};
    data.items.forEach(function (item) {
      item.findings.forEach(function (f) {
        var cell;
        if (f.parameter) {
          var p = byParameter[f.parameter] = byParameter[f.parameter] || {};
          cell = p[column(f.kind)] = p[column(f.kind)] || { pass: 0, fail: 0, items: {} };
          cell[f.passed ? "pass" : "fail"]++;
          cell.items[item.name] = true;
        }
        if (f.switch) {
          var s = bySwitch[f.switch] = bySwitch[f.switch] || { pass: 0, fail: 0, items: {} };
          s[f.passed ? "pass" : "fail"]++;
          s.items[item.name] = true;
        }
      });
    });
    var why = data.coverage.parameters_not_verifiable;
    var section = el("section", { id: "coverage" }, el("h2", { text: "Coverage of the manual" }));
    section.appendChild(el("p", { cls: "legend", text: "✓ verified and passed, ✗ a check failed, – no check of that kind (hover for why). Columns are the kinds of check that name the parameter." }));
    var rows = data.parameters.map(function (p) {
      var tr = el("tr", null, el("td", { text: "#" + p.number + (p.overridden ? "*" : "") }),
        el("td", { text: p.key }), el("td", { text: p.value + (p.unit ? " " + p.unit : "") }));
      COLUMNS.forEach(function (c) {
        var cell = (byParameter[p.number] || {})[c];
        var td;
        if (!cell) {
          td = el("td", { cls: "none", text: "–", title: why[String(p.number)] || "no check of this kind names #" + p.number });
        } else {
          var names = Object.keys(cell.items).join(", ");
          td = el("td", { cls: cell.fail ? "fail" : "pass", text: cell.fail ? "✗" : "✓",
            title: cell.pass + " passed, " + cell.fail + " failed: " + names });
        }
        tr.appendChild(td);
      });
      return tr;
    });
    section.appendChild(table(["#", "parameter", "in force"].concat(COLUMNS), rows, "matrix parameters"));
    var swWhy = data.coverage.switches_not_verifiable;
    var swRows = data.switches.map(function (s) {
      var cell = bySwitch[s.number];
      var td = !cell ? el("td", { cls: "none", text: "–", title: swWhy[String(s.number)] || "no check names switch " + s.number })
        : el("td", { cls: cell.fail ? "fail" : "pass", text: cell.fail ? "✗" : "✓",
          title: cell.pass + " passed, " + cell.fail + " failed: " + Object.keys(cell.items).join(", ") });
      var reason = !cell ? (swWhy[String(s.number)] || "") : "";
      return el("tr", null, el("td", { text: String(s.number) + (s.overridden ? "*" : "") }), el("td", { text: s.key }),
        el("td", { text: s.value }), td, el("td", { cls: "reason", text: reason }));
    });
    section.appendChild(table(["switch", "name", "in force", "verified", "why not"], swRows, "matrix switches"));
    root.appendChild(section);
  }

  // ---- plots

  var TIME_UNITS = [[1, "s"], [60, "min"], [3600, "h"], [86400, "d"]];
  function timeUnit(span) {
    var u = TIME_UNITS[0];
    TIME_UNITS.forEach(function (t) { if (span / t[0] >= 3) u = t; });
    return u;
  }

  // Two points per bucket, its minimum then its maximum: the envelope a
  // pixel column shows, so a short spike stays visible however long the run.
  function envelope(plot, index, scale) {
    var xs = [], ys = [];
    var lo = plot.min[index], hi = plot.max[index];
    for (var k = 0; k < lo.length; k++) {
      var t0 = (plot.start_s + k * plot.bucket_s) / scale;
      xs.push(t0, t0 + plot.bucket_s / 2 / scale);
      ys.push(lo[k], hi[k]);
    }
    return { xs: xs, ys: ys };
  }

  var PANELS = [
    { title: "Cell voltages (grey: each cell; red: the highest, blue: the lowest)", unit: "V", legend: false, match: function (n) { return /^cell\d+_V$/.test(n) || n === "cell_max_V" || n === "cell_min_V"; } },
    { title: "Current (+ charging)", unit: "A", match: function (n) { return n === "current_A"; } },
    { title: "Temperatures", unit: "°C", valueUnit: "degC", match: function (n) { return /_degC$/.test(n); } },
    { title: "Outputs", unit: "", steps: true, match: function (n) { return !/_(V|A|degC)$/.test(n); } }
  ];
  var STRONG = { cell_max_V: "#c62828", cell_min_V: "#1565c0", current_A: "#6a1b9a", cell_max_degC: "#e65100",
    cell_min_degC: "#00838f", ambient_degC: "#558b2f", power_degC: "#795548" };

  function markerTimes(findings) {
    return findings.filter(function (f) {
      return finite(f.stimulus_s) || finite(f.reaction_s) || finite(f.window_from_s);
    });
  }

  // The finding's band on this panel when its value is of the panel's unit.
  function bandOf(f, panel) {
    var unit = panel.valueUnit || panel.unit;
    if (!unit || f.unit !== unit || !finite(f.configured)) return null;
    return { at: f.configured, lo: f.configured - (finite(f.tolerance) ? f.tolerance : 0),
      hi: f.configured + (finite(f.tolerance) ? f.tolerance : 0), passed: f.passed };
  }

  function drawMarkers(u, findings, panel, scale) {
    var ctx = u.ctx, box = u.bbox;
    ctx.save();
    ctx.beginPath();
    ctx.rect(box.left, box.top, box.width, box.height);
    ctx.clip();
    findings.forEach(function (f) {
      var bad = !f.passed;
      if (finite(f.window_from_s) && finite(f.window_to_s)) {
        var x0 = u.valToPos(f.window_from_s / scale, "x", true), x1 = u.valToPos(f.window_to_s / scale, "x", true);
        ctx.fillStyle = bad ? "rgba(198,40,40,0.15)" : "rgba(46,125,50,0.15)";
        ctx.fillRect(Math.min(x0, x1), box.top, Math.max(Math.abs(x1 - x0), 2), box.height);
      }
      var band = bandOf(f, panel);
      if (band && u.scales.y && u.scales.y.min !== undefined) {
        var y0 = u.valToPos(band.lo, "y", true), y1 = u.valToPos(band.hi, "y", true), yc = u.valToPos(band.at, "y", true);
        ctx.fillStyle = bad ? "rgba(198,40,40,0.12)" : "rgba(46,125,50,0.12)";
        ctx.fillRect(box.left, Math.min(y0, y1), box.width, Math.max(Math.abs(y1 - y0), 1));
        ctx.strokeStyle = bad ? "#c62828" : "#2e7d32";
        ctx.setLineDash([6, 4]);
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.moveTo(box.left, yc);
        ctx.lineTo(box.left + box.width, yc);
        ctx.stroke();
        ctx.setLineDash([]);
      }
      // A scenario's expectation is named by its line, at its window.
      if (f.kind === "expectation" && finite(f.window_from_s)) {
        var lx = u.valToPos(f.window_from_s / scale, "x", true);
        ctx.fillStyle = bad ? "#c62828" : "#1b5e20";
        ctx.font = "10px sans-serif";
        ctx.fillText("line " + f.check.split(":").pop(), lx + 3, box.top + box.height - 4);
      }
      [[f.stimulus_s, "#616161"], [f.reaction_s, bad ? "#c62828" : "#2e7d32"]].forEach(function (m) {
        if (!finite(m[0])) return;
        var x = u.valToPos(m[0] / scale, "x", true);
        ctx.strokeStyle = m[1];
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.moveTo(x, box.top);
        ctx.lineTo(x, box.top + box.height);
        ctx.stroke();
        ctx.fillStyle = m[1];
        ctx.beginPath();
        ctx.arc(x, box.top + 6, 4, 0, 2 * Math.PI);
        ctx.fill();
      });
    });
    ctx.restore();
  }

  // Counts a chart once its canvas holds something drawn besides the background.
  function checkPainted(u) {
    if (u._bmshilCounted) return;
    try {
      var c = u.ctx.canvas, px = u.ctx.getImageData(0, 0, c.width, c.height).data, drawn = 0;
      for (var i = 3; i < px.length; i += 4 * 7) if (px[i] !== 0) drawn++;
      if (drawn > 50) {
        u._bmshilCounted = true;
        state.painted++;
        publish();
      }
    } catch (e) {
      state.errors.push("canvas: " + e.message);
    }
  }

  function chart(host, plot, panel, findings, width) {
    var indices = [];
    plot.names.forEach(function (n, i) { if (panel.match(n)) indices.push(i); });
    if (!indices.length) return;
    var span = plot.end_s - plot.start_s;
    var tu = timeUnit(span > 0 ? span : plot.bucket_s * plot.min[0].length);
    var scale = tu[0];
    var xs = null, columns = [], series = [{ label: "time (" + tu[1] + ")" }];
    indices.forEach(function (i, k) {
      var e = envelope(plot, i, scale);
      if (!xs) xs = e.xs;
      var name = plot.names[i], ys = e.ys;
      var cellSeries = /^cell\d+_V$/.test(name);
      if (panel.steps) ys = ys.map(function (v) { return v === null ? null : v * 0.8 + k; });
      columns.push(ys);
      series.push({
        label: name,
        stroke: STRONG[name] || (cellSeries ? "rgba(120,120,120,0.45)" : ["#2e7d32", "#ef6c00", "#6d4c41", "#00897b", "#5e35b1", "#c62828", "#3949ab", "#7cb342"][k % 8]),
        width: STRONG[name] ? 2 : 1,
        points: { show: false },
        paths: panel.steps ? uPlot.paths.stepped({ align: 1 }) : undefined,
        spanGaps: false
      });
    });
    var box = el("div", { cls: "chart" });
    host.appendChild(box);
    var markers = markerTimes(findings);
    var opts = {
      title: panel.title + (panel.unit && panel.legend !== false ? " (" + panel.unit + ")" : ""),
      width: width,
      height: panel.steps ? 40 + 26 * indices.length : 220,
      series: series,
      scales: { x: { time: false } },
      axes: [{ label: "time (" + tu[1] + ")" },
        { label: panel.unit || "state (offset per output)", size: 64,
          values: function (u, splits) { return splits.map(function (v) { return String(Number(v.toPrecision(5))); }); } }],
      legend: { show: panel.legend !== false },
      cursor: { drag: { x: true, y: false } },
      hooks: {
        draw: [function (u) { drawMarkers(u, markers, panel, scale); checkPainted(u); }]
      }
    };
    try {
      new uPlot(opts, [xs].concat(columns), box);
      state.plots++;
    } catch (e) {
      state.errors.push("plot " + panel.title + ": " + e.message);
    }
  }

  function plots(host, item) {
    if (!item.plot) {
      host.appendChild(el("p", { cls: "note", text: item.no_plot || "no plot" }));
      return;
    }
    var width = Math.max(480, Math.min(1100, (root.clientWidth || 1000) - 40));
    PANELS.forEach(function (panel) { chart(host, item.plot, panel, item.findings, width); });
    var marks = markerTimes(item.findings).length;
    host.appendChild(el("p", { cls: "note", text: (item.plot.names.length) + " signals in " + item.plot.min[0].length +
      " time buckets (minimum and maximum of each). " + (marks ? "Markers: grey the stimulus, green/red the reaction, shading the allowed window, a dashed line the configured value with its tolerance." : "") }));
  }

  // ---- items

  function findingsTable(item) {
    return table(["check", "kind", "#", "configured", "measured", "tolerance", "verdict", "message"],
      item.findings.map(function (f) {
        var tr = row([f.check, f.kind, f.parameter ? "#" + f.parameter : f.switch ? "s" + f.switch : "",
          quantity(f.configured, f.unit), quantity(f.measured, f.unit), quantity(f.tolerance, f.unit),
          f.passed ? "passed" : "failed", f.line]);
        tr.className = f.passed ? "pass" : "fail";
        return tr;
      }), "findings");
  }

  function itemSection(item, open) {
    var details = el("details", { cls: "item " + item.status, id: "item-" + item.name.replace(/[^A-Za-z0-9_.-]/g, "_") });
    details.appendChild(el("summary", null, badge(item.status), " ", el("code", { text: item.name }),
      el("span", { cls: "times", text: " simulated " + duration(item.simulated_s) + ", wall " + duration(item.wall_s) })));
    var body = el("div", { cls: "body" });
    if (item.source) body.appendChild(el("p", { text: "source: " + item.source }));
    if (item.error) body.appendChild(el("p", { cls: "error", text: item.error }));
    if (item.findings.length) body.appendChild(findingsTable(item));
    item.safety.forEach(function (s) { body.appendChild(el("p", { cls: "error", text: "safety: " + s })); });
    if (item.vcd) body.appendChild(el("p", null, "waveform: ", el("a", { href: item.vcd, text: item.vcd })));
    var plotHost = el("div", { cls: "plots" });
    body.appendChild(plotHost);
    details.appendChild(body);
    var drawn = false;
    function draw() {
      if (drawn) return;
      drawn = true;
      plots(plotHost, item);
      publish();
    }
    details.addEventListener("toggle", function () { if (details.open) draw(); });
    if (open) {
      details.open = true;
      draw();
    }
    return details;
  }

  function items() {
    var wanted = decodeURIComponent((location.hash.match(/item=([^&]+)/) || [])[1] || "");
    var section = el("section", { id: "items" }, el("h2", { text: "Items" }));
    var order = { failed: 0, error: 1, timeout: 2, passed: 3 };
    var sorted = data.items.slice().sort(function (a, b) {
      return (order[a.status] - order[b.status]) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    });
    var failing = sorted.filter(function (i) { return i.status !== "passed"; }).length;
    section.appendChild(el("p", { text: failing ? failing + " items did not pass; they come first, opened." :
      "Every item passed; open one to see its plots." }));
    var target = null;
    sorted.forEach(function (item) {
      var node = itemSection(item, item.status !== "passed" || item.name === wanted);
      if (item.name === wanted) target = node;
      section.appendChild(node);
    });
    if (data.not_run.length) section.appendChild(el("p", { cls: "error", text: "not run: " + data.not_run.join(", ") }));
    root.appendChild(section);
    // A link to one item (report.html#item=NAME) shows it first, at the top
    // of the page, where a reader (or a screenshot) lands.
    if (target) {
      var linked = el("section", { id: "linked-item" }, el("h2", { text: "Linked item" }));
      linked.appendChild(target);
      root.insertBefore(linked, root.firstChild);
    }
  }

  function publish() {
    var b = document.body.dataset;
    b.plots = String(state.plots);
    b.painted = String(state.painted);
    b.errors = String(state.errors.length);
    if (state.errors.length) b.errorText = state.errors.join(" | ");
  }

  try {
    summary();
    drift();
    coverage();
    items();
  } catch (e) {
    state.errors.push(e.message);
    root.appendChild(el("pre", { cls: "error", text: "The report could not be drawn: " + e.stack }));
  }
  publish();
  document.body.dataset.ready = "1";
})();
