// The trace buffer: rows kept in a memory file that another mapping of the
// same descriptor (a parent process) reads as they were written.
#include "trace_buffer.h"

#include <gtest/gtest.h>
#include <sys/mman.h>


namespace bmshil::rig {
namespace {

TEST(TraceBuffer, GrowsPastItsFirstCapacityAndKeepsEveryRow) {
    TraceBuffer b(3, /*initial_rows=*/4);
    for (int k = 0; k < 1000; ++k) {
        const double row[3] = {k * 0.01, 3.3 + k * 1e-4, static_cast<double>(k % 2)};
        b.append(row);
    }
    ASSERT_EQ(b.rows(), 1000u);
    EXPECT_DOUBLE_EQ(b.data()[3 * 999 + 0], 9.99);
    EXPECT_DOUBLE_EQ(b.data()[3 * 500 + 1], 3.35);
    EXPECT_DOUBLE_EQ(b.data()[3 * 7 + 2], 1.0);
}

TEST(TraceBuffer, TakenRowsReadTheSameThroughAnotherMappingOfTheDescriptor) {
    TraceBuffer b(2, 16);
    for (int k = 0; k < 100; ++k) {
        const double row[2] = {static_cast<double>(k), -100.0 * k};
        b.append(row);
    }
    TakenTrace t = b.take();
    ASSERT_GE(t.fd, 0);
    EXPECT_EQ(t.rows, 100u);
    EXPECT_EQ(t.columns, 2u);
    // What a receiving process does with the descriptor it was passed.
    void* other = mmap(nullptr, t.rows * t.columns * sizeof(double), PROT_READ, MAP_SHARED, t.fd, 0);
    ASSERT_NE(other, MAP_FAILED);
    const auto* seen = static_cast<const double*>(other);
    EXPECT_DOUBLE_EQ(seen[2 * 99], 99.0);
    EXPECT_DOUBLE_EQ(seen[2 * 99 + 1], -9900.0);
    munmap(other, t.rows * t.columns * sizeof(double));
    release(t);
    EXPECT_EQ(t.fd, -1);
    // The buffer goes on empty, in a file of its own.
    EXPECT_EQ(b.rows(), 0u);
    const double row[2] = {1.0, 2.0};
    b.append(row);
    EXPECT_EQ(b.rows(), 1u);
}

TEST(TraceBuffer, AZeroColumnTraceIsRefused) { EXPECT_THROW(TraceBuffer(0), std::invalid_argument); }

}  // namespace
}  // namespace bmshil::rig
