// checked.h — overflow-checked size arithmetic for counts that come from files. Returns false on overflow
// instead of wrapping, so a hostile header cannot turn into a small allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace moevk {

inline bool checked_mul(uint64_t a, uint64_t b, uint64_t *out) { return !__builtin_mul_overflow(a, b, out); }
inline bool checked_add(uint64_t a, uint64_t b, uint64_t *out) { return !__builtin_add_overflow(a, b, out); }

// Round value up to a multiple of align (a power of two or any positive number); false on overflow.
inline bool checked_align_up(uint64_t value, uint64_t align, uint64_t *out) {
    uint64_t rem = value % align;
    if (rem == 0) { *out = value; return true; }
    return checked_add(value, align - rem, out);
}

}  // namespace moevk
