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
    while (request_.size() >= 8) {
        // 03, 04 and 06 are 8 bytes; 16 is 9 and its data's byte count.
        const int function = request_[1];
        std::size_t n = 8;
        if (function == 0x10) n = 9u + request_[6];
        if (request_.size() < n) return;
        if (request_[0] == slave_ && crc_ok(request_, n) &&
            (function == 0x03 || function == 0x04 || function == 0x06 || function == 0x10)) {
            function_ = function;
            first_ = (request_[2] << 8) | request_[3];
            count_ = function == 0x06 ? 1 : (request_[4] << 8) | request_[5];
            writing_.clear();
            if (function == 0x06) writing_.push_back(static_cast<std::uint16_t>((request_[4] << 8) | request_[5]));
            if (function == 0x10)
                for (int k = 0; k < count_ && 7u + 2u * k + 1u < n - 2; ++k)
                    writing_.push_back(static_cast<std::uint16_t>((request_[7 + 2 * k] << 8) | request_[8 + 2 * k]));
            asked_s_ = t_s;
            answer_.clear();
            request_.erase(request_.begin(), request_.begin() + static_cast<long>(n));
        } else {
            // Another slave's request, or bytes out of step: let them go; the
            // next request starts on a buffer of its own.
            request_.clear();
        }
    }
}

void BusSniffer::to_masters(const std::vector<std::uint8_t>& bytes) {
    if (function_ == 0) return;
    answer_.insert(answer_.end(), bytes.begin(), bytes.end());
    if (answer_.size() < 3) return;
    if (answer_[1] & 0x80) {  // an exception: nothing read or written
        function_ = 0;
        answer_.clear();
        return;
    }
    const bool read = function_ == 0x03 || function_ == 0x04;
    const std::size_t n = read ? 3u + answer_[2] + 2u : 8u;  // a write's answer echoes its address and count
    if (answer_.size() < n) return;
    if (crc_ok(answer_, n) && answer_[1] == function_) {
        if (read && answer_[2] == 2 * count_) {
            for (int k = 0; k < count_; ++k)
                words_[first_ + k] = static_cast<std::uint16_t>((answer_[3 + 2 * k] << 8) | answer_[4 + 2 * k]);
            last_read_s_ = asked_s_;
        }
        if (!read && static_cast<int>(writing_.size()) == count_) {
            for (int k = 0; k < count_; ++k) {
                words_[first_ + k] = writing_[static_cast<std::size_t>(k)];
                written_.push_back(first_ + k);
            }
        }
    }
    function_ = 0;
    answer_.clear();
}

std::vector<int> BusSniffer::take_written() {
    std::vector<int> taken;
    taken.swap(written_);
    return taken;
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
