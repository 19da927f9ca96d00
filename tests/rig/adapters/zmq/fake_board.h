// Test support: a board side made to misbehave, a ROUTER in a thread. It
// answers HELLO as the test says and ignores everything else.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "adapters/zmq/messages.h"

namespace bmshil::rig::testing {

class FakeBoard {
public:
    using HelloAnswer = std::function<void(zmq::socket_t&, const zmq::message_t& from, const daq::Message& hello)>;
    FakeBoard(const std::string& endpoint, HelloAnswer on_hello) : socket_(context_, zmq::socket_type::router) {
        socket_.set(zmq::sockopt::linger, 0);
        socket_.bind(endpoint);
        thread_ = std::thread([this, on_hello] {
            while (!stop_) {
                zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
                zmq::poll(&item, 1, std::chrono::milliseconds(20));
                if (!(item.revents & ZMQ_POLLIN)) continue;
                zmq::message_t from;
                const daq::Message m = daq::receive(socket_, &from);
                ++received_;
                if (m.type == "HELLO") on_hello(socket_, from, m);
            }
        });
    }
    ~FakeBoard() {
        stop_ = true;
        thread_.join();
    }
    FakeBoard(const FakeBoard&) = delete;
    FakeBoard& operator=(const FakeBoard&) = delete;
    int received() const { return received_; }

private:
    zmq::context_t context_{1};
    zmq::socket_t socket_;
    std::atomic<bool> stop_{false};
    std::atomic<int> received_{0};
    std::thread thread_;
};

// A board of the next major version refusing a version-1 HELLO, in its own frames.
inline void answer_as_version_2(zmq::socket_t& s, const zmq::message_t& from, const daq::Message& hello) {
    daq::Message e;
    e.protocol = "BMSHIL-DAQ/2";
    e.type = "ERROR";
    e.seq = hello.seq;
    e.body = daq::error_body("version", "this board speaks BMSHIL-DAQ/2", hello.seq);
    daq::send(s, e, zmq::message_t(from.data(), from.size()));
}

}  // namespace bmshil::rig::testing
