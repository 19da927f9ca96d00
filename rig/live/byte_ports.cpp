#include "byte_ports.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace bmshil::rig::live {
namespace {

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

void set_nonblocking(int fd) {
    const int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) throw_errno("O_NONBLOCK");
}

// Reads what is there; false when the other side is gone.
bool read_some(int fd, std::vector<std::uint8_t>& out) {
    std::uint8_t chunk[512];
    for (;;) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n > 0) {
            out.insert(out.end(), chunk, chunk + n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        return false;  // 0: closed; EIO and others: gone
    }
}

// Writes all, waiting briefly when the other side's buffer is full; false
// when it is gone or does not read.
bool write_all(int fd, const std::vector<std::uint8_t>& bytes) {
    std::size_t done = 0;
    int stalls = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && ++stalls < 5) {
            pollfd p{fd, POLLOUT, 0};
            poll(&p, 1, 10);
        } else {
            return false;
        }
    }
    return true;
}

}  // namespace

PtyPort::PtyPort(const std::string& link_path) : link_path_(link_path) {
    master_fd_ = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master_fd_ < 0) throw_errno("posix_openpt");
    if (grantpt(master_fd_) != 0 || unlockpt(master_fd_) != 0) throw_errno("grantpt/unlockpt");
    char name[128];
    if (ptsname_r(master_fd_, name, sizeof name) != 0) throw_errno("ptsname");
    path_ = name;
    // Raw both ways: CRC-protected binary frames must pass unaltered.
    termios tio{};
    if (tcgetattr(master_fd_, &tio) != 0) throw_errno("tcgetattr");
    cfmakeraw(&tio);
    if (tcsetattr(master_fd_, TCSANOW, &tio) != 0) throw_errno("tcsetattr");
    set_nonblocking(master_fd_);
    slave_fd_ = ::open(path_.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (slave_fd_ < 0) throw_errno("open " + path_);
    if (tcgetattr(slave_fd_, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(slave_fd_, TCSANOW, &tio);
    }
    if (!link_path_.empty()) {
        ::unlink(link_path_.c_str());
        if (::symlink(path_.c_str(), link_path_.c_str()) != 0) throw_errno("symlink " + link_path_ + " -> " + path_);
    }
}

PtyPort::~PtyPort() {
    if (!link_path_.empty()) ::unlink(link_path_.c_str());
    if (slave_fd_ >= 0) ::close(slave_fd_);
    if (master_fd_ >= 0) ::close(master_fd_);
}

void PtyPort::add_poll_fds(std::vector<pollfd>& fds) const { fds.push_back({master_fd_, POLLIN, 0}); }

std::vector<std::uint8_t> PtyPort::read_available() {
    std::vector<std::uint8_t> bytes;
    read_some(master_fd_, bytes);  // the held slave end keeps it open
    return bytes;
}

void PtyPort::write(const std::vector<std::uint8_t>& bytes) {
    if (!write_all(master_fd_, bytes)) {
        // Nobody reads (no master has the port open): drop what waits, or the
        // next master would read an answer to someone else's question.
        tcflush(slave_fd_, TCIFLUSH);
    }
}

TcpPort::TcpPort(const std::string& host, int port) : host_(host) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw_errno("socket");
    const int on = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
        throw std::invalid_argument("--tcp: '" + host + "' is not an IPv4 address");
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw_errno("bind " + host + ":" + std::to_string(port));
    if (::listen(listen_fd_, 4) != 0) throw_errno("listen");
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    set_nonblocking(listen_fd_);
}

TcpPort::~TcpPort() {
    for (int fd : clients_) ::close(fd);
    if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::string TcpPort::address() const { return host_ + ":" + std::to_string(port_); }

void TcpPort::add_poll_fds(std::vector<pollfd>& fds) const {
    fds.push_back({listen_fd_, POLLIN, 0});
    for (int fd : clients_) fds.push_back({fd, POLLIN, 0});
}

void TcpPort::accept_clients() {
    for (;;) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        const int on = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);  // a frame goes out as it is written
        clients_.push_back(fd);
    }
}

std::vector<std::uint8_t> TcpPort::read_available() {
    accept_clients();
    std::vector<std::uint8_t> bytes;
    for (std::size_t k = 0; k < clients_.size();) {
        if (read_some(clients_[k], bytes)) {
            ++k;
        } else {
            ::close(clients_[k]);
            clients_.erase(clients_.begin() + static_cast<long>(k));
        }
    }
    return bytes;
}

void TcpPort::write(const std::vector<std::uint8_t>& bytes) {
    for (std::size_t k = 0; k < clients_.size();) {
        if (write_all(clients_[k], bytes)) {
            ++k;
        } else {
            ::close(clients_[k]);
            clients_.erase(clients_.begin() + static_cast<long>(k));
        }
    }
}

}  // namespace bmshil::rig::live
