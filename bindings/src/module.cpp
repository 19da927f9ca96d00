// _bmshil: the compiled half of the Python package bmshil (bindings/bmshil/).
// A thin layer over rig::Session (one rig, driven step by step) and the suite.
// The GIL is released while the kernel runs; between strides the session asks
// Python for pending signals, so Ctrl-C stops a long run with KeyboardInterrupt.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>

#include <atomic>

#include "adapters/native/native_adapter.h"
#include "json_report.h"
#include "observer/modbus_observer.h"
#include "observer/settings_writer.h"
#include "scenario/scenario.h"
#include "session.h"
#include "simulated_time.h"
#include "suite.h"

namespace py = pybind11;
using namespace bmshil::rig;

// SystemC's library calls sc_main from its own main(), which a Python process
// never runs; it still needs the symbol. Visible, since pybind11 hides the rest.
__attribute__((visibility("default"))) int sc_main(int, char*[]) { return 0; }

namespace {

// The SystemC kernel elaborates once per process (DESIGN.md).
std::atomic<bool> g_session_made{false};

// Raises Python's pending signal (KeyboardInterrupt) inside a run.
void check_signals() {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
}

std::unique_ptr<Session> make_session(const std::string& firmware, const std::string& board,
                                      const std::string& register_map, const std::string& cells,
                                      const std::string& spec, std::uint64_t seed, double soc,
                                      std::optional<double> temperature_degC, std::optional<double> ambient_degC,
                                      bool spread, const std::map<int, double>& parameters,
                                      const std::map<int, bool>& switches, const std::string& waveform) {
    if (g_session_made.exchange(true))
        throw std::runtime_error(
            "one rig per process: the SystemC kernel elaborates once; bmshil.Rig() gives each rig a process of its own");
    SessionOptions o;
    o.firmware_library = firmware;
    o.board_uri = board;
    o.register_map = register_map;
    o.cell_file = cells;
    o.spec_dir = spec;
    o.seed = seed;
    o.soc = soc;
    o.temperature_degC = temperature_degC;
    o.ambient_degC = ambient_degC;
    o.spread = spread;
    o.parameters = parameters;
    o.switches = switches;
    o.waveform_file = waveform;
    py::gil_scoped_release nogil;
    return std::make_unique<Session>(o);
}

// The samples as a NumPy array over the memory they were written to: the
// array owns the mapping, nothing is copied.
py::array_t<double> as_array(TakenTrace t) {
    auto* owned = new TakenTrace(t);
    py::capsule owner(owned, [](void* p) {
        auto* taken = static_cast<TakenTrace*>(p);
        release(*taken);
        delete taken;
    });
    return py::array_t<double>({static_cast<py::ssize_t>(t.rows), static_cast<py::ssize_t>(t.columns)},
                               {static_cast<py::ssize_t>(t.columns * sizeof(double)),
                                static_cast<py::ssize_t>(sizeof(double))},
                               t.data, owner);
}

py::dict parameters_of(const Session& s) {
    py::dict out;
    const auto& set = s.parameters();
    for (const auto& [number, p] : set.spec().parameters()) out[py::int_(number)] = set[number];
    return out;
}

py::dict switches_of(const Session& s) {
    py::dict out;
    const auto& set = s.parameters();
    for (const auto& [number, sw] : set.spec().switches()) out[py::int_(number)] = set.switch_on(number);
    return out;
}

}  // namespace

