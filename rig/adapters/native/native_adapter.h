// A firmware built for the host as a shared library against board_contract.h,
// loaded with dlopen and called in simulated time.
#pragma once

#include <stdexcept>
#include <string>

#include "adapters/board_adapter.h"

namespace bmshil::rig {

class FirmwareLoadError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class NativeAdapter : public BoardAdapter {
public:
    // Loads `library_path` and checks its contract version.
    explicit NativeAdapter(const std::string& library_path);
    ~NativeAdapter() override;
    NativeAdapter(const NativeAdapter&) = delete;
    NativeAdapter& operator=(const NativeAdapter&) = delete;

    std::string name() const override { return name_; }
    BoardIdentity identity() const override {
        return {"native:" + library_path_, "native: the firmware in the rig's process", name_,
                "none: the rig's model is read directly", "none"};
    }
    void reset(bmshil_board_storage& storage) override { firmware_->reset(&storage); }
    void step(const bmshil_board_inputs& in, bmshil_board_outputs& out, bmshil_board_port& port) override {
        firmware_->step(&in, &out, &port);
    }

private:
    void* handle_ = nullptr;
    const bmshil_firmware* firmware_ = nullptr;
    std::string name_;
    std::string library_path_;
};

}  // namespace bmshil::rig
