// The masters' ways to the board's port: bytes both ways through a real
// pseudo-terminal and a real TCP connection on loopback.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "live/byte_ports.h"

namespace bmshil::rig::live {
namespace {

std::vector<std::uint8_t> read_for(BytePort& port, std::size_t want) {
    std::vector<std::uint8_t> got;
    for (int i = 0; i < 200 && got.size() < want; ++i) {
        const auto bytes = port.read_available();
        got.insert(got.end(), bytes.begin(), bytes.end());
        if (got.size() < want) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return got;
}

std::vector<std::uint8_t> read_fd(int fd, std::size_t want) {
    std::vector<std::uint8_t> got(want);
    std::size_t n = 0;
    for (int i = 0; i < 200 && n < want; ++i) {
        const ssize_t r = ::read(fd, got.data() + n, want - n);
        if (r > 0) n += static_cast<std::size_t>(r);
        else std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    got.resize(n);
    return got;
}

TEST(PtyPort, BinaryFramesPassBothWaysUnaltered) {
    PtyPort port;
    // What a master opens: the device path, in raw mode as libmodbus sets it.
    const int master = ::open(port.device_path().c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK);
    ASSERT_GE(master, 0) << port.device_path();
    termios tio{};
    tcgetattr(master, &tio);
    cfmakeraw(&tio);
    tcsetattr(master, TCSANOW, &tio);
    // Bytes a cooked terminal would change: CR, LF, XON/XOFF, DEL, 0xFF.
    const std::vector<std::uint8_t> request{0x01, 0x03, 0x0D, 0x0A, 0x11, 0x13, 0x7F, 0xFF};
    ASSERT_EQ(::write(master, request.data(), request.size()), static_cast<ssize_t>(request.size()));
    EXPECT_EQ(read_for(port, request.size()), request);
    const std::vector<std::uint8_t> answer{0x01, 0x03, 0x02, 0x0D, 0x0A, 0xFF, 0x00};
    port.write(answer);
    EXPECT_EQ(read_fd(master, answer.size()), answer);
    ::close(master);
    // The master gone: the port reads nothing and does not fail.
    EXPECT_TRUE(port.read_available().empty());
}

TEST(TcpPort, RawBytesToAndFromEveryClient) {
    TcpPort port("127.0.0.1", 0);
    ASSERT_GT(port.port(), 0);
    const auto connect_client = [&] {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port.port()));
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
        EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        fcntl(fd, F_SETFL, O_NONBLOCK);
        return fd;
    };
    const int a = connect_client(), b = connect_client();
    const std::vector<std::uint8_t> request{0x01, 0x04, 0x00, 0x00, 0x00, 0x10, 0xF1, 0xC6};
    ASSERT_EQ(::write(a, request.data(), request.size()), static_cast<ssize_t>(request.size()));
    EXPECT_EQ(read_for(port, request.size()), request);
    EXPECT_EQ(port.clients(), 2u);
    // One bus: both clients hear the answer.
    const std::vector<std::uint8_t> answer{0x01, 0x04, 0x02, 0x12, 0x34, 0xB5, 0x33};
    port.write(answer);
    EXPECT_EQ(read_fd(a, answer.size()), answer);
    EXPECT_EQ(read_fd(b, answer.size()), answer);
    // A client that leaves is dropped.
    ::close(a);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    port.read_available();
    EXPECT_EQ(port.clients(), 1u);
    ::close(b);
}

TEST(TcpPort, BadAddressIsAClearError) {
    EXPECT_THROW(TcpPort("localhost:x", 0), std::invalid_argument);
}

}  // namespace
}  // namespace bmshil::rig::live
