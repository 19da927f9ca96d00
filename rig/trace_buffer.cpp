#include "trace_buffer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace bmshil::rig {

TraceBuffer::TraceBuffer(std::size_t columns, std::size_t initial_rows)
    : columns_(columns), initial_rows_(initial_rows == 0 ? 1 : initial_rows) {
    if (columns_ == 0) throw std::invalid_argument("a trace needs at least one column");
    open(initial_rows_);
}

TraceBuffer::~TraceBuffer() {
    TakenTrace t{fd_, data_, capacity_rows_ * columns_ * sizeof(double), rows_, columns_};
    release(t);
}

void TraceBuffer::open(std::size_t capacity_rows) {
    fd_ = memfd_create("bmshil-trace", MFD_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error(std::string("trace: memfd_create: ") + std::strerror(errno));
    const std::size_t bytes = capacity_rows * columns_ * sizeof(double);
    if (ftruncate(fd_, static_cast<off_t>(bytes)) != 0) {
        const int e = errno;
        ::close(fd_);
        fd_ = -1;
        throw std::runtime_error(std::string("trace: ftruncate: ") + std::strerror(e));
    }
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) {
        const int e = errno;
        ::close(fd_);
        fd_ = -1;
        throw std::runtime_error(std::string("trace: mmap: ") + std::strerror(e));
    }
    data_ = static_cast<double*>(p);
    rows_ = 0;
    capacity_rows_ = capacity_rows;
}

void TraceBuffer::grow() {
    const std::size_t row_bytes = columns_ * sizeof(double);
    const std::size_t old_bytes = capacity_rows_ * row_bytes, new_bytes = 2 * old_bytes;
    if (ftruncate(fd_, static_cast<off_t>(new_bytes)) != 0)
        throw std::runtime_error(std::string("trace: growing to ") + std::to_string(new_bytes) + " bytes: " +
                                 std::strerror(errno));
    void* p = mremap(data_, old_bytes, new_bytes, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) throw std::runtime_error(std::string("trace: mremap: ") + std::strerror(errno));
    data_ = static_cast<double*>(p);
    capacity_rows_ *= 2;
}

void TraceBuffer::append(const double* row) {
    if (rows_ == capacity_rows_) grow();
    std::memcpy(data_ + rows_ * columns_, row, columns_ * sizeof(double));
    ++rows_;
}

TakenTrace TraceBuffer::take() {
    TakenTrace t{fd_, data_, capacity_rows_ * columns_ * sizeof(double), rows_, columns_};
    fd_ = -1;
    data_ = nullptr;
    open(initial_rows_);
    return t;
}

void release(TakenTrace& t) {
    if (t.data != nullptr) munmap(t.data, t.mapped_bytes);
    if (t.fd >= 0) ::close(t.fd);
    t.data = nullptr;
    t.fd = -1;
}

}  // namespace bmshil::rig
