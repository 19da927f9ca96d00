// A fake board behind the firmware's HAL, for the unit tests: inputs are plain
// fields, time moves only when the test says so, outputs are recorded.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" {
#include "bms.h"
#include "crc.h"
#include "ntc.h"
#include "regmap.h"
}

namespace bmstest {

constexpr int32_t kNominalCellMv = 3300;
constexpr uint32_t kTickMs = 10;

// Ohm value whose firmware reading is exactly t_dc (0.1 degC): a search over the
// firmware's own monotonic conversion (the conversion itself is tested apart).
inline uint32_t ohm_for_dc(int32_t t_dc)
{
    uint32_t lo = 60, hi = 900000; // reading(lo) hot, reading(hi) cold
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (bms_ntc_ohm_to_dc(mid) > t_dc) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    // hi: first ohm reading <= t_dc
    return hi;
}

class FakeBoard {
public:
    FakeBoard() : storage(2048, 0xFF)
    {
        for (int i = 0; i < 16; i++) {
            cell_mv[i] = kNominalCellMv;
        }
        // The pack's long interconnect: 10 mOhm after cell 9 (#83 at #84), as the
        // model's default pack has it.
        link_uohm[8] = 10000;
        for (auto &n : ntc_ohm) {
            n = 10000; // 25 degC
        }
        hal.user = this;
        hal.now_ms = [](void *u) { return self(u)->now_ms; };
        hal.read_adc = [](void *u, bms_adc_sample *s) { self(u)->fill_adc(s); };
        hal.button_pressed = [](void *u) { return self(u)->button; };
        hal.set_outputs = [](void *u, const bms_outputs *o) {
            self(u)->out = *o;
            self(u)->outputs_set++;
        };
        hal.afe_configure_sc = [](void *u, int32_t thr, uint32_t d) {
            self(u)->sc_threshold_ma = thr;
            self(u)->sc_delay_us = d;
        };
        hal.afe_sc_latched = [](void *u, uint32_t *trip) -> uint8_t {
            *trip = self(u)->sc_trip_ms;
            return self(u)->sc_latched;
        };
        hal.afe_sc_release = [](void *u) {
            self(u)->sc_latched = 0;
            self(u)->sc_releases++;
        };
        hal.uart_read = [](void *u, uint8_t *buf, size_t max) -> size_t {
            auto *b = self(u);
            size_t n = b->rx.size() < max ? b->rx.size() : max;
            if (n == 0) return 0;
            std::memcpy(buf, b->rx.data(), n);
            b->rx.erase(b->rx.begin(), b->rx.begin() + static_cast<long>(n));
            return n;
        };
        hal.uart_write = [](void *u, const uint8_t *buf, size_t len) {
            self(u)->tx.insert(self(u)->tx.end(), buf, buf + len);
        };
        hal.storage_size = [](void *u) -> size_t { return self(u)->storage.size(); };
        hal.storage_read = [](void *u, uint32_t off, void *buf, size_t len) -> int {
            auto *b = self(u);
            if (off + len > b->storage.size()) return -1;
            std::memcpy(buf, b->storage.data() + off, len);
            return 0;
        };
        hal.storage_write = [](void *u, uint32_t off, const void *buf, size_t len) -> int {
            auto *b = self(u);
            if (b->storage_fail || off + len > b->storage.size()) return -1;
            std::memcpy(b->storage.data() + off, buf, len);
            b->storage_writes++;
            return 0;
        };
        hal.schedule_next_run = [](void *u, uint32_t d) { self(u)->next_run_ms = d; };
    }

    void boot()
    {
        bms_init(&ctx, &hal);
        step();
    }

    void step() { bms_step(&ctx); }
    void tick(uint32_t ms = kTickMs)
    {
        now_ms += ms;
        step();
    }
    void run(uint32_t ms, uint32_t step_ms = kTickMs)
    {
        for (uint32_t t = 0; t < ms; t += step_ms) {
            tick(step_ms);
        }
    }
    // Run until pred holds or limit_ms passes; returns the time it took.
    uint32_t run_until(const std::function<bool()> &pred, uint32_t limit_ms, uint32_t step_ms = kTickMs)
    {
        uint32_t t = 0;
        while (!pred() && t < limit_ms) {
            tick(step_ms);
            t += step_ms;
        }
        return t;
    }

    // --- the judged quantities, set the way a real pack would show them ---
    void set_all_cells(int32_t mv)
    {
        for (auto &c : cell_mv) c = mv;
    }
    void set_pack(int32_t total_mv)
    {
        for (int i = 0; i < 16; i++) {
            cell_mv[i] = total_mv / 16 + (i < total_mv % 16 ? 1 : 0);
        }
    }
    int32_t pack_mv() const
    {
        int32_t s = 0;
        for (auto c : cell_mv) s += c;
        return s;
    }
    void set_ntc_dc(int ntc, int32_t t_dc) { ntc_ohm[ntc] = ohm_for_dc(t_dc); }

    void fill_adc(bms_adc_sample *s) const
    {
        for (int i = 0; i < 16; i++) {
            // A tap that straddles an interconnect shows +I*R (mA x uOhm = nV).
            s->cell_uv[i] = cell_mv[i] * 1000 + static_cast<int32_t>(
                                                    static_cast<int64_t>(current_ma) * link_uohm[i] / 1000);
        }
        s->pack_terminal_mv = terminal_override ? terminal_mv : pack_mv();
        s->current_ma = current_ma;
        for (int i = 0; i < 6; i++) s->ntc_ohm[i] = ntc_ohm[i];
    }

