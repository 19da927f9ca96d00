#include "adapters/native/native_adapter.h"

#include <dlfcn.h>

namespace bmshil::rig {

NativeAdapter::NativeAdapter(const std::string& library_path) : library_path_(library_path) {
    // RTLD_LOCAL keeps two firmware variants in one process apart.
    handle_ = dlopen(library_path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) throw FirmwareLoadError(library_path + ": cannot load firmware: " + dlerror());
    auto get = reinterpret_cast<bmshil_firmware_get_fn>(dlsym(handle_, BMSHIL_FIRMWARE_ENTRY));
    if (get == nullptr) {
        dlclose(handle_);
        throw FirmwareLoadError(library_path + ": no symbol " BMSHIL_FIRMWARE_ENTRY
                                "; a firmware exports it (rig/board_contract.h)");
    }
    firmware_ = get();
    if (firmware_ == nullptr || firmware_->reset == nullptr || firmware_->step == nullptr) {
        dlclose(handle_);
        throw FirmwareLoadError(library_path + ": " BMSHIL_FIRMWARE_ENTRY " returned an incomplete firmware");
    }
    if (firmware_->contract_version != BMSHIL_BOARD_CONTRACT_VERSION) {
        const auto v = firmware_->contract_version;
        dlclose(handle_);
        throw FirmwareLoadError(library_path + ": built against board contract version " + std::to_string(v) +
                                ", the rig speaks version " + std::to_string(BMSHIL_BOARD_CONTRACT_VERSION));
    }
    name_ = firmware_->name != nullptr ? firmware_->name : library_path;
}

NativeAdapter::~NativeAdapter() {
    if (handle_ != nullptr) dlclose(handle_);
}

}  // namespace bmshil::rig
