// Where the masters of `bmshil serve` reach the board's RS485 port: a
// pseudo-terminal that serial masters open by its path (mbpoll, pymodbus,
// any program that opens /dev/ttyUSB0), and a TCP socket carrying the raw RTU
// bytes, as an RS485-to-Ethernet converter does. Both are one bus: every
// master hears what the board sends.
#pragma once

#include <poll.h>

#include <cstdint>
#include <string>
#include <vector>

namespace bmshil::rig::live {

class BytePort {
public:
    virtual ~BytePort() = default;
    // What to poll for bytes from masters (appended).
    virtual void add_poll_fds(std::vector<pollfd>& fds) const = 0;
    // Bytes the masters wrote since the last call (accepts new clients too).
    virtual std::vector<std::uint8_t> read_available() = 0;
    // Bytes to every master on this port; a master gone is dropped.
    virtual void write(const std::vector<std::uint8_t>& bytes) = 0;
    // Where a master connects (a path, host:port).
    virtual std::string address() const = 0;
};

class PtyPort : public BytePort {
public:
    // A new pseudo-terminal in raw mode; `link_path`, if given, is made a
    // symbolic link to it (a stable name for a master's configuration).
    explicit PtyPort(const std::string& link_path = "");
    ~PtyPort() override;
    PtyPort(const PtyPort&) = delete;
    PtyPort& operator=(const PtyPort&) = delete;

    void add_poll_fds(std::vector<pollfd>& fds) const override;
    std::vector<std::uint8_t> read_available() override;
    void write(const std::vector<std::uint8_t>& bytes) override;
    std::string address() const override { return link_path_.empty() ? path_ : link_path_; }
    const std::string& device_path() const { return path_; }

private:
    int master_fd_ = -1;
    // Held open so the master never sees a hang-up between two clients.
    int slave_fd_ = -1;
    std::string path_, link_path_;
};

class TcpPort : public BytePort {
public:
    // Listens on host:port (port 0: one the system picks).
    TcpPort(const std::string& host, int port);
    ~TcpPort() override;
    TcpPort(const TcpPort&) = delete;
    TcpPort& operator=(const TcpPort&) = delete;

    void add_poll_fds(std::vector<pollfd>& fds) const override;
    std::vector<std::uint8_t> read_available() override;
    void write(const std::vector<std::uint8_t>& bytes) override;
    std::string address() const override;
    int port() const { return port_; }
    std::size_t clients() const { return clients_.size(); }

private:
    void accept_clients();
    int listen_fd_ = -1;
    std::string host_;
    int port_ = 0;
    std::vector<int> clients_;
};

}  // namespace bmshil::rig::live
