// libFuzzer target for the rig's input parsers: a scenario file and a
// parameter file from arbitrary bytes (the first byte picks which). Each must
// either parse or throw its own error type naming the file; anything else (a
// crash, a sanitizer report, another exception, a hang) is a finding.
// Built and run by tools/fuzz-inputs.sh; a short run is a ctest entry.
#include <cstddef>
#include <cstdint>
#include <string>

#include "oracle/parameter_file.h"
#include "oracle/spec.h"
#include "scenario/scenario.h"

namespace {

const bmshil::rig::oracle::Spec& spec() {
    static const bmshil::rig::oracle::Spec s = bmshil::rig::oracle::Spec::load(BMSHIL_SPEC_DIR);
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (data[0] & 1) {
        try {
            bmshil::rig::scenario::parse_scenario(text, "fuzz.yaml", &spec());
        } catch (const bmshil::rig::scenario::ScenarioError&) {
        }
    } else {
        try {
            bmshil::rig::oracle::parse_parameter_file(spec(), text, "fuzz.yaml");
        } catch (const bmshil::rig::oracle::ParameterFileError&) {
        }
    }
    return 0;
}
