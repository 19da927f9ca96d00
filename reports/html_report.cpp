#include "html_report.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "file_output.h"
#include "finding_text.h"
#include "html_assets.h"
#include "item_files.h"
#include "json_number.h"
#include "number_format.h"
#include "plot_trace.h"
#include "xml_escape.h"

namespace bmshil::reports {
namespace {

using nlohmann::json;

// Four significant digits: a pixel of a plot never needs more, and the page
// of a whole suite stays small.
json rounded(double v) { return std::isnan(v) ? json(nullptr) : json(round_significant(v, 4)); }

json plot_json(const PlotTrace& t) {
    json mins = json::array(), maxs = json::array();
    for (std::size_t p = 0; p < t.names().size(); ++p) {
        json lo = json::array(), hi = json::array();
        for (std::size_t k = 0; k < t.bucket_count(); ++k) {
            lo.push_back(rounded(t.min(k, p)));
            hi.push_back(rounded(t.max(k, p)));
        }
        mins.push_back(lo);
        maxs.push_back(hi);
    }
    return {{"names", t.names()}, {"start_s", t.start_s()}, {"bucket_s", t.bucket_s()}, {"end_s", t.last_time_s()},
            {"min", mins},        {"max", maxs}};
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "";
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The item's plot, reduced for a passed item; null with a reason when none.
json item_plot(const std::vector<std::string>& plot_dirs, const rig::ScenarioResult& s, std::string* why) {
    if (plot_dirs.empty()) {
        *why = "the run recorded no plots";
        return nullptr;
    }
    std::string path, text;
    for (const std::string& dir : plot_dirs) {
        path = plot_file_for(dir, s.name);
        text = read_text(path);
        if (!text.empty()) break;
    }
    if (text.empty()) {
        *why = "no plot (" + path + "): the item did not get to record one";
        return nullptr;
    }
    try {
        PlotTrace t = PlotTrace::from_json(text, path);
        if (s.status == rig::ScenarioStatus::passed) {
            t = t.only(passed_plot_probes());
            t.reduce_to(kPassedPlotBuckets);
        }
        return plot_json(t);
    } catch (const std::exception& e) {
        *why = e.what();
        return nullptr;
    }
}

json finding_json(const rig::Finding& f) {
    return {{"check", f.check},
            {"kind", f.kind},
            {"parameter", f.parameter},
            {"switch", f.switch_number},
            {"passed", f.passed},
            {"configured", json_number(f.configured)},
            {"measured", json_number(f.measured)},
            {"tolerance", json_number(f.tolerance)},
            {"unit", f.unit},
            {"line", finding_line(f)},
            {"stimulus_s", json_number(f.stimulus_s)},
            {"reaction_s", json_number(f.reaction_s)},
            {"window_from_s", json_number(f.window_from_s)},
            {"window_to_s", json_number(f.window_to_s)}};
}

std::string vcd_link(const std::string& vcd_file, const std::string& base) {
    if (vcd_file.empty() || base.empty()) return vcd_file;
    return base + "/" + std::filesystem::path(vcd_file).filename().string();
}

json items_json(const HtmlReportInput& in) {
    json items = json::array();
    for (const rig::ScenarioResult& s : in.result->scenarios) {
        json findings = json::array();
        for (const rig::Finding& f : s.findings) findings.push_back(finding_json(f));
        json safety = json::array();
        for (const rig::SafetyFinding& x : s.safety) safety.push_back(safety_line(x));
        std::string why_no_plot;
        json plot = item_plot(in.plot_dirs, s, &why_no_plot);
        items.push_back({{"name", s.name},
                         {"group", s.group},
                         {"source", s.source},
                         {"status", rig::to_string(s.status)},
                         {"simulated_s", json_number(s.simulated_s)},
                         {"wall_s", json_number(s.wall_s)},
                         {"error", s.error},
                         {"vcd", vcd_link(s.vcd_file, in.vcd_link_base)},
                         {"findings", findings},
                         {"safety", safety},
                         {"plot", plot},
                         {"no_plot", why_no_plot}});
    }
    return items;
}

json settings_json(const std::vector<SettingRow>& rows) {
    json out = json::array();
    for (const SettingRow& r : rows)
        out.push_back({{"number", r.number}, {"key", r.key}, {"value", r.value}, {"unit", r.unit},
                       {"overridden", r.overridden}});
    return out;
}

json reasons_json(const std::vector<std::pair<int, std::string>>& list) {
    json out = json::object();
    for (const auto& [n, why] : list) out[std::to_string(n)] = why;
    return out;
}

json data_json(const HtmlReportInput& in) {
    const rig::SuiteResult& r = *in.result;
    int counts[4] = {0, 0, 0, 0};
    for (const auto& s : r.scenarios) ++counts[static_cast<int>(s.status)];
    json comparison = nullptr;
    if (!in.comparison_json.empty()) comparison = json::parse(in.comparison_json);
    return {{"title", in.title},
            {"firmware", r.firmware},
            {"firmware_file", r.firmware_file},
            {"board",
             {{"backend", r.board.backend},
              {"board", r.board.board},
              {"firmware", r.board.firmware},
              {"daq", r.board.daq},
              {"calibration", r.board.calibration}}},
            {"seed", r.seed},
            {"passed", r.passed()},
            {"interrupted", r.interrupted},
            {"not_run", r.not_run},
            {"wall_s", in.wall_s},
            {"counts",
             {{"items", r.scenarios.size()},
              {"passed", counts[0]},
              {"failed", counts[1]},
              {"error", counts[2]},
              {"timeout", counts[3]}}},
            {"parameters", settings_json(in.parameters)},
            {"switches", settings_json(in.switches)},
            {"coverage",
             {{"parameters_verified", r.coverage.parameters_verified},
              {"switches_verified", r.coverage.switches_verified},
              {"parameters_not_verifiable", reasons_json(r.coverage.parameters_not_verifiable)},
              {"switches_not_verifiable", reasons_json(r.coverage.switches_not_verifiable)},
              {"parameter_count", r.coverage.parameter_count},
              {"switch_count", r.coverage.switch_count}}},
            {"items", items_json(in)},
            {"baseline", in.baseline},
            {"comparison", comparison}};
}

// Inside <script>, "</" would end the element early: JSON may write it "<\/".
std::string script_safe(std::string text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t k = 0; k < text.size(); ++k) {
        if (text[k] == '<' && k + 1 < text.size() && text[k + 1] == '/') {
            out += "<\\/";
            ++k;
        } else {
            out += text[k];
        }
    }
    return out;
}

}  // namespace

// A passed item's plot keeps the envelope of the cells, the current, the
// temperatures and the outputs; a failed one every cell as well.
const std::vector<std::string>& passed_plot_probes() {
    static const std::vector<std::string> probes = {
        "cell_max_V",    "cell_min_V", "current_A", "cell_max_degC", "cell_min_degC",  "charge_fet",
        "discharge_fet", "precharge",  "heater",    "balancing",     "afe_sc_latched", "limiter"};
    return probes;
}

std::string html_report(const HtmlReportInput& in) {
    const std::string data = data_json(in).dump(-1, ' ', false, json::error_handler_t::replace);
    std::string page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    page += "<title>bms-hil: " + escape_xml_text(in.result->firmware.empty() ? "report" : in.result->firmware) +
            (in.title.empty() ? "" : " (" + escape_xml_text(in.title) + ")") + "</title>\n";
    page += "<style>\n" + std::string(assets::uplot_css) + "\n" + assets::report_css + "\n</style>\n</head>\n";
    page += "<body>\n<noscript>This report draws its tables and plots with JavaScript.</noscript>\n";
    page += "<main id=\"report\"></main>\n";
    page += "<script type=\"application/json\" id=\"report-data\">" + script_safe(data) + "</script>\n";
    page += "<script>\n" + script_safe(assets::uplot_js) + "\n</script>\n";
    page += "<script>\n" + std::string(assets::report_js) + "\n</script>\n</body>\n</html>\n";
    return page;
}

void write_html_report(const HtmlReportInput& input, const std::string& path) {
    write_file_atomically(path, html_report(input));
}

}  // namespace bmshil::reports
