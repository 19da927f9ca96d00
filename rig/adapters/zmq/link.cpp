#include "adapters/zmq/link.h"

#include <sys/stat.h>

#include <array>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

namespace bmshil::rig::daq {

namespace {

std::string quoted_value(const std::string& text, const std::string& key) {
    // A ZPL certificate line:    public-key = "Z85..."
    const std::regex line("^\\s*" + key + "\\s*=\\s*\"([^\"]{40})\"\\s*$");
    std::istringstream in(text);
    std::smatch m;
    for (std::string l; std::getline(in, l);)
        if (std::regex_match(l, m, line)) return m[1];
    return "";
}

std::string file_text(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw LinkError(path + ": cannot read the certificate");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_certificate(const std::string& path, const std::string& kind, const CurveKeys& keys, bool secret) {
    std::ofstream out(path, std::ios::trunc);
    if (!out) throw LinkError(path + ": cannot write the certificate");
    char date[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", std::gmtime(&now));
    out << "#   ****  Generated on " << date << " by bmshil keygen  ****\n"
        << "#   ZeroMQ CURVE " << kind << " Certificate\n"
        << (secret ? "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n"
                   : "#   Exchange securely, or use a secure mechanism to verify the contents\n"
                     "#   of this file after exchange.\n")
        << "\nmetadata\ncurve\n    public-key = \"" << keys.public_key << "\"\n";
    if (secret) out << "    secret-key = \"" << keys.secret_key << "\"\n";
    if (!out) throw LinkError(path + ": cannot write the certificate");
}

std::string describe(const LinkOptions& o) { return "board at " + o.endpoint; }

}  // namespace

CurveKeys read_certificate(const std::string& path) {
    const std::string text = file_text(path);
    CurveKeys k;
    k.public_key = quoted_value(text, "public-key");
    k.secret_key = quoted_value(text, "secret-key");
    if (k.public_key.empty())
        throw LinkError(path + ": no 'public-key = \"...\"' line of 40 Z85 characters (bmshil keygen writes one)");
    return k;
}

CurveKeys write_certificates(const std::string& dir, const std::string& name) {
    std::array<char, 41> pub{}, sec{};
    if (zmq_curve_keypair(pub.data(), sec.data()) != 0)
        throw LinkError(std::string("cannot make a CURVE keypair: ") + zmq_strerror(zmq_errno()));
    CurveKeys keys{pub.data(), sec.data()};
    std::filesystem::create_directories(dir);
    write_certificate(dir + "/" + name + ".key", "Public", keys, false);
    const std::string secret = dir + "/" + name + ".key_secret";
    write_certificate(secret, "Secret", keys, true);
    chmod(secret.c_str(), 0600);
    return keys;
}

std::vector<std::string> read_allowed_keys(const std::string& dir) {
    std::vector<std::string> keys;
    std::error_code ec;
    std::filesystem::directory_iterator it(dir, ec);
    if (ec) throw LinkError(dir + ": cannot read the allow-list directory: " + ec.message());
    for (const auto& entry : it)
        if (entry.path().extension() == ".key") keys.push_back(read_certificate(entry.path().string()).public_key);
    if (keys.empty()) throw LinkError(dir + ": no client certificate (*.key) in the allow-list directory");
    return keys;
}

void set_liveness_options(zmq::socket_t& socket, int timeout_ms) {
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::reconnect_ivl, 100);
    socket.set(zmq::sockopt::reconnect_ivl_max, 1000);
    // ZMTP heartbeats: a connection whose peer stops answering is closed.
    socket.set(zmq::sockopt::heartbeat_ivl, std::max(100, timeout_ms / 4));
    socket.set(zmq::sockopt::heartbeat_timeout, std::max(300, timeout_ms));
    socket.set(zmq::sockopt::heartbeat_ttl, std::max(300, timeout_ms));
}

ClientLink::ClientLink(zmq::context_t& context, LinkOptions options)
    : options_(std::move(options)), socket_(context, zmq::socket_type::dealer) {
    set_liveness_options(socket_, options_.timeout_ms);
    // Never block in send: with no board connected the request waits for the
    // next resend, and the answer timeout bounds it all.
    socket_.set(zmq::sockopt::sndtimeo, 0);
    // A routing id of our own: the session outlives a reconnect.
    std::random_device entropy;
    std::array<std::uint8_t, 16> id;
    for (auto& b : id) b = static_cast<std::uint8_t>(entropy());
    id[0] |= 0x01;  // libzmq reserves ids starting with a zero byte
    socket_.set(zmq::sockopt::routing_id, zmq::buffer(id));
    if (!options_.server_key_file.empty()) {
        const CurveKeys server = read_certificate(options_.server_key_file);
        if (options_.client_key_file.empty())
            throw LinkError(describe(options_) + ": CURVE needs this client's secret certificate as well (client_key=)");
        const CurveKeys client = read_certificate(options_.client_key_file);
        if (client.secret_key.empty())
            throw LinkError(options_.client_key_file + ": not a secret certificate (no 'secret-key' line)");
        socket_.set(zmq::sockopt::curve_serverkey, server.public_key);
        socket_.set(zmq::sockopt::curve_publickey, client.public_key);
        socket_.set(zmq::sockopt::curve_secretkey, client.secret_key);
    }
    try {
        socket_.connect(options_.endpoint);
    } catch (const zmq::error_t& e) {
        throw LinkError(describe(options_) + ": cannot connect: " + e.what());
    }
}

ClientLink::~ClientLink() = default;

void ClientLink::post(const std::string& type, nlohmann::json body) {
    Message m;
    m.type = type;
    m.seq = 0;  // not a request: no answer, not in the sequence
    m.body = std::move(body);
    send(socket_, m);  // dropped when no board is connected: a heartbeat is only proof of life
}

Message ClientLink::request(const std::string& type, nlohmann::json body, int timeout_ms) {
    last_ = Message{};
    last_.type = type;
    last_.seq = next_seq_++;
    last_.body = std::move(body);
    send(socket_, last_);
    return await_answer(last_, timeout_ms);
}

Message ClientLink::resend_last(int timeout_ms) {
    send(socket_, last_);
    return await_answer(last_, timeout_ms);
}

Message ClientLink::await_answer(const Message& req, int timeout_ms) {
    using clock = std::chrono::steady_clock;
    const int total_ms = timeout_ms >= 0 ? timeout_ms : options_.timeout_ms;
    const auto deadline = clock::now() + std::chrono::milliseconds(total_ms);
    auto next_resend = clock::now() + std::chrono::milliseconds(options_.resend_ms);
    for (;;) {
        const auto now = clock::now();
        if (now >= deadline)
            throw LinkError(describe(options_) + ": no answer to " + req.type + " #" + std::to_string(req.seq) +
                            " within " + std::to_string(total_ms) + " ms (" + std::to_string(resends_) +
                            " resends in this session): the board process or its link is gone");
        const auto until = std::min(deadline, next_resend);
        zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
        try {
            zmq::poll(&item, 1, std::max<std::chrono::milliseconds>(wait, std::chrono::milliseconds(0)));
        } catch (const zmq::error_t& e) {
            if (e.num() == EINTR) continue;
            throw;
        }
        if ((item.revents & ZMQ_POLLIN) == 0) {
            if (clock::now() >= next_resend && clock::now() < deadline) {
                // The same sequence number: the board side executes it at most once.
                send(socket_, req);
                ++resends_;
                next_resend = clock::now() + std::chrono::milliseconds(options_.resend_ms);
            }
            continue;
        }
        Message answer = receive(socket_);
        if (answer.protocol != kProtocol)
            throw VersionMismatch(describe(options_) + " speaks " + answer.protocol + ", the rig " + kProtocol);
        // A late answer to an earlier resend; an ERROR about the request
        // itself carries its number, or 0 when the frames did not decode.
        if (answer.seq != req.seq && !(answer.type == "ERROR" && answer.seq == 0)) continue;
        if (answer.type == "ERROR") {
            const std::string code = answer.body.value("code", std::string("unknown"));
            const std::string text = answer.body.value("message", std::string());
            std::string what = describe(options_) + " refused " + req.type + " #" + std::to_string(req.seq) + " (" +
                               code + "): " + text;
            if (code == "version") throw VersionMismatch(what);
            throw RemoteError(code, what);
        }
        return answer;
    }
}

}  // namespace bmshil::rig::daq
