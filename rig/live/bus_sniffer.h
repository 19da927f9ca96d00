// What the bus last carried: `bmshil serve` watches the masters' requests
// (reads 03 and 04, writes 06 and 16) and the board's answers go by, and keeps
// each register's last value read or written and acknowledged. The status
// line shows the firmware's flags from it without a request of its own (one
// more would take the bus and call the firmware once more), and the
// parameters in force follow what the masters wrote.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "observer/register_map.h"

namespace bmshil::rig::live {

class BusSniffer {
public:
    explicit BusSniffer(int slave_address) : slave_(slave_address) {}

    // Bytes from the masters, and the board's bytes to them, as they go by.
    void from_masters(const std::vector<std::uint8_t>& bytes, double t_s);
    void to_masters(const std::vector<std::uint8_t>& bytes);

    // The words written since the last call, as the board acknowledged them
    // (an exception answer leaves nothing): their addresses, in order.
    std::vector<int> take_written();

    // The last value of a one- or two-word register (the map's word order).
    std::optional<std::uint32_t> value(const Register& reg, bool high_word_first) const;
    // The names of the bits set in a bit word as last read; nullopt if never read.
    std::optional<std::vector<std::string>> bits_set(const Register& reg, bool high_word_first) const;
    double last_read_s() const { return last_read_s_; }

private:
    int slave_;
    std::vector<std::uint8_t> request_, answer_;
    int function_ = 0;            // of the request waiting for its answer, 0 = none
    int first_ = -1, count_ = 0;
    std::vector<std::uint16_t> writing_;  // a write's words, until acknowledged
    std::vector<int> written_;
    double asked_s_ = 0.0, last_read_s_ = -1.0;
    std::map<int, std::uint16_t> words_;
};

}  // namespace bmshil::rig::live
