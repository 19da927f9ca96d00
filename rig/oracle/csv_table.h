// The spec's tables are RFC 4180 CSV with a header line. One reader for all
// of them, so every error names the file and the line.
#pragma once

#include <string>
#include <vector>

namespace bmshil::rig::oracle {

struct CsvRow {
    int line = 0;                      // 1-based line in the file
    std::vector<std::string> fields;
};

// Rows after the header; throws SpecError when a row has another number of
// fields than `columns`.
std::vector<CsvRow> read_csv(const std::string& path, std::size_t columns);

}  // namespace bmshil::rig::oracle
