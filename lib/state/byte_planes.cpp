// byte_planes.cpp — plane transposition for snapshot sections. Plain loops: the cost is small next to zstd.
#include "state/byte_planes.h"

#include <cstring>

namespace moevk::state {

void to_byte_planes(const uint8_t *src, size_t size, uint32_t w, uint8_t *dst) {
    if (w <= 1) {
        if (size) std::memcpy(dst, src, size);
        return;
    }
    const size_t n = size / w;
    for (uint32_t j = 0; j < w; ++j) {
        uint8_t *plane = dst + (size_t)j * n;
        for (size_t i = 0; i < n; ++i) plane[i] = src[i * w + j];
    }
}

void from_byte_planes(const uint8_t *src, size_t size, uint32_t w, uint8_t *dst) {
    if (w <= 1) {
        if (size) std::memcpy(dst, src, size);
        return;
    }
    const size_t n = size / w;
    for (uint32_t j = 0; j < w; ++j) {
        const uint8_t *plane = src + (size_t)j * n;
        for (size_t i = 0; i < n; ++i) dst[i * w + j] = plane[i];
    }
}

}  // namespace moevk::state
