// The About:Energy 2 Ah LFP 18650 cell set against that cell's measured C/20
// and C/2 discharges (CC BY-SA 4.0 data, model/cell_sets/reference/).
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

#include "cell_profile.h"
#include "test_support.h"

namespace bmshil::model {
namespace {

struct Measured {
    std::vector<double> ah;  // delivered
    std::vector<double> v;
    double mean_current_A;
};

Measured load_measured(const std::string& file) {
    const auto cols = test::read_csv(test::reference(file));
    const auto& t = cols.at("Time [s]");
    const auto& i = cols.at("I[A]");
    const auto& v = cols.at("U[V]");
    Measured m{{0.0}, {v[0]}, 0.0};
    double sum_i = 0.0, sum_t = 0.0;
    for (std::size_t k = 1; k < t.size(); ++k) {
        const double dt = t[k] - t[k - 1];
        m.ah.push_back(m.ah.back() - i[k] * dt / 3600.0);
        m.v.push_back(v[k]);
        sum_i += i[k] * dt;
        sum_t += dt;
    }
    m.mean_current_A = sum_i / sum_t;
    return m;
}

void check(const std::string& file, const char* label, double rmse_limit_mV) {
    const Measured m = load_measured(file);
    const CellParams params = load_cell_params(test::cell_set("lfp_2ah_aboutenergy_18650"));
    CellRunOptions options;
    options.stop_below_V = 2.0;
    options.max_step_s = 5.0;
    const std::vector<ProfilePoint> profile{{0.0, m.mean_current_A}, {1e6, 0.0}};
    const auto samples = run_cell_profile(params, profile, options);
    std::vector<double> model_ah{0.0}, model_v{samples.front().voltage_V};
    for (std::size_t k = 1; k < samples.size(); ++k) {
        model_ah.push_back(model_ah.back() - samples[k].current_A * (samples[k].time_s - samples[k - 1].time_s) / 3600.0);
        model_v.push_back(samples[k].voltage_V);
    }
    const double measured_total = m.ah.back();
    const double model_total = model_ah.back();
    std::vector<double> err;
    for (std::size_t k = 0; k < m.ah.size(); ++k) {
        if (m.ah[k] > 0.95 * measured_total) break;
        if (m.ah[k] > model_total) break;
        err.push_back(interpolate(model_ah, model_v, m.ah[k]) - m.v[k]);
    }
    const double rmse_mV = test::rms(err) * 1e3;
    const double capacity_err = (model_total - measured_total) / measured_total;
    std::printf("%s at %.3f A: RMSE %.1f mV over the first 95 %% (limit %.0f mV); delivered %.4f Ah vs measured %.4f Ah "
                "(%+.2f %%, limit 3 %%)\n",
                label, m.mean_current_A, rmse_mV, rmse_limit_mV, model_total, measured_total, 100.0 * capacity_err);
    EXPECT_LE(rmse_mV, rmse_limit_mV);
    EXPECT_LE(std::abs(capacity_err), 0.03);
}

TEST(CellValidation, AboutEnergyC20Discharge) { check("timeseries_lfp18650_aboutenergy_25C_Co20.csv", "C/20", 10.0); }
TEST(CellValidation, AboutEnergyC2Discharge) { check("timeseries_lfp18650_aboutenergy_25C_Co2.csv", "C/2", 15.0); }

}  // namespace
}  // namespace bmshil::model

namespace bmshil::model {
namespace {

TEST(CellValidation, AboutEnergyPulseResistance) {
    // The pulse file: R0 = 19.3 mOhm at 2 ms; R_app(1 s) - R0 = 31-42 mOhm at
    // C/2..2C. Pulsed at SOC 0.9 (at SOC 1 the steep top of the OCV adds to it).
    auto type = std::make_shared<const CellType>(load_cell_params(test::cell_set("lfp_2ah_aboutenergy_18650")));
    for (double current : {1.0, 2.0, 4.0}) {
        Cell c(type, CellVariation{}, 0.9, 25.0);
        c.set_state(0.9, -1.0);
        const double v0 = c.terminal_V(0.0);
        c.step(-current, 0.002);
        const double r0 = (v0 - c.terminal_V(-current)) / current;
        c.step(-current, 0.998);
        const double r1s = (v0 - c.terminal_V(-current)) / current;
        std::printf("pulse %.1f A: R(2 ms) %.2f mOhm (19.3 +-10 %%), R(1 s) - R0 %.2f mOhm (31-42 +-20 %%)\n", current,
                    r0 * 1e3, (r1s - r0) * 1e3);
        EXPECT_NEAR(r0 * 1e3, 19.3, 1.93);
        EXPECT_GE((r1s - r0) * 1e3, 31.0 * 0.8);
        EXPECT_LE((r1s - r0) * 1e3, 42.0 * 1.2);
    }
}

}  // namespace
}  // namespace bmshil::model