PYBIND11_MODULE(_bmshil, m) {
    m.doc() = "The compiled part of bmshil: one rig session per process, and the suite.";
    m.attr("__version__") = BMSHIL_VERSION;

    py::register_exception<SessionError>(m, "SessionError", PyExc_ValueError);
    py::register_exception<SimulatedTimeError>(m, "SimulatedTimeError", PyExc_ValueError);
    py::register_exception<scenario::ScenarioError>(m, "ScenarioError", PyExc_ValueError);
    py::register_exception<FirmwareLoadError>(m, "FirmwareLoadError", PyExc_RuntimeError);
    py::register_exception<ModbusError>(m, "PortError", PyExc_RuntimeError);
    py::register_exception<SettingsError>(m, "SettingsError", PyExc_RuntimeError);

    py::class_<Session>(m, "Session", "A rig in this process: pack model, board, firmware, port. One per process.")
        .def(py::init(&make_session), py::arg("firmware"), py::arg("board") = "", py::arg("register_map"),
             py::arg("cells"), py::arg("spec"), py::arg("seed") = 1, py::arg("soc") = 0.5,
             py::arg("temperature_degC") = py::none(), py::arg("ambient_degC") = py::none(), py::arg("spread") = true,
             py::arg("parameters") = std::map<int, double>{}, py::arg("switches") = std::map<int, bool>{},
             py::arg("waveform") = "",
             "Builds the rig, powers the board on and writes the parameters in force (checked against the manual's "
             "rules first: ValueError naming each broken rule).")
        .def("now_s", &Session::now_s, "Simulated time in seconds.")
        .def(
            "run_for",
            [](Session& s, double seconds) {
                py::gil_scoped_release nogil;
                s.run_for(seconds, check_signals);
            },
            py::arg("seconds"), "Advances simulated time; Ctrl-C stops it with KeyboardInterrupt.")
        .def(
            "run_until",
            [](Session& s, const std::string& condition, double timeout_s, double poll_s) {
                py::gil_scoped_release nogil;
                return s.run_until(condition, timeout_s, poll_s, check_signals);
            },
            py::arg("condition"), py::arg("timeout_s"), py::arg("poll_s") = 0.0,
            "Runs until the condition (scenario language) holds; False if timeout_s passed first.")
        .def("holds", &Session::holds, py::arg("condition"), py::call_guard<py::gil_scoped_release>())
        .def("read", &Session::read, py::arg("probe"), py::call_guard<py::gil_scoped_release>())
        .def("write", &Session::write, py::arg("register"), py::arg("value"),
             py::call_guard<py::gil_scoped_release>())
        .def("write_settings", &Session::write_settings, py::arg("parameters"), py::arg("switches"),
             py::call_guard<py::gil_scoped_release>())
        .def("parameters", &parameters_of, "The parameters in force, by number, in the manual's units.")
        .def("switches", &switches_of, "The function switches in force, by number.")
        .def("charger", &Session::charger, py::arg("connected"), py::arg("voltage_V") = py::none(),
             py::arg("current_A") = py::none(), py::arg("overshoot_V") = py::none())
        .def("load", &Session::load, py::arg("name"), py::arg("connected"), py::arg("kind") = "",
             py::arg("value") = py::none())
        .def("ambient", &Session::ambient, py::arg("degC"), py::arg("over_s") = 0.0)
        .def("ntc_fault", &Session::ntc_fault, py::arg("ntc"), py::arg("state"))
        .def("ntc_drift", &Session::ntc_drift, py::arg("ntc"), py::arg("r25_scale") = py::none(),
             py::arg("beta_K") = py::none())
        .def("sense_wire", &Session::sense_wire, py::arg("above_cell"), py::arg("open"))
        .def("shunt_offset", &Session::shunt_offset, py::arg("offset_A"), py::arg("over_s") = 0.0)
        .def("set_cell", &Session::set_cell, py::arg("cell"), py::arg("soc") = py::none(),
             py::arg("voltage_V") = py::none(), py::arg("capacity_scale") = py::none(),
             py::arg("resistance_scale") = py::none(), py::arg("self_discharge_scale") = py::none())
        .def("button", &Session::button, py::arg("pressed"))
        .def("power_cycle", &Session::power_cycle, py::arg("off_s"), py::call_guard<py::gil_scoped_release>())
        .def(
            "safety",
            [](const Session& s) {
                py::list out;
                for (const SafetyFinding& f : s.safety())
                    out.append(py::make_tuple(f.kind, f.cell, f.start_s, f.end_s, f.worst));
                return out;
            },
            "The model's safe-operating-area findings: (kind, cell, start_s, end_s, worst).")
        .def("record", &Session::record, py::arg("probes"), py::arg("interval_s") = 0.0,
             "Starts a recorder; returns its number.")
        .def("recorded_names", &Session::recorded_names, py::arg("recorder"))
        .def(
            "take_array", [](Session& s, int recorder) { return as_array(s.take(recorder)); }, py::arg("recorder"),
            "The recorder's samples so far as an (n, 1 + probes) array over their own memory (no copy).")
        .def(
            "take_fd",
            [](Session& s, int recorder) {
                // For a worker process: the memory file goes to the parent,
                // which maps it; this process lets go of its mapping.
                TakenTrace t = s.take(recorder);
                if (t.data != nullptr) munmap(t.data, t.mapped_bytes);
                return py::make_tuple(t.fd, t.rows, t.columns);
            },
            py::arg("recorder"), "(fd, rows, columns) of the recorder's memory file; the caller closes fd.")
        .def("stop", &Session::stop, py::arg("recorder"))
        .def("close_waveform", &Session::close_waveform);

    m.def(
        "die_with_parent", [] { prctl(PR_SET_PDEATHSIG, SIGKILL); },
        "This process is killed when its parent dies (a worker behind a Rig).");

    m.def(
        "run_suite",
        [](const std::string& firmware, const std::string& board, const std::string& register_map,
           const std::string& cells, const std::string& spec, std::uint64_t seed, int jobs, const std::string& filter,
           bool generated, const std::vector<std::string>& scenario_files, const std::map<int, double>& parameters,
           const std::map<int, bool>& switches, const std::string& results_dir, const std::string& vcd_dir,
           double timeout_s) {
            SuiteOptions o;
            o.firmware_library = firmware;
            o.board_uri = board;
            o.register_map = register_map;
            o.cell_file = cells;
            o.spec_dir = spec;
            o.seed = seed;
            o.jobs = jobs;
            o.filter = filter;
            o.generated = generated;
            o.scenario_files = scenario_files;
            o.results_dir = results_dir;
            o.vcd_dir = vcd_dir;
            o.timeout_s = timeout_s;
            for (const auto& [n, v] : parameters) o.parameters.push_back({n, v, {}});
            for (const auto& [n, on] : switches) o.switches.push_back({n, on, {}});
            bool interrupted = false;
            std::string json;
            {
                py::gil_scoped_release nogil;
                const SuiteResult r = run_suite(o, &interrupted);
                json = bmshil::reports::result_json(r);
            }
            if (interrupted) {
                PyErr_SetNone(PyExc_KeyboardInterrupt);
                throw py::error_already_set();
            }
            return json;
        },
        py::arg("firmware"), py::arg("board"), py::arg("register_map"), py::arg("cells"), py::arg("spec"),
        py::arg("seed"), py::arg("jobs"), py::arg("filter"), py::arg("generated"), py::arg("scenario_files"),
        py::arg("parameters"), py::arg("switches"), py::arg("results_dir"), py::arg("vcd_dir"), py::arg("timeout_s"),
        "Runs the suite (or scenario files) in forked children; returns the JSON result.");
}
