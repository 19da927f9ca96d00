// `bmshil virtual-board`: a firmware library hosted in its own process behind
// BMSHIL-DAQ/1 (rig/adapters/zmq/PROTOCOL.md). Where CI has no board it stands
// in for one, and it is the reference a bench agent is written against.
//
// One ROUTER, one thread. Each session (a rig's DEALER, keyed on its routing
// id) gets a freshly loaded copy of the library, as a board gets a power-on:
// statics at their initial values, storage erased. Copies keep sessions apart,
// since a firmware keeps its state in globals.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "adapters/native/native_adapter.h"
#include "adapters/zmq/messages.h"

namespace bmshil::rig {

struct VirtualBoardOptions {
    std::string firmware_library;
    std::string bind = "tcp://127.0.0.1:5555";
    std::string secret_key_file;   // this server's secret certificate: CURVE on
    std::string allow_dir;         // client public certificates (*.key) let in
    int link_timeout_ms = 30000;   // a session silent this long is dropped
    int heartbeat_ms = 1000;
    std::string board_name = "bmshil virtual-board";
};

class VirtualBoard {
public:
    // Checks the firmware loads and binds; throws with the reason.
    explicit VirtualBoard(VirtualBoardOptions options);
    ~VirtualBoard();

    // The bound address (a tcp port given as * is resolved).
    std::string endpoint() const { return endpoint_; }
    // Serves until `stop` is set (checked at least every 100 ms).
    void serve(const std::atomic<bool>& stop);

    std::uint64_t firmware_calls() const { return firmware_calls_; }
    std::size_t sessions() const { return sessions_.size(); }

private:
    struct Session;
    void handle(const zmq::message_t& from, daq::Message& m);
    void answer(const zmq::message_t& to, Session* s, const daq::Message& request, const std::string& type,
                nlohmann::json body);
    void refuse(const zmq::message_t& to, const std::string& code, const std::string& message, std::uint64_t seq);
    void hello(const zmq::message_t& from, const daq::Message& m);
    void run_due_ticks();
    void plan_next_call(Session& s);
    void power_on(Session& s);  // a power-on reset: storage kept, outputs and AFE cleared
    void call_on_own_clock(Session& s);
    void call_firmware(Session& s);
    void handle_zap();
    void drop_idle_sessions();
    std::chrono::milliseconds time_to_next_tick() const;

    VirtualBoardOptions options_;
    std::string firmware_name_;
    std::string copies_dir_;
    zmq::context_t context_{1};
    zmq::socket_t router_;
    std::unique_ptr<zmq::socket_t> zap_;
    std::vector<std::string> allowed_keys_;
    std::string endpoint_;
    std::map<std::string, std::unique_ptr<Session>> sessions_;  // by routing id
    std::uint64_t next_copy_ = 0;
    std::uint64_t firmware_calls_ = 0;
};

}  // namespace bmshil::rig
