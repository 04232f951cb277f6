// fingerprint.h — the model fingerprint of docs/state-format.md: XXH3-128 of the GGUF header, metadata and
// tensor table plus 4 KiB samples at the start, middle and end of every tensor's data. It tells apart two
// models of the same shape; it is not a cryptographic hash and not a hash of every weight byte.
#pragma once

#include <cstdint>

#include "model/gguf.h"

namespace moevk::model {

struct Fingerprint {
    uint64_t low = 0, high = 0;
};

// Reads about 12 KiB per tensor from the mapping: computed once when a context opens.
Fingerprint fingerprint(const GgufFile &file);

}  // namespace moevk::model
