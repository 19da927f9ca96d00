// `bmshil serve`: the simulated battery as a live device. The pack and a
// firmware (native, or a remote board) run held to the wall clock at a speed;
// the firmware's RS485 port is a pseudo-terminal and a raw-RTU TCP socket for
// real Modbus masters, through a line model at the configured baud rate; the
// world changes over a ZeroMQ control channel and from a scenario played live.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "bus_sniffer.h"
#include "byte_ports.h"
#include "pacer.h"
#include "serial_line.h"
#include "scenario/scenario.h"
#include "observer/register_map.h"
#include "session.h"

namespace bmshil::rig::live {

struct LiveOptions {
    SessionOptions session;
    double speed = 1.0;
    SerialFormat serial;
    std::string pty_link;          // a symbolic link to the pty ("" = none)
    bool tcp = true;
    std::string tcp_host = "127.0.0.1";
    int tcp_port = 0;              // 0: the system picks one
    std::string control = "tcp://127.0.0.1:*";  // ZeroMQ REP endpoint ("" = none)
    std::string scenario_file;     // played live, then the device keeps serving
    double run_for_s = 0.0;        // > 0: stop after this much simulated time
    bool status_line = true;       // on the terminal, when stderr is one
};

// Thrown out of the paced run when serving stops (Ctrl-C, a stop request, the
// time given elapsed): it unwinds a scenario played live.
class Stopped : public std::exception {
public:
    const char* what() const noexcept override { return "stopped"; }
};

class LiveServer {
public:
    // Builds the session (the parameters written over the port first), opens
    // the ports and the control channel.
    explicit LiveServer(const LiveOptions& options);
    ~LiveServer();

    // Where masters and clients connect.
    std::string pty_path() const { return pty_ ? pty_->address() : ""; }
    std::string pty_device() const { return pty_ ? pty_->device_path() : ""; }
    std::string tcp_address() const { return tcp_ ? tcp_->address() : ""; }
    std::string control_endpoint() const { return control_endpoint_; }

    // Serves until `stop` is set, a client asks to stop, or run_for_s passed;
    // plays the scenario first if one was given. Returns the scenario's
    // result, if one ran to its end.
    std::optional<ScenarioResult> serve(const std::atomic<bool>& stop);

    const PacingFigures& pacing() const { return pacer_.figures(); }
    std::uint64_t bytes_from_masters() const { return bytes_in_; }
    std::uint64_t bytes_to_masters() const { return bytes_out_; }
    // The status line's text (without the line's end).
    std::string status();

private:
    // Rig::run_for while live: slices of at most a tick, each run when the
    // wall clock has reached it, the ports and the control channel served
    // between them.
    void pace(double seconds);
    // Waits until simulated t_s is due on the wall clock or a master or a
    // client has something; returns the simulated time then reached.
    double wait_for(double t_s);
    // Bytes from masters, control requests, bytes to masters.
    void serve_io();
    // Parameters and switches the masters wrote and the board acknowledged:
    // the parameters in force follow them, so expressions sent over the
    // control channel and a scenario played live use what the board uses.
    void follow_writes(double now_s);
    void handle_control();
    std::string control_reply(const std::string& request);
    void show_status(bool force);
    // The bit words as the masters last read them (the status request's flags_read).
    nlohmann::json flags_read() const;

    LiveOptions options_;
    std::unique_ptr<Session> session_;
    Pacer pacer_;
    SerialLine to_board_, to_masters_;
    std::unique_ptr<RegisterMap> map_;
    BusSniffer sniffer_;
    std::unique_ptr<PtyPort> pty_;
    std::unique_ptr<TcpPort> tcp_;
    zmq::context_t zmq_;
    std::unique_ptr<zmq::socket_t> control_;
    std::string control_endpoint_;
    const std::atomic<bool>* stop_ = nullptr;
    bool stop_requested_ = false;
    double stop_at_s_ = 0.0;
    std::uint64_t bytes_in_ = 0, bytes_out_ = 0;
    double last_status_wall_s_ = -1.0;
    double last_traffic_s_ = -1e300;  // simulated time of the last byte or control change
    std::unique_ptr<scenario::Scenario> scenario_;
    bool status_on_tty_ = false;
    const Register* error_codes_ = nullptr;  // the map's error code bits, if it names them
    nlohmann::json written_on_bus_ = nlohmann::json::object();  // "5": {value, at_s}, "S3": {on, at_s}
};

}  // namespace bmshil::rig::live
