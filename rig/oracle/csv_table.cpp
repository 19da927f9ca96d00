#include "csv_table.h"

#include <fstream>

#include "spec.h"

namespace bmshil::rig::oracle {
namespace {

// RFC 4180 fields: commas inside quotes, doubled quotes.
std::vector<std::string> split_csv(const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                out.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                out.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.emplace_back();
        } else if (c != '\r') {
            out.back() += c;
        }
    }
    return out;
}

}  // namespace

std::vector<CsvRow> read_csv(const std::string& path, std::size_t columns) {
    std::ifstream in(path);
    if (!in) throw SpecError(path + ": cannot open");
    std::string line;
    std::vector<CsvRow> rows;
    int line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (line_no == 1 || line.empty()) continue;  // header
        auto fields = split_csv(line);
        if (fields.size() != columns)
            throw SpecError(path + ":" + std::to_string(line_no) + ": expected " + std::to_string(columns) +
                            " fields, got " + std::to_string(fields.size()));
        rows.push_back({line_no, std::move(fields)});
    }
    return rows;
}


}  // namespace bmshil::rig::oracle
