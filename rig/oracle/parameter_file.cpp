#include "parameter_file.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "yaml/guarded_load.h"

namespace bmshil::rig::oracle {
namespace {

// Enough digits that a value read back is the value written.
std::string exact(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.10g", v);
    return b;
}

class Reader {
public:
    Reader(const Spec& spec, std::string file) : spec_(spec), file_(std::move(file)) {}

    [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const {
        throw ParameterFileError(where(at) + what);
    }
    std::string where(const YAML::Node& at) const {
        return at.Mark().line >= 0 ? file_ + ":" + std::to_string(at.Mark().line + 1) + ": " : file_ + ": ";
    }
    Origin origin(const YAML::Node& at) const { return {file_, at.Mark().line + 1}; }

    int number(const YAML::Node& key, const char* what, int count) {
        const std::string text = key.IsScalar() ? key.Scalar() : "";
        char* end = nullptr;
        const long n = std::strtol(text.c_str(), &end, 10);
        if (text.empty() || *end != '\0' || n < 1 || n > count)
            fail(key, std::string("expected a ") + what + " number 1.." + std::to_string(count) + ", got '" + text + "'");
        return static_cast<int>(n);
    }

    void read(const YAML::Node& root, ParameterSet& set) {
        if (root.IsNull()) return;
        if (!root.IsMap()) fail(root, "expected 'parameters:' and 'switches:' mappings");
        for (const auto& kv : root) {
            const std::string key = kv.first.Scalar();
            if (key != "parameters" && key != "switches")
                fail(kv.first, "unknown key '" + key + "' (expected parameters or switches)");
            if (kv.second.IsNull()) continue;
            if (!kv.second.IsMap()) fail(kv.second, key + ": expected number: value pairs");
            std::set<int> seen;
            for (const auto& entry : kv.second) {
                if (key == "parameters") {
                    const int n = number(entry.first, "parameter", static_cast<int>(spec_.parameters().size()));
                    if (!seen.insert(n).second) fail(entry.first, "parameter #" + std::to_string(n) + " given twice");
                    set.set(n, value(entry.second, n), origin(entry.first));
                } else {
                    const int n = number(entry.first, "switch", static_cast<int>(spec_.switches().size()));
                    if (!seen.insert(n).second) fail(entry.first, "switch " + std::to_string(n) + " given twice");
                    const std::string t = entry.second.IsScalar() ? entry.second.Scalar() : "";
                    if (t != "on" && t != "off")
                        fail(entry.second, "switch " + std::to_string(n) + ": expected on or off, got '" + t + "'");
                    set.set_switch(n, t == "on", origin(entry.first));
                }
            }
        }
    }

    double value(const YAML::Node& node, int n) {
        const Parameter& p = spec_.parameter(n);
        const std::string text = node.IsScalar() ? node.Scalar() : "";
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || !std::isfinite(v))
            fail(node, "parameter #" + std::to_string(n) + " " + p.key + ": expected a number in " + p.unit + ", got '" +
                           text + "'");
        return v;
    }

private:
    const Spec& spec_;
    std::string file_;
};

}  // namespace

ParameterSet parse_parameter_file(const Spec& spec, const std::string& yaml_text, const std::string& file_name) {
    ParameterSet set(spec);
    YAML::Node root;
    try {
        root = yaml::load(yaml_text, file_name);
    } catch (const yaml::YamlInputError& e) {
        throw ParameterFileError(e.what());
    }
    try {
        Reader(spec, file_name).read(root, set);
    } catch (const YAML::Exception& e) {
        throw ParameterFileError(file_name + (e.mark.line >= 0 ? ":" + std::to_string(e.mark.line + 1) : "") + ": " + e.msg);
    }
    return set;
}

ParameterSet load_parameter_file(const Spec& spec, const std::string& path) {
    if (path.empty()) return ParameterSet(spec);
    std::ifstream in(path);
    if (!in) throw ParameterFileError(path + ": cannot open parameter file");
    std::stringstream text;
    text << in.rdbuf();
    return parse_parameter_file(spec, text.str(), path);
}

std::string format_parameter_file(const ParameterSet& set, const std::string& header) {
    std::ostringstream out;
    std::istringstream lines(header);
    for (std::string line; std::getline(lines, line);) out << "# " << line << "\n";
    const Spec& spec = set.spec();
    out << "parameters:\n";
    for (const auto& [n, p] : spec.parameters())
        if (set[n] != p.default_value)
            out << "  " << n << ": " << exact(set[n]) << "    # " << p.name << ", " << p.unit << " (default "
                << exact(p.default_value) << ")\n";
    out << "switches:\n";
    for (const auto& [n, s] : spec.switches())
        if (set.switch_on(n) != s.default_on)
            out << "  " << n << ": " << (set.switch_on(n) ? "on" : "off") << "    # " << s.name << "\n";
    return out.str();
}

}  // namespace bmshil::rig::oracle
