// Where an item's files are, by its name: the suite writes them, the reports
// read them. "generated/p005.delay" -> "generated_p005.delay.json".
#pragma once

#include <string>

namespace bmshil::reports {

inline std::string item_file_name(const std::string& item_name) {
    std::string s = item_name;
    for (char& c : s)
        if (c == '/' || c == ' ') c = '_';
    return s + ".json";
}

// The item's plot in plot_dir: "generated_p005.delay.plot.json".
inline std::string plot_file_for(const std::string& plot_dir, const std::string& item_name) {
    const std::string json = item_file_name(item_name);
    return plot_dir + "/" + json.substr(0, json.size() - 5) + ".plot.json";
}

}  // namespace bmshil::reports
