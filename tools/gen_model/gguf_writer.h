// gguf_writer.h — builds GGUF headers: metadata in insertion order, tensor declarations, data layout.
// It writes exactly what it is told, valid or not (tests use it to make malformed files); it does not
// generate tensor data (see weight_fill.h) nor stream files (see model_file_writer.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace moevk::gen {

// GGUF metadata value type numbers (gguf.h).
enum class GgufType : uint32_t {
    kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
    kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};

struct TensorDecl {
    std::string name;
    uint32_t raw_type = 0;                   // ggml type number
    std::vector<uint64_t> ne;                // ne[0] contiguous; written as n_dims = ne.size()
    uint64_t size_bytes = 0;                 // bytes of data reserved in the data section
    std::optional<uint64_t> offset_override; // relative offset to write instead of the computed one
};

class GgufWriter {
public:
    // alignment: layout of the data section. Add "general.alignment" yourself if it is not 32.
    explicit GgufWriter(uint64_t alignment = 32) : alignment_(alignment) {}

    void set_magic(const std::string &four_bytes) { magic_ = four_bytes; }
    void set_version(uint32_t version) { version_ = version; }
    // Written instead of the real counts when set (for malformed headers).
    void set_n_kv_override(uint64_t n) { n_kv_override_ = n; }
    void set_n_tensors_override(uint64_t n) { n_tensors_override_ = n; }

    void add_u8(const std::string &key, uint8_t v);
    void add_u32(const std::string &key, uint32_t v);
    void add_i32(const std::string &key, int32_t v);
    void add_u64(const std::string &key, uint64_t v);
    void add_i64(const std::string &key, int64_t v);
    void add_f32(const std::string &key, float v);
    void add_f64(const std::string &key, double v);
    void add_bool(const std::string &key, bool v);
    void add_string(const std::string &key, const std::string &v);
    void add_string_array(const std::string &key, const std::vector<std::string> &v);
    void add_i32_array(const std::string &key, const std::vector<int32_t> &v);
    void add_f32_array(const std::string &key, const std::vector<float> &v);
    // Any type number followed by any encoded bytes (arrays: element type, count, elements).
    void add_raw(const std::string &key, uint32_t raw_type, std::vector<uint8_t> encoded_value);
    bool remove_key(const std::string &key);

    // Declares a tensor; its size follows from type and shape for the types moevk knows, else
    // size_bytes must be given (or one byte per element is reserved).
    size_t add_tensor(const std::string &name, uint32_t raw_type, std::vector<uint64_t> ne,
                      std::optional<uint64_t> size_bytes = std::nullopt);
    TensorDecl &tensor(size_t index) { return tensors_[index]; }
    const std::vector<TensorDecl> &tensors() const { return tensors_; }
    std::optional<size_t> find_tensor(const std::string &name) const;
    bool remove_tensor(const std::string &name);

    // Relative offsets: back to back in declaration order, each aligned (unless overridden).
    std::vector<uint64_t> tensor_offsets() const;
    // Everything before the data section, padded to the alignment.
    std::vector<uint8_t> header_bytes() const;
    // Bytes of the data section: every tensor's size, each padded to the alignment (overrides ignored).
    uint64_t data_section_bytes() const;
    // Whole file in memory; fill(index, dst, size) writes each tensor's data (zeros when fill is empty).
    std::vector<uint8_t> build_image(
        const std::function<void(size_t, uint8_t *, uint64_t)> &fill = nullptr) const;

    uint64_t alignment() const { return alignment_; }

    // Little-endian encoders, also handy for tests that splice bytes.
    static void put_u32(std::vector<uint8_t> &out, uint32_t v);
    static void put_u64(std::vector<uint8_t> &out, uint64_t v);
    static void put_string(std::vector<uint8_t> &out, const std::string &s);

private:
    struct Entry {
        std::string key;
        uint32_t raw_type;
        std::vector<uint8_t> value;
    };
    void add(const std::string &key, GgufType type, std::vector<uint8_t> value);

    uint64_t alignment_;
    std::string magic_ = "GGUF";
    uint32_t version_ = 3;
    std::optional<uint64_t> n_kv_override_, n_tensors_override_;
    std::vector<Entry> kv_;
    std::vector<TensorDecl> tensors_;
};

}  // namespace moevk::gen
