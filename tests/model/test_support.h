// Shared helpers of the model tests: paths of the bundled data and a reader for
// the reference CSVs (with '#' comment headers).
#pragma once

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cell_params.h"
#include "uniform_table.h"

namespace bmshil::test {

inline std::string source_path(const std::string& relative) {
    return std::string(BMSHIL_SOURCE_DIR) + "/" + relative;
}
inline std::string cell_set(const std::string& name) {
    return source_path("model/cell_sets/" + name + ".yaml");
}
inline std::string reference(const std::string& name) {
    return source_path("model/cell_sets/reference/" + name);
}

// Columns of a CSV by header name.
inline std::map<std::string, std::vector<double>> read_csv(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::string line;
    std::vector<std::string> names;
    std::map<std::string, std::vector<double>> columns;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream row(line);
        std::string cell;
        if (names.empty()) {
            while (std::getline(row, cell, ',')) names.push_back(cell);
            continue;
        }
        for (std::size_t i = 0; std::getline(row, cell, ',') && i < names.size(); ++i)
            columns[names[i]].push_back(std::strtod(cell.c_str(), nullptr));
    }
    return columns;
}

inline double rms(const std::vector<double>& v) {
    double s = 0.0;
    for (double x : v) s += x * x;
    return std::sqrt(s / static_cast<double>(v.size()));
}

}  // namespace bmshil::test