    // --- configuration shortcuts (what a Modbus write does, without the frames) ---
    void set_param(unsigned n, int32_t v)
    {
        bms_config c = ctx.cfg;
        c.param[n - 1] = v;
        apply(c);
    }
    void set_switch(unsigned n, bool on)
    {
        bms_config c = ctx.cfg;
        bms_cfg_set_switch(&c, n, on ? 1 : 0);
        apply(c);
    }
    void set_extra(unsigned e, int32_t v)
    {
        bms_config c = ctx.cfg;
        c.extra[e] = v;
        apply(c);
    }
    void apply(const bms_config &c);

    // --- observation ---
    bool alarm(unsigned b) const { return (ctx.alarms >> b) & 1u; }
    bool prot(unsigned b) const { return (ctx.prots >> b) & 1u; }
    bool fault(unsigned b) const { return (ctx.faults >> b) & 1u; }
    int32_t param(unsigned n) const { return ctx.cfg.param[n - 1]; }

    // --- Modbus ---
    static std::vector<uint8_t> with_crc(std::vector<uint8_t> f)
    {
        uint16_t crc = bms_crc16_modbus(f.data(), f.size());
        f.push_back(static_cast<uint8_t>(crc & 0xFF));
        f.push_back(static_cast<uint8_t>(crc >> 8));
        return f;
    }
    // Sends one frame in one call, then one call with no byte; returns the reply.
    std::vector<uint8_t> transact(const std::vector<uint8_t> &frame)
    {
        tx.clear();
        rx = frame;
        tick();
        tick();
        return tx;
    }
    std::vector<uint8_t> read_regs(uint16_t addr, uint16_t qty, uint8_t fc = 3, uint8_t slave = 1)
    {
        return transact(with_crc({slave, fc, static_cast<uint8_t>(addr >> 8), static_cast<uint8_t>(addr),
                                  static_cast<uint8_t>(qty >> 8), static_cast<uint8_t>(qty)}));
    }
    std::vector<uint8_t> write_reg(uint16_t addr, uint16_t v, uint8_t slave = 1)
    {
        return transact(with_crc({slave, 6, static_cast<uint8_t>(addr >> 8), static_cast<uint8_t>(addr),
                                  static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)}));
    }
    std::vector<uint8_t> write_regs(uint16_t addr, const std::vector<uint16_t> &v, uint8_t slave = 1)
    {
        std::vector<uint8_t> f{slave, 16, static_cast<uint8_t>(addr >> 8), static_cast<uint8_t>(addr), 0,
                               static_cast<uint8_t>(v.size()), static_cast<uint8_t>(v.size() * 2)};
        for (auto w : v) {
            f.push_back(static_cast<uint8_t>(w >> 8));
            f.push_back(static_cast<uint8_t>(w));
        }
        return transact(with_crc(f));
    }
    // Reads one register through Modbus; -1 on an exception or no reply.
    int32_t reg(uint16_t addr)
    {
        auto r = read_regs(addr, 1);
        if (r.size() != 7 || r[1] != 3) return -1;
        return (r[3] << 8) | r[4];
    }

    bms_hal hal{};
    bms_ctx ctx{};
    uint32_t now_ms = 1000;
    int32_t cell_mv[16]{};
    int32_t link_uohm[16]{};
    int32_t current_ma = 0;
    bool terminal_override = false;
    int32_t terminal_mv = 0;
    uint32_t ntc_ohm[6]{};
    uint8_t button = 0;
    uint8_t sc_latched = 0;
    uint32_t sc_trip_ms = 0;
    int sc_releases = 0;
    int32_t sc_threshold_ma = 0;
    uint32_t sc_delay_us = 0;
    bms_outputs out{};
    int outputs_set = 0;
    std::vector<uint8_t> rx, tx;
    std::vector<uint8_t> storage;
    bool storage_fail = false;
    int storage_writes = 0;
    uint32_t next_run_ms = 0;

private:
    static FakeBoard *self(void *u) { return static_cast<FakeBoard *>(u); }
};

inline void FakeBoard::apply(const bms_config &c)
{
    int r = bms_apply_config(&ctx, &c);
    if (r != 0) {
        throw std::runtime_error("config refused at parameter " + std::to_string(r));
    }
}

// ---- coverage registry: which test exercises which parameter / switch ----
struct CoverageRow {
    std::string test;
    std::vector<int> params;
    std::vector<int> switches;
    std::string reason; // non-empty: "stored and reported" only, and why
};
std::vector<CoverageRow> &coverage_rows();
struct CoverageRegistrar {
    CoverageRegistrar(CoverageRow row) { coverage_rows().push_back(std::move(row)); }
};
#define BMS_COVERS_CAT2(a, b) a##b
#define BMS_COVERS_CAT(a, b) BMS_COVERS_CAT2(a, b)
#define BMS_COVERS(test, params, switches)                                                  \
    static ::bmstest::CoverageRegistrar BMS_COVERS_CAT(bms_cov_, __LINE__)(                 \
        ::bmstest::CoverageRow{test, std::vector<int> params, std::vector<int> switches, ""})
#define BMS_STORED_ONLY(test, switches, reason)                                             \
    static ::bmstest::CoverageRegistrar BMS_COVERS_CAT(bms_cov_, __LINE__)(                 \
        ::bmstest::CoverageRow{test, {}, std::vector<int> switches, reason})

} // namespace bmstest
