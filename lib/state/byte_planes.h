// byte_planes.h — the byte-plane transposition of docs/state-format.md: byte j of every w-byte record is
// stored together, so the repetitive sign/exponent bytes of float data compress well.
#pragma once

#include <cstddef>
#include <cstdint>

namespace moevk::state {

// dst[j * n + i] = src[i * w + j] for n = size / w records. size must be a multiple of w; dst != src.
void to_byte_planes(const uint8_t *src, size_t size, uint32_t w, uint8_t *dst);
// The inverse: dst[i * w + j] = src[j * n + i].
void from_byte_planes(const uint8_t *src, size_t size, uint32_t w, uint8_t *dst);

}  // namespace moevk::state
