// Loading cell sets: the bundled ones load; bad ones fail naming file and key.
#include "cell_params.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>

#include "test_support.h"

namespace bmshil::model {
namespace {

std::string bundled_text() {
    std::ifstream in(test::cell_set("lfp_100ah_prismatic"));
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string write_temp(const std::string& text) {
    char name[] = "/tmp/bmshil_cell_XXXXXX";
    const int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    close(fd);
    std::ofstream(name) << text;
    return name;
}

std::string load_error(const std::string& text) {
    const std::string path = write_temp(text);
    try {
        load_cell_params(path);
    } catch (const CellParamsError& e) {
        std::remove(path.c_str());
        return e.what();
    }
    std::remove(path.c_str());
    return "";
}

TEST(CellParams, BundledSetsLoad) {
    const CellParams big = load_cell_params(test::cell_set("lfp_100ah_prismatic"));
    EXPECT_DOUBLE_EQ(big.capacity_Ah, 100.0);
    const CellParams small = load_cell_params(test::cell_set("lfp_2ah_aboutenergy_18650"));
    EXPECT_NEAR(small.capacity_Ah, 2.07, 0.1);
}

TEST(CellParams, MissingKeyNamesFileAndKey) {
    const std::string text = std::regex_replace(bundled_text(), std::regex("\\ncapacity_Ah:[^\\n]*"), "");
    const std::string err = load_error(text);
    EXPECT_NE(err.find("/tmp/bmshil_cell_"), std::string::npos) << err;
    EXPECT_NE(err.find("'capacity_Ah': missing"), std::string::npos) << err;
}

TEST(CellParams, UnknownKeyIsAnError) {
    // A value in the wrong unit under the wrong name must not pass silently.
    const std::string text = std::regex_replace(bundled_text(), std::regex("\\ncapacity_Ah:"), "\ncapacity_mAh:");
    const std::string err = load_error(text);
    EXPECT_NE(err.find("'capacity_mAh': unknown key"), std::string::npos) << err;
}

TEST(CellParams, ValueInWrongUnitIsOutOfRange) {
    // 100000 "Ah" is a capacity written in mAh.
    const std::string text = std::regex_replace(bundled_text(), std::regex("\\ncapacity_Ah:[^\\n]*"), "\ncapacity_Ah: 100000");
    const std::string err = load_error(text);
    EXPECT_NE(err.find("'capacity_Ah'"), std::string::npos) << err;
    EXPECT_NE(err.find("100000"), std::string::npos) << err;
    EXPECT_NE(err.find("outside"), std::string::npos) << err;
}

TEST(CellParams, NonMonotonicTableNamesKeyAndLine) {
    // Swap two SOC points of the resistance table.
    std::string text = bundled_text();
    const std::regex soc_line("(\\n  soc: \\[)([0-9.]+), ([0-9.]+), ");
    std::smatch m;
    const std::string::const_iterator start = text.cbegin() + static_cast<long>(text.find("\nresistance:"));
    ASSERT_TRUE(std::regex_search(start, text.cend(), m, soc_line));
    const std::string swapped = m[1].str() + m[3].str() + ", " + m[2].str() + ", ";
    text.replace(static_cast<std::size_t>(m.position(0) + (start - text.cbegin())), static_cast<std::size_t>(m.length(0)), swapped);
    const std::string err = load_error(text);
    EXPECT_NE(err.find("'resistance.soc': not strictly increasing"), std::string::npos) << err;
    EXPECT_TRUE(std::regex_search(err, std::regex("bmshil_cell_[A-Za-z0-9]+:[0-9]+: "))) << err;
}

TEST(CellParams, FormatOneKeysNameTheirReplacement) {
    // A format-1 file: the fast RC pair r1/tau1 and the slow pair r2/tau2.
    for (const char* old_key : {"r1_mohm", "tau1_s", "r2_mohm", "tau2_s"}) {
        const std::string text = std::regex_replace(
            bundled_text(), std::regex("\\n  r0_mohm:"), std::string("\n  ") + old_key + ": [1.0, 1.0]\n  r0_mohm:");
        const std::string err = load_error(text);
        std::printf("%s: %s\n", old_key, err.c_str());
        EXPECT_NE(err.find(std::string("'resistance.") + old_key + "'"), std::string::npos) << err;
        EXPECT_NE(err.find("replaced in format 2"), std::string::npos) << err;
        EXPECT_NE(err.find("charge_transfer"), std::string::npos) << err;
        EXPECT_NE(err.find("resistance.rc_mohm/rc_tau_s"), std::string::npos) << err;
        EXPECT_TRUE(std::regex_search(err, std::regex("bmshil_cell_[A-Za-z0-9]+:[0-9]+: "))) << err;
    }
}

TEST(CellParams, MissingExchangeCurrentNamesFileAndKey) {
    const std::string text = std::regex_replace(bundled_text(), std::regex("\\n  exchange_current_A:[^\\n]*"), "");
    const std::string err = load_error(text);
    std::printf("%s\n", err.c_str());
    EXPECT_NE(err.find("/tmp/bmshil_cell_"), std::string::npos) << err;
    EXPECT_NE(err.find("'charge_transfer.exchange_current_A': missing"), std::string::npos) << err;
}

TEST(CellParams, FormatTwoRanges) {
    const CellParams p = load_cell_params(test::cell_set("lfp_2ah_aboutenergy_18650"));
    EXPECT_GT(p.exchange_current_A, 0.0);
    EXPECT_EQ(p.rc_mohm.size(), p.resistance_soc.size());
    // A diffusion time of 0.1 s is below the 1 s the format allows.
    const std::string text =
        std::regex_replace(bundled_text(), std::regex("\\n  time_s:[^\\n]*"), "\n  time_s: 0.1");
    const std::string err = load_error(text);
    EXPECT_NE(err.find("'diffusion.time_s'"), std::string::npos) << err;
    EXPECT_NE(err.find("outside"), std::string::npos) << err;
}

TEST(CellParams, MissingFileIsReported) {
    try {
        load_cell_params("/nonexistent/cell.yaml");
        FAIL() << "no error";
    } catch (const CellParamsError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/cell.yaml"), std::string::npos);
    }
}

}  // namespace
}  // namespace bmshil::model
