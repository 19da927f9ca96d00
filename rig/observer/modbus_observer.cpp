#include "modbus_observer.h"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <modbus/modbus.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <thread>

namespace bmshil::rig {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), "ModbusObserver: " + what);
}

// Length of an RTU request of a standard function, from its first bytes; 0 =
// not known (yet). libmodbus writes a request in one write(), but a pty may
// hand it over in pieces; knowing the length lets the pump deliver at once
// instead of waiting for the quiet gap.
std::size_t request_length(const std::vector<std::uint8_t>& f) {
    if (f.size() < 2) return 0;
    switch (f[1]) {
    case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06:
        return 8;                                      // addr fc start(2) qty/value(2) crc(2)
    case 0x0F: case 0x10:
        return f.size() >= 7 ? 9u + f[6] : 0;          // ... byte count, data, crc(2)
    default:
        return 0;
    }
}

void check_address(int address, int count, int max_count) {
    if (count < 1 || count > max_count)
        throw std::out_of_range("ModbusObserver: " + std::to_string(count) + " registers, not 1.." +
                                std::to_string(max_count));
    if (address < 0 || address + count - 1 > 0xFFFF)
        throw std::out_of_range("ModbusObserver: registers " + std::to_string(address) + ".." +
                                std::to_string(address + count - 1) + " outside 0..65535");
}

void drain(int fd) {
    char bytes[16];
    while (::read(fd, bytes, sizeof bytes) > 0) {
    }
}

}  // namespace

ModbusObserver::ModbusObserver(Board& board, const RegisterMap& map, int slave_address,
                               const ModbusObserverConfig& config)
    : board_(board), map_(map), config_(config) {
    try {
        master_fd_ = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master_fd_ < 0) throw_errno("posix_openpt");
        if (grantpt(master_fd_) != 0) throw_errno("grantpt");
        if (unlockpt(master_fd_) != 0) throw_errno("unlockpt");
        char name[128];
        if (ptsname_r(master_fd_, name, sizeof name) != 0) throw_errno("ptsname");
        slave_path_ = name;
        // Raw bytes both ways: no echo, no CR/LF mapping, no flow control
        // characters, or CRC-protected binary frames would be altered.
        termios tio{};
        if (tcgetattr(master_fd_, &tio) != 0) throw_errno("tcgetattr");
        cfmakeraw(&tio);
        if (tcsetattr(master_fd_, TCSANOW, &tio) != 0) throw_errno("tcsetattr");
        const int flags = fcntl(master_fd_, F_GETFL);
        if (flags < 0 || fcntl(master_fd_, F_SETFL, flags | O_NONBLOCK) != 0) throw_errno("O_NONBLOCK");
        if (pipe2(done_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) throw_errno("pipe2");

        // The baud rate only configures the pty's termios; bytes move at
        // memory speed whatever it says.
        ctx_ = modbus_new_rtu(slave_path_.c_str(), 115200, 'N', 8, 1);
        if (!ctx_) throw_errno("modbus_new_rtu(" + slave_path_ + ")");
        modbus_set_debug(ctx_, config_.debug ? TRUE : FALSE);
        if (modbus_set_slave(ctx_, slave_address) != 0)
            throw ModbusError("ModbusObserver: slave address " + std::to_string(slave_address) + ": " +
                                  modbus_strerror(errno), 0);
        const int timeout_ms = config_.response_timeout_ms;
        modbus_set_response_timeout(ctx_, static_cast<std::uint32_t>(timeout_ms / 1000),
                                    static_cast<std::uint32_t>(timeout_ms % 1000) * 1000u);
        if (modbus_connect(ctx_) != 0)
            throw ModbusError("ModbusObserver: connect " + slave_path_ + ": " + modbus_strerror(errno), 0);
        worker_ = std::thread([this] { work(); });
    } catch (...) {
        close_all();
        throw;
    }
}

ModbusObserver::~ModbusObserver() {
    stop_worker();
    close_all();
}

void ModbusObserver::stop_worker() {
    if (!worker_.joinable()) return;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    worker_.join();
}

