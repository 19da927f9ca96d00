// Samples of chosen probes, one row per sample (time_s first), kept in an
// anonymous memory file (memfd). The file descriptor can be handed to another
// process (the Python rig runs in a worker) and mapped there, so a trace of a
// million samples reaches NumPy without being copied.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace bmshil::rig {

// What a TraceBuffer hands over: the memory file and its mapping here. The
// receiver owns both (close(fd), munmap(data, mapped_bytes)).
struct TakenTrace {
    int fd = -1;
    double* data = nullptr;
    std::size_t mapped_bytes = 0;
    std::size_t rows = 0, columns = 0;
};

class TraceBuffer {
public:
    // Throws std::runtime_error when the memory file cannot be made.
    explicit TraceBuffer(std::size_t columns, std::size_t initial_rows = 4096);
    ~TraceBuffer();
    TraceBuffer(const TraceBuffer&) = delete;
    TraceBuffer& operator=(const TraceBuffer&) = delete;

    // Appends one row of columns() values; grows the file by doubling.
    void append(const double* row);
    std::size_t rows() const { return rows_; }
    std::size_t columns() const { return columns_; }
    const double* data() const { return data_; }

    // Hands the samples over and starts an empty buffer.
    TakenTrace take();

private:
    void open(std::size_t capacity_rows);
    void grow();

    std::size_t columns_;
    int fd_ = -1;
    double* data_ = nullptr;
    std::size_t rows_ = 0, capacity_rows_ = 0;
    std::size_t initial_rows_;
};

// Unmaps and closes what take() handed over (for a receiver in this process).
void release(TakenTrace& t);

}  // namespace bmshil::rig
