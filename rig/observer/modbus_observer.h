// The rig's Modbus master on the board's RS485 port: a real libmodbus RTU
// master talks to the firmware's slave, so the rig reads and writes registers
// the way a user's PC tool would, CRC and framing included.
//
// libmodbus needs a serial device, the board offers a byte queue. A
// pseudo-terminal joins them: libmodbus opens the pty's slave side as its
// serial port, the observer holds the master side. Each transaction runs the
// libmodbus call on a worker thread while the calling thread pumps bytes:
// request bytes from the pty go to Board::send + Board::run_now, and what the
// board sent goes back into the pty. The Board (and the SystemC kernel behind
// it) is touched only from the calling thread.
//
// Simulated time does not advance during a transaction: the firmware answers
// in a call at the current simulated time, as if the bus were infinitely fast.
// The firmware's regular ticks keep their schedule; a test that needs bus
// timing in simulated time drives Board::send / run_now itself. A request is
// handed over in one run_now(); when that call brings no answer, a second call
// with no bytes follows (the RTU silent interval, for a firmware that frames
// at gaps). Bytes the board sent before a request are discarded, and bytes a
// test left in the firmware's receive buffer (a partial frame sent by hand)
// are the test's to flush with a run_now() of its own.
//
// Real-time cost: a thread start and three wake-ups per transaction, about
// 30 us on an idle 2-core machine, a few ms when both cores are busy.
#pragma once

#include <cstdint>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <stdexcept>
#include <string>
#include <vector>

#include "board.h"
#include "register_map.h"

struct _modbus;  // libmodbus's modbus_t, kept out of users' includes

namespace bmshil::rig {

class ModbusError : public std::runtime_error {
public:
    ModbusError(const std::string& what, int exception_code)
        : std::runtime_error(what), exception_code_(exception_code) {}
    // The Modbus exception code the slave answered with (1 illegal function,
    // 2 illegal data address, 3 illegal data value, 4 device failure, ...);
    // 0 when the failure was no exception answer (timeout, bad frame, ...).
    int exception_code() const { return exception_code_; }

private:
    int exception_code_;
};

struct ModbusObserverConfig {
    // Real time libmodbus waits for an answer; a silent slave costs this much.
    int response_timeout_ms = 1000;
    // A request whose length the pump cannot tell from its function code is
    // complete after this long without a new byte.
    int quiet_gap_ms = 3;
    bool debug = false;  // libmodbus prints every frame
};

class ModbusObserver {
public:
    ModbusObserver(Board& board, const RegisterMap& map, int slave_address,
                   const ModbusObserverConfig& config = ModbusObserverConfig{});
    ~ModbusObserver();
    ModbusObserver(const ModbusObserver&) = delete;
    ModbusObserver& operator=(const ModbusObserver&) = delete;

    // Raw access by address: functions 03, 04, 06 and 16.
    std::vector<std::uint16_t> read_holding(int address, int count);
    std::vector<std::uint16_t> read_input(int address, int count);
    void write_register(int address, std::uint16_t value);
    void write_registers(int address, const std::vector<std::uint16_t>& values);

    // By name, in physical units: raw (signed or not, 1 or 2 words in the
    // map's word order) x scale. write() rounds to the register's scale and
    // throws std::invalid_argument for a read-only register and
    // std::out_of_range for a value the register cannot hold.
    double read(const std::string& name);
    void write(const std::string& name, double physical_value);
    // The raw value of a register of 1 or 2 words, sign-extended if signed.
    std::int64_t read_raw(const Register& reg);
    // Told of every register read, after it was read (a waveform shows the
    // firmware's state as the rig read it next to the plant).
    void on_read(std::function<void(const Register&, std::int64_t raw)> listener) { on_read_ = std::move(listener); }
    // The words write() would send for a physical value (same errors).
    std::vector<std::uint16_t> encode(const Register& reg, double physical_value) const;

    const RegisterMap& map() const { return map_; }
    const std::string& pty_path() const { return slave_path_; }
    // Transactions so far and the real (wall) time they took.
    std::uint64_t transactions() const { return transactions_; }
    double transaction_wall_s() const { return transaction_wall_s_; }

private:
    // Runs call(ctx) on the worker thread and pumps the pty until it returns;
    // throws ModbusError when it returns -1.
    void transact(const std::string& what, const std::function<int(_modbus*)>& call);
    // The worker: one thread for the observer's life (a thread per
    // transaction cost more than the transaction), running one call at a time.
    void work();
    void stop_worker();
    void pump_until_done(int done_fd);
    void deliver(const std::vector<std::uint8_t>& request);
    void write_to_master(const std::vector<std::uint8_t>& bytes);
    void close_all();

    Board& board_;
    RegisterMap map_;  // a copy: the observer outlives whatever loaded it
    ModbusObserverConfig config_;
    int master_fd_ = -1;
    int done_pipe_[2] = {-1, -1};  // the worker's "call returned" signal to the pump
    std::string slave_path_;
    _modbus* ctx_ = nullptr;
    std::uint64_t transactions_ = 0;
    double transaction_wall_s_ = 0.0;
    std::function<void(const Register&, std::int64_t)> on_read_;

    std::thread worker_;
    std::mutex mutex_;
    std::condition_variable changed_;
    const std::function<int(_modbus*)>* job_ = nullptr;  // set: the worker runs it
    bool job_done_ = false;
    int job_rc_ = 0, job_errno_ = 0;
    bool stopping_ = false;
};

}  // namespace bmshil::rig