void ModbusObserver::work() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        changed_.wait(lock, [&] { return stopping_ || job_ != nullptr; });
        if (stopping_) return;
        const std::function<int(modbus_t*)>& call = *job_;
        lock.unlock();
        // The worker touches only the libmodbus context, never the Board.
        const int rc = call(ctx_);
        const int err = errno;
        lock.lock();
        job_ = nullptr;
        job_rc_ = rc;
        job_errno_ = err;
        job_done_ = true;
        changed_.notify_all();
        const char done = 1;
        while (::write(done_pipe_[1], &done, 1) < 0 && errno == EINTR) {
        }
    }
}

void ModbusObserver::close_all() {
    if (ctx_) {
        modbus_close(ctx_);
        modbus_free(ctx_);
        ctx_ = nullptr;
    }
    for (int& fd : done_pipe_) {
        if (fd >= 0) close(fd);
        fd = -1;
    }
    if (master_fd_ >= 0) close(master_fd_);
    master_fd_ = -1;
}

void ModbusObserver::transact(const std::string& what, const std::function<int(modbus_t*)>& call) {
    const auto start = Clock::now();
    // Bytes libmodbus left unread (a late or doubled answer) would be taken
    // for the start of this transaction's answer.
    modbus_flush(ctx_);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        job_ = &call;
        job_done_ = false;
    }
    changed_.notify_all();
    const auto wait_for_call = [&] {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return job_done_; });  // at the latest after the response timeout
    };
    try {
        pump_until_done(done_pipe_[0]);
    } catch (...) {
        wait_for_call();
        drain(done_pipe_[0]);  // its signal must not end the next transaction at once
        throw;
    }
    wait_for_call();
    const int rc = job_rc_, err = job_errno_;
    ++transactions_;
    transaction_wall_s_ += std::chrono::duration<double>(Clock::now() - start).count();
    if (rc == -1) {
        const bool answered = err > MODBUS_ENOBASE && err <= MODBUS_ENOBASE + MODBUS_EXCEPTION_GATEWAY_TARGET;
        throw ModbusError("ModbusObserver: " + what + ": " + modbus_strerror(err),
                          answered ? err - MODBUS_ENOBASE : 0);
    }
}

// Moves bytes between the pty and the board until the worker's call returns.
void ModbusObserver::pump_until_done(int done_fd) {
    std::vector<std::uint8_t> pending;
    auto last_byte = Clock::now();
    bool master_open = true;
    for (;;) {
        int timeout_ms = -1;  // the worker always returns: libmodbus times out
        if (!pending.empty()) {
            const auto quiet = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - last_byte);
            timeout_ms = std::max<int>(0, config_.quiet_gap_ms - static_cast<int>(quiet.count()));
        }
        pollfd fds[2] = {{master_open ? master_fd_ : -1, POLLIN, 0}, {done_fd, POLLIN, 0}};
        if (poll(fds, 2, timeout_ms) < 0) {
            if (errno == EINTR) continue;
            throw_errno("poll");
        }
        if (fds[0].revents & POLLIN) {
            std::uint8_t chunk[512];
            for (;;) {
                const ssize_t n = ::read(master_fd_, chunk, sizeof chunk);
                if (n > 0) {
                    pending.insert(pending.end(), chunk, chunk + n);
                    last_byte = Clock::now();
                } else if (n < 0 && errno == EINTR) {
                    continue;
                } else {
                    break;  // EAGAIN: drained; EIO: the slave side closed
                }
            }
        } else if (fds[0].revents & (POLLHUP | POLLERR)) {
            master_open = false;  // nobody on the slave side: nothing more to read
        }
        if (!pending.empty()) {
            const std::size_t want = request_length(pending);
            const bool complete = want != 0 && pending.size() >= want;
            const bool quiet = Clock::now() - last_byte >= std::chrono::milliseconds(config_.quiet_gap_ms);
            if (complete || quiet) {
                deliver(pending);
                pending.clear();
            }
        }
        if (fds[1].revents & POLLIN) {
            drain(done_fd);
            return;
        }
    }
}

// One request to the board at the current simulated time, its answer back to
// libmodbus.
void ModbusObserver::deliver(const std::vector<std::uint8_t>& request) {
    // Whatever the board sent before this request answers no request of ours
    // (e.g. a frame a test sent by hand); libmodbus must not see it.
    board_.take_sent();
    board_.send(request);
    board_.run_now();
    std::vector<std::uint8_t> reply = board_.take_sent();
    if (reply.empty()) {
        // A firmware that frames a request only at a call that brings no byte
        // (the RTU silent interval) answers in this second call.
        board_.run_now();
        reply = board_.take_sent();
    }
    if (!reply.empty()) write_to_master(reply);
}

