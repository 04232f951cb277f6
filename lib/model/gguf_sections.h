// gguf_sections.h — the pieces the GGUF parser is made of (internal to lib/model): one metadata value, one
// tensor-info record, and the placement check of all tensors in the data section. Each returns a Status
// naming the field and its allowed range; the caller adds the key or tensor context and the file name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/gguf.h"
#include "model/gguf_byte_reader.h"

namespace moevk::model {

// GGUF limits: keys are at most 65535 bytes (spec); tensor names are shorter than GGML_MAX_NAME (64).
constexpr uint64_t kGgufMaxKeyBytes = 65535;
constexpr uint64_t kGgufMaxTensorNameBytes = 63;
// Arrays of arrays deeper than this are refused (keeps recursion bounded on hostile input).
constexpr int kGgufMaxArrayDepth = 4;
// Longest metadata array accepted. The spec sets none; real vocabularies hold under a million entries. The
// bytes-left bound alone is not enough: in a 16 GiB file the tensor data would count as "bytes left".
constexpr uint64_t kGgufMaxArrayElements = uint64_t(1) << 24;

// Smallest encoding of one value of raw_type (string: its length field; array: its type and count).
// 0 for an unknown type.
uint64_t gguf_min_value_bytes(uint32_t raw_type);

// Reads one metadata value of raw_type (the type field was already read) at the reader's position.
Status parse_gguf_value(ByteReader &reader, uint32_t raw_type, GgufValue *out);

// A tensor-info record as stored, before its type and placement are checked.
struct RawTensorInfo {
    std::string name;
    uint32_t n_dims = 0;
    uint64_t ne[kGgufMaxDims] = {1, 1, 1, 1};
    uint32_t raw_type = 0;
    uint64_t relative_offset = 0;  // from the start of the data section
};

// Reads one tensor-info record and checks its name, n_dims, every ne and the element count.
Status parse_tensor_info(ByteReader &reader, RawTensorInfo *out);

// Checks types (unsupported: kUnsupported naming tensor and type), ne[0] against the block size, byte sizes,
// offset alignment, that the data lies inside the file and that no two tensors overlap; fills `out`.
Status place_tensors(const std::vector<RawTensorInfo> &raw, uint64_t data_offset, uint64_t alignment,
                     uint64_t file_size, std::vector<TensorInfo> *out);

}  // namespace moevk::model
