// A board in another process or on a bench, over BMSHIL-DAQ/1 (PROTOCOL.md).
// Lock-step: every firmware call of the rig is one STEP, so the run is the
// native run, call for call.
#pragma once

#include <chrono>
#include <memory>
#include <vector>
#include <string>

#include "adapters/board_adapter.h"
#include "adapters/zmq/link.h"

namespace bmshil::rig {

struct ZmqAdapterOptions {
    daq::LinkOptions link;
    std::string mode = "lockstep";
    std::size_t storage_bytes = 4096;
    std::size_t tx_capacity = 1024;
    std::uint32_t tick_us = 10000;
    // Calls ahead per exchange (STEPS); 1 = one STEP per call.
    std::size_t max_calls_ahead = 4096;
};

class ZmqAdapter : public BoardAdapter {
public:
    // Connects and shakes hands; throws daq::LinkError (or VersionMismatch)
    // naming the board's address.
    explicit ZmqAdapter(ZmqAdapterOptions options);
    ~ZmqAdapter() override;  // BYE, briefly

    std::string name() const override { return identity_.firmware; }
    BoardIdentity identity() const override { return identity_; }
    DaqDeclaration daq() const override { return daq_; }
    void reset(bmshil_board_storage& storage) override;
    void step(const bmshil_board_inputs& in, bmshil_board_outputs& out, bmshil_board_port& port) override;
    std::size_t max_calls_ahead() const override { return options_.mode == "lockstep" ? options_.max_calls_ahead : 1; }
    std::size_t step_ahead(const bmshil_board_inputs* ins, const std::uint64_t* wakes, std::size_t n,
                           bmshil_board_outputs& out, bmshil_board_port& port) override;

    daq::ClientLink& link() { return *link_; }

    bool real_time() const override { return options_.mode == "realtime"; }
    bool afe_on_board() const override { return afe_on_board_; }
    bool board_afe_tripped(double* trip_s) const override;
    double last_edge_s() const override { return last_edge_s_; }
    double timing_slack_s() const override;
    std::string inconclusive_reason() const override;
    std::string link_figures() const override;

private:
    // Real time: the rig's paced clock, in microseconds of simulated time.
    double rig_clock_us() const;
    void pace_to(std::uint64_t now_us);
    void estimate_offset(int pings);
    void step_real_time(const bmshil_board_inputs& in, bmshil_board_outputs& out, bmshil_board_port& port);

    daq::Message request(const std::string& type, nlohmann::json body);
    void take_answer(const daq::Message& answer, bmshil_board_outputs& out, bmshil_board_port& port);

    ZmqAdapterOptions options_;
    zmq::context_t context_{1};
    std::unique_ptr<daq::ClientLink> link_;
    BoardIdentity identity_;
    DaqDeclaration daq_;
    bool afe_on_board_ = false;
    // Real time.
    bool anchored_ = false;
    std::chrono::steady_clock::time_point wall0_;
    std::uint64_t sim0_us_ = 0;
    double offset_us_ = 0.0;      // board clock minus the rig's
    double best_ping_us_ = 1e300;  // the round trip the offset was taken from
    std::vector<double> round_trips_us_;
    std::uint64_t ticks_ = 0, overruns_ = 0;
    double worst_lateness_us_ = 0.0;
    std::uint64_t next_ping_us_ = 0;
    bool board_tripped_ = false;
    double board_trip_s_ = 0.0;
    double last_edge_s_ = -1.0;
};

}  // namespace bmshil::rig