void ModbusObserver::write_to_master(const std::vector<std::uint8_t>& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(master_fd_, bytes.data() + done, bytes.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            pollfd out{master_fd_, POLLOUT, 0};
            poll(&out, 1, 10);
        } else {
            throw_errno("write to the pty");
        }
    }
}

std::vector<std::uint16_t> ModbusObserver::read_holding(int address, int count) {
    check_address(address, count, MODBUS_MAX_READ_REGISTERS);
    std::vector<std::uint16_t> values(static_cast<std::size_t>(count));
    transact("read holding registers " + std::to_string(address) + " x" + std::to_string(count),
             [&](modbus_t* ctx) { return modbus_read_registers(ctx, address, count, values.data()); });
    return values;
}

std::vector<std::uint16_t> ModbusObserver::read_input(int address, int count) {
    check_address(address, count, MODBUS_MAX_READ_REGISTERS);
    std::vector<std::uint16_t> values(static_cast<std::size_t>(count));
    transact("read input registers " + std::to_string(address) + " x" + std::to_string(count),
             [&](modbus_t* ctx) { return modbus_read_input_registers(ctx, address, count, values.data()); });
    return values;
}

void ModbusObserver::write_register(int address, std::uint16_t value) {
    check_address(address, 1, 1);
    transact("write register " + std::to_string(address) + " = " + std::to_string(value),
             [&](modbus_t* ctx) { return modbus_write_register(ctx, address, value); });
}

void ModbusObserver::write_registers(int address, const std::vector<std::uint16_t>& values) {
    check_address(address, static_cast<int>(values.size()), MODBUS_MAX_WRITE_REGISTERS);
    transact("write registers " + std::to_string(address) + " x" + std::to_string(values.size()),
             [&](modbus_t* ctx) {
                 return modbus_write_registers(ctx, address, static_cast<int>(values.size()), values.data());
             });
}

std::int64_t ModbusObserver::read_raw(const Register& reg) {
    const std::vector<std::uint16_t> w = read_holding(reg.address, reg.words);
    std::uint32_t raw = w[0];
    if (reg.words == 2)
        raw = map_.high_word_first() ? (std::uint32_t{w[0]} << 16) | w[1] : (std::uint32_t{w[1]} << 16) | w[0];
    const std::int64_t value = signed_raw(reg, raw);
    if (on_read_) on_read_(reg, value);
    return value;
}

double ModbusObserver::read(const std::string& name) {
    const Register& reg = map_.by_name(name);
    return static_cast<double>(read_raw(reg)) * reg.scale;
}

std::vector<std::uint16_t> ModbusObserver::encode(const Register& reg, double physical_value) const {
    const int bits = 16 * reg.words;
    const std::int64_t min = reg.is_signed ? -(std::int64_t{1} << (bits - 1)) : 0;
    const std::int64_t max = reg.is_signed ? (std::int64_t{1} << (bits - 1)) - 1 : (std::int64_t{1} << bits) - 1;
    const double rounded = std::round(physical_value / reg.scale);
    if (!std::isfinite(rounded) || rounded < static_cast<double>(min) || rounded > static_cast<double>(max))
        throw std::out_of_range("ModbusObserver: " + std::to_string(physical_value) + " " + reg.unit +
                                " does not fit register " + reg.name);
    // Two's complement over the register's words.
    const auto raw = static_cast<std::uint32_t>(static_cast<std::int64_t>(rounded) & ((std::int64_t{1} << bits) - 1));
    if (reg.words == 1) return {static_cast<std::uint16_t>(raw)};
    const auto high = static_cast<std::uint16_t>(raw >> 16);
    const auto low = static_cast<std::uint16_t>(raw & 0xFFFFu);
    return map_.high_word_first() ? std::vector<std::uint16_t>{high, low} : std::vector<std::uint16_t>{low, high};
}

void ModbusObserver::write(const std::string& name, double physical_value) {
    const Register& reg = map_.by_name(name);
    if (!reg.writable) throw std::invalid_argument("ModbusObserver: register " + name + " is read-only");
    const std::vector<std::uint16_t> words = encode(reg, physical_value);
    if (words.size() == 1)
        write_register(reg.address, words[0]);
    else
        write_registers(reg.address, words);
}

}  // namespace bmshil::rig
