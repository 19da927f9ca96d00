// Seeded random numbers. Every draw in the model comes from a seed the run
// prints, so the same seed gives the same trace on every machine (the
// standard library's distributions differ between implementations; these
// do not).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace bmshil::model {

class Random {
public:
    explicit Random(std::uint64_t seed) {
        std::uint64_t x = seed;
        for (auto& s : state_) s = splitmix64(x);
    }

    std::uint64_t next() {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    // Uniform in [0, 1).
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

    // Standard normal (Box-Muller).
    double normal() {
        double u1 = uniform();
        while (u1 <= 0.0) u1 = uniform();
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
    double normal(double mean, double sigma) { return mean + sigma * normal(); }

private:
    static std::uint64_t splitmix64(std::uint64_t& x) {
        std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

    std::array<std::uint64_t, 4> state_{};
};

// Gaussian measurement noise for the hot path: a seeded table of standard
// normal draws indexed by a cheap generator. ADC noise needs the right
// distribution and reproducibility, not cryptographic independence.
class NoiseTable {
public:
    explicit NoiseTable(std::uint64_t seed) : rng_(seed) {
        for (auto& v : table_) v = rng_.normal();
    }
    double next() { return table_[rng_.next() & (kSize - 1)]; }
    // n draws at once, five from each 64-bit number (12 bits index the table):
    // the measurement of every channel of the AFE in a fifth of the draws.
    void fill(double* out, std::size_t n) {
        std::size_t k = 0;
        while (k < n) {
            std::uint64_t r = rng_.next();
            for (int j = 0; j < 5 && k < n; ++j, ++k, r >>= 12) out[k] = table_[r & (kSize - 1)];
        }
    }

private:
    static constexpr std::size_t kSize = 4096;
    Random rng_;
    std::array<double, kSize> table_{};
};

}  // namespace bmshil::model
