#include "bus_sniffer.h"

namespace bmshil::rig::live {
namespace {

// Modbus RTU CRC-16 (polynomial 0xA001, initial 0xFFFF), low byte first on the line.
std::uint16_t crc16(const std::uint8_t* p, std::size_t n) {
    std::uint16_t crc = 0xFFFF;
    for (std::size_t i = 0; i < n; ++i) {
        crc ^= p[i];
        for (int b = 0; b < 8; ++b) crc = (crc & 1) ? static_cast<std::uint16_t>((crc >> 1) ^ 0xA001) : crc >> 1;
    }
    return crc;
}

bool crc_ok(const std::vector<std::uint8_t>& f, std::size_t n) {
    if (n < 4 || f.size() < n) return false;
    const std::uint16_t crc = crc16(f.data(), n - 2);
    return f[n - 2] == (crc & 0xFF) && f[n - 1] == (crc >> 8);
}

}  // namespace

void BusSniffer::from_masters(const std::vector<std::uint8_t>& bytes, double t_s) {
    request_.insert(request_.end(), bytes.begin(), bytes.end());
    // A read request is 8 bytes; anything else (a write) is let go.
    while (request_.size() >= 8) {
        const bool read = (request_[1] == 0x03 || request_[1] == 0x04) && request_[0] == slave_;
        if (read && crc_ok(request_, 8)) {
            first_ = (request_[2] << 8) | request_[3];
            count_ = (request_[4] << 8) | request_[5];
            asked_s_ = t_s;
            answer_.clear();
        }
        request_.clear();
    }
}

void BusSniffer::to_masters(const std::vector<std::uint8_t>& bytes) {
    if (first_ < 0) return;
    answer_.insert(answer_.end(), bytes.begin(), bytes.end());
    if (answer_.size() < 3) return;
    if (answer_[1] & 0x80) {  // an exception: nothing read
        first_ = -1;
        return;
    }
    const std::size_t n = 3u + answer_[2] + 2u;
    if (answer_.size() < n) return;
    if (crc_ok(answer_, n) && answer_[2] == 2 * count_) {
        for (int k = 0; k < count_; ++k)
            words_[first_ + k] = static_cast<std::uint16_t>((answer_[3 + 2 * k] << 8) | answer_[4 + 2 * k]);
        last_read_s_ = asked_s_;
    }
    first_ = -1;
    answer_.clear();
}

std::optional<std::uint32_t> BusSniffer::value(const Register& reg, bool high_word_first) const {
    const auto a = words_.find(reg.address);
    if (a == words_.end()) return std::nullopt;
    if (reg.words == 1) return a->second;
    const auto b = words_.find(reg.address + 1);
    if (b == words_.end()) return std::nullopt;
    return high_word_first ? (static_cast<std::uint32_t>(a->second) << 16) | b->second
                           : (static_cast<std::uint32_t>(b->second) << 16) | a->second;
}

std::optional<std::vector<std::string>> BusSniffer::bits_set(const Register& reg, bool high_word_first) const {
    const auto v = value(reg, high_word_first);
    if (!v) return std::nullopt;
    std::vector<std::string> names;
    for (const RegisterBit& bit : reg.bits)
        if ((*v >> bit.bit) & 1u) names.push_back(bit.name);
    return names;
}

}  // namespace bmshil::rig::live
