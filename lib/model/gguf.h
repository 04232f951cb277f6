// gguf.h — GGUF v3 reader. Validates the whole header, every metadata value and every tensor's type, shape,
// offset and size against the file before anything uses them; maps the file read-only for dense tensors.
// It knows nothing of architectures (see model.h); it never aborts on bad input, it returns a Status.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/status.h"
#include "model/ggml_type.h"

namespace moevk::model {

// GGUF metadata value types (gguf.h numbering).
enum class GgufValueType : uint32_t {
    kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
    kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};
// "u32", "string", ... as gguf.h names them; "type <n>" for values outside the enum.
std::string value_type_name(uint32_t raw_type);

struct GgufArray {
    GgufValueType elem_type;
    // Exactly one of these holds the elements: integers/bools widened to int64 (u64 values above INT64_MAX
    // are refused), floats widened to double, strings as strings.
    std::vector<int64_t> ints;
    std::vector<double> floats;
    std::vector<std::string> strings;
    // Arrays of arrays (the spec allows them; ggml refuses them): elem_type == kArray. Nesting is bounded.
    std::vector<GgufArray> arrays;
    uint64_t size() const;
};

struct GgufValue {
    GgufValueType type;
    std::variant<int64_t, uint64_t, double, bool, std::string, GgufArray> value;
};

struct GgufKeyValue {
    std::string key;
    GgufValue value;
};

constexpr int kGgufMaxDims = 4;

struct TensorInfo {
    std::string name;
    GgmlType type;
    uint32_t n_dims;
    uint64_t ne[kGgufMaxDims];  // ne[0] contiguous; unused dims are 1
    uint64_t file_offset;       // absolute byte offset of the data in the file
    uint64_t size_bytes;        // exact bytes of the data
    uint64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
    // Bytes of one row (ne[0] elements) and of one slice along the last dim (e.g. one expert).
    uint64_t row_bytes() const;
    uint64_t slice_bytes() const;  // bytes of one index of the last dimension ne[n_dims-1]
};

class GgufFile {
public:
    // Opens, validates and maps path. Errors: kIo (cannot open/read/map), kBadFormat (anything malformed),
    // kVersion (GGUF version other than 3 — v2 may be accepted as well), kUnsupported (a tensor type this
    // build does not know; the message names the tensor and the type).
    static StatusOr<std::unique_ptr<GgufFile>> open(const std::string &path);
    ~GgufFile();
    GgufFile(const GgufFile &) = delete;
    GgufFile &operator=(const GgufFile &) = delete;

    const std::string &path() const { return path_; }
    uint32_t version() const { return version_; }
    uint64_t file_size() const { return file_size_; }
    uint64_t alignment() const { return alignment_; }
    uint64_t data_offset() const { return data_offset_; }  // start of the tensor data section

    const std::vector<GgufKeyValue> &metadata() const { return kv_; }
    const GgufValue *find(const std::string &key) const;
    // Typed look-ups: nullopt when absent; a present key of the wrong type is an error.
    StatusOr<std::optional<uint64_t>> get_uint(const std::string &key) const;  // any unsigned/signed int >= 0
    StatusOr<std::optional<double>> get_float(const std::string &key) const;   // f32/f64 (ints accepted)
    StatusOr<std::optional<std::string>> get_string(const std::string &key) const;
    StatusOr<std::optional<bool>> get_bool(const std::string &key) const;

    const std::vector<TensorInfo> &tensors() const { return tensors_; }
    const TensorInfo *find_tensor(const std::string &name) const;
    // Pointer to a tensor's bytes inside the read-only mapping. Valid while this object lives.
    const uint8_t *tensor_data(const TensorInfo &t) const { return base_ + t.file_offset; }
    const uint8_t *mapped_base() const { return base_; }

private:
    GgufFile() = default;
    std::string path_;
    uint32_t version_ = 0;
    uint64_t file_size_ = 0;
    uint64_t alignment_ = 32;
    uint64_t data_offset_ = 0;
    std::vector<GgufKeyValue> kv_;
    std::vector<TensorInfo> tensors_;
    const uint8_t *base_ = nullptr;
    void *mapping_ = nullptr;  // owned mmap of the whole file (open() only); nullptr for in-memory images
    uint64_t mapping_bytes_ = 0;
    std::unordered_map<std::string, size_t> tensor_index_;  // name -> index in tensors_
    friend class GgufParser;
};

// Parses a GGUF image held in memory (used by the file reader and by the fuzz target). data must stay
// valid; tensor_data() of the result points into it. file_size is size.
StatusOr<std::unique_ptr<GgufFile>> parse_gguf_memory(const uint8_t *data, uint64_t size, const std::string &name);

}  // namespace moevk::model
