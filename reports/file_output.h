// Writing a whole report file at once.
#pragma once

#include <string>

namespace bmshil::reports {

// Writes content to path through a temporary file renamed into place, so an
// interrupted run never leaves a half-written result that a resume would
// read. Creates missing parent directories. Throws std::runtime_error naming
// the path on failure.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace bmshil::reports
