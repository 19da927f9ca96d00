#include "file_output.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace bmshil::reports {

void write_file_atomically(const std::string& path, const std::string& content) {
    namespace fs = std::filesystem;
    const fs::path target(path);
    std::error_code ec;
    if (target.has_parent_path()) {
        fs::create_directories(target.parent_path(), ec);
        if (ec) throw std::runtime_error("cannot write " + path + ": " + ec.message());
    }
    const std::string partial = path + ".partial";
    {
        // Binary: "\n" stays one byte on every platform, so files compare byte for byte.
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        if (!out) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        out.close();
        if (!out) {
            fs::remove(partial, ec);
            throw std::runtime_error("cannot write " + path + ": write failed");
        }
    }
    fs::rename(partial, target, ec);
    if (ec) {
        std::error_code ignored;
        fs::remove(partial, ignored);
        throw std::runtime_error("cannot write " + path + ": " + ec.message());
    }
}

}  // namespace bmshil::reports
