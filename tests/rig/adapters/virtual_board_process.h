// Test support: `bmshil virtual-board` as the separate process a board is,
// started from the built executable and stopped (SIGTERM) when it goes out of
// scope.
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace bmshil::rig::testing {

class VirtualBoardProcess {
public:
    // Runs `bmshil virtual-board --firmware LIB --bind BIND ARGS...` and waits
    // for its line naming the bound address.
    VirtualBoardProcess(const std::string& firmware, const std::string& bind, std::vector<std::string> args = {}) {
        int fds[2];
        if (pipe(fds) != 0) throw std::runtime_error("pipe");
        std::vector<std::string> argv_text = {BMSHIL_BINARY_DIR "/bin/bmshil", "virtual-board", "--firmware", firmware,
                                              "--bind", bind};
        argv_text.insert(argv_text.end(), args.begin(), args.end());
        std::fflush(nullptr);
        pid_ = fork();
        if (pid_ < 0) throw std::runtime_error("fork");
        if (pid_ == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            dup2(fds[1], STDOUT_FILENO);
            close(fds[0]);
            close(fds[1]);
            std::vector<char*> argv;
            for (auto& a : argv_text) argv.push_back(a.data());
            argv.push_back(nullptr);
            execv(argv[0], argv.data());
            _exit(127);
        }
        close(fds[1]);
        out_ = fdopen(fds[0], "r");
        char line[1024];
        if (std::fgets(line, sizeof line, out_) == nullptr) throw std::runtime_error("virtual-board did not start");
        const std::string text(line);
        const auto on = text.find(" on ");
        if (on == std::string::npos) throw std::runtime_error("virtual-board said: " + text);
        endpoint_ = text.substr(on + 4);
        endpoint_ = endpoint_.substr(0, endpoint_.find_first_of(" \n"));
    }
    ~VirtualBoardProcess() { stop(SIGTERM); }
    VirtualBoardProcess(const VirtualBoardProcess&) = delete;
    VirtualBoardProcess& operator=(const VirtualBoardProcess&) = delete;

    const std::string& endpoint() const { return endpoint_; }
    // It ended on its own and was reaped by the caller: nothing left to stop.
    void forget() {
        pid_ = -1;
        if (out_ != nullptr) std::fclose(out_);
        out_ = nullptr;
    }
    pid_t pid() const { return pid_; }
    // Ends it with `signal` and reaps it; returns its wait status.
    int stop(int signal) {
        if (pid_ <= 0) return 0;
        kill(pid_, signal);
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
        if (out_ != nullptr) std::fclose(out_);
        out_ = nullptr;
        return status;
    }

private:
    pid_t pid_ = -1;
    FILE* out_ = nullptr;
    std::string endpoint_;
};

}  // namespace bmshil::rig::testing
