// One direction of the RS485 line at its baud rate, in simulated time: a byte
// put on the line at t arrives a character time later, and bytes queue behind
// one another (a UART sends one character at a time). `bmshil serve` has one
// line from the masters to the board and one back, so a master's inter-frame
// gaps and timeouts meet the firmware's framing as on a real line.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

namespace bmshil::rig::live {

struct SerialFormat {
    int baud = 9600;
    int data_bits = 8;
    char parity = 'N';  // N, E, O
    int stop_bits = 1;

    // Start bit, data, parity, stop bits.
    int bits_per_char() const { return 1 + data_bits + (parity == 'N' ? 0 : 1) + stop_bits; }
    double char_time_s() const { return bits_per_char() / static_cast<double>(baud); }
};

class SerialLine {
public:
    explicit SerialLine(const SerialFormat& format) : format_(format) {}

    // Bytes handed to the sending UART at t_s (they go out after any still
    // on the line).
    void send(const std::vector<std::uint8_t>& bytes, double t_s);
    // The bytes fully received by t_s, in order.
    std::vector<std::uint8_t> take_arrived(double t_s);
    // When the next byte arrives; +inf when the line is idle.
    double next_arrival_s() const;
    bool idle() const { return queue_.empty(); }
    const SerialFormat& format() const { return format_; }

private:
    struct Byte {
        std::uint8_t value;
        double arrives_s;
    };
    SerialFormat format_;
    std::deque<Byte> queue_;
    double line_free_s_ = -1e300;  // when the last queued byte's stop bit ends
};

}  // namespace bmshil::rig::live
