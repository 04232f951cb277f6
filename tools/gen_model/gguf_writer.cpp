// gguf_writer.cpp — GGUF header encoding and data-section layout for GgufWriter.
#include "gguf_writer.h"

#include <algorithm>
#include <cstring>

#include "model/ggml_type.h"

namespace moevk::gen {

namespace {

template <typename T>
std::vector<uint8_t> encode(T v) {
    std::vector<uint8_t> out(sizeof(T));
    std::memcpy(out.data(), &v, sizeof(T));
    return out;
}

uint64_t align_up(uint64_t v, uint64_t a) { return a == 0 ? v : (v + a - 1) / a * a; }

}  // namespace

void GgufWriter::put_u32(std::vector<uint8_t> &out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back((uint8_t)(v >> (8 * i)));
}

void GgufWriter::put_u64(std::vector<uint8_t> &out, uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back((uint8_t)(v >> (8 * i)));
}

void GgufWriter::put_string(std::vector<uint8_t> &out, const std::string &s) {
    put_u64(out, s.size());
    out.insert(out.end(), s.begin(), s.end());
}

void GgufWriter::add(const std::string &key, GgufType type, std::vector<uint8_t> value) {
    kv_.push_back({key, (uint32_t)type, std::move(value)});
}

void GgufWriter::add_u8(const std::string &k, uint8_t v) { add(k, GgufType::kU8, encode(v)); }
void GgufWriter::add_u32(const std::string &k, uint32_t v) { add(k, GgufType::kU32, encode(v)); }
void GgufWriter::add_i32(const std::string &k, int32_t v) { add(k, GgufType::kI32, encode(v)); }
void GgufWriter::add_u64(const std::string &k, uint64_t v) { add(k, GgufType::kU64, encode(v)); }
void GgufWriter::add_i64(const std::string &k, int64_t v) { add(k, GgufType::kI64, encode(v)); }
void GgufWriter::add_f32(const std::string &k, float v) { add(k, GgufType::kF32, encode(v)); }
void GgufWriter::add_f64(const std::string &k, double v) { add(k, GgufType::kF64, encode(v)); }
void GgufWriter::add_bool(const std::string &k, bool v) { add(k, GgufType::kBool, encode<uint8_t>(v ? 1 : 0)); }

void GgufWriter::add_string(const std::string &k, const std::string &v) {
    std::vector<uint8_t> out;
    put_string(out, v);
    add(k, GgufType::kString, std::move(out));
}

void GgufWriter::add_string_array(const std::string &k, const std::vector<std::string> &v) {
    std::vector<uint8_t> out;
    put_u32(out, (uint32_t)GgufType::kString);
    put_u64(out, v.size());
    for (const std::string &s : v) put_string(out, s);
    add(k, GgufType::kArray, std::move(out));
}

void GgufWriter::add_i32_array(const std::string &k, const std::vector<int32_t> &v) {
    std::vector<uint8_t> out;
    put_u32(out, (uint32_t)GgufType::kI32);
    put_u64(out, v.size());
    for (int32_t x : v) put_u32(out, (uint32_t)x);
    add(k, GgufType::kArray, std::move(out));
}

void GgufWriter::add_f32_array(const std::string &k, const std::vector<float> &v) {
    std::vector<uint8_t> out;
    put_u32(out, (uint32_t)GgufType::kF32);
    put_u64(out, v.size());
    for (float x : v) {
        uint32_t bits;
        std::memcpy(&bits, &x, 4);
        put_u32(out, bits);
    }
    add(k, GgufType::kArray, std::move(out));
}

void GgufWriter::add_raw(const std::string &key, uint32_t raw_type, std::vector<uint8_t> encoded_value) {
    kv_.push_back({key, raw_type, std::move(encoded_value)});
}

bool GgufWriter::remove_key(const std::string &key) {
    auto it = std::find_if(kv_.begin(), kv_.end(), [&](const Entry &e) { return e.key == key; });
    if (it == kv_.end()) return false;
    kv_.erase(it);
    return true;
}

size_t GgufWriter::add_tensor(const std::string &name, uint32_t raw_type, std::vector<uint64_t> ne,
                              std::optional<uint64_t> size_bytes) {
    TensorDecl t;
    t.name = name;
    t.raw_type = raw_type;
    t.ne = std::move(ne);
    uint64_t n_elements = 1;
    for (uint64_t d : t.ne) n_elements *= d;
    if (size_bytes) {
        t.size_bytes = *size_bytes;
    } else if (model::is_supported_type(raw_type) && !t.ne.empty()) {
        const auto type = static_cast<model::GgmlType>(raw_type);
        const uint64_t row = model::row_bytes(type, t.ne[0]).value_or(t.ne[0]);
        t.size_bytes = t.ne[0] == 0 ? 0 : row * (n_elements / t.ne[0]);
    } else {
        t.size_bytes = n_elements;
    }
    tensors_.push_back(std::move(t));
    return tensors_.size() - 1;
}

std::optional<size_t> GgufWriter::find_tensor(const std::string &name) const {
    for (size_t i = 0; i < tensors_.size(); ++i) {
        if (tensors_[i].name == name) return i;
    }
    return std::nullopt;
}

bool GgufWriter::remove_tensor(const std::string &name) {
    auto i = find_tensor(name);
    if (!i) return false;
    tensors_.erase(tensors_.begin() + (ptrdiff_t)*i);
    return true;
}

std::vector<uint64_t> GgufWriter::tensor_offsets() const {
    std::vector<uint64_t> offsets;
    uint64_t next = 0;
    for (const TensorDecl &t : tensors_) {
        offsets.push_back(t.offset_override.value_or(next));
        next = align_up(next + t.size_bytes, alignment_);
    }
    return offsets;
}

uint64_t GgufWriter::data_section_bytes() const {
    // The back-to-back layout; overridden offsets do not grow it (a test pointing a tensor at 2^40 wants a
    // small file with a bad offset, not a terabyte).
    uint64_t next = 0;
    for (const TensorDecl &t : tensors_) next = align_up(next + t.size_bytes, alignment_);
    return next;
}

std::vector<uint8_t> GgufWriter::header_bytes() const {
    std::vector<uint8_t> out(magic_.begin(), magic_.end());
    put_u32(out, version_);
    put_u64(out, n_tensors_override_.value_or(tensors_.size()));
    put_u64(out, n_kv_override_.value_or(kv_.size()));
    for (const Entry &e : kv_) {
        put_string(out, e.key);
        put_u32(out, e.raw_type);
        out.insert(out.end(), e.value.begin(), e.value.end());
    }
    const std::vector<uint64_t> offsets = tensor_offsets();
    for (size_t i = 0; i < tensors_.size(); ++i) {
        const TensorDecl &t = tensors_[i];
        put_string(out, t.name);
        put_u32(out, (uint32_t)t.ne.size());
        for (uint64_t d : t.ne) put_u64(out, d);
        put_u32(out, t.raw_type);
        put_u64(out, offsets[i]);
    }
    out.resize(align_up(out.size(), alignment_), 0);
    return out;
}

std::vector<uint8_t> GgufWriter::build_image(const std::function<void(size_t, uint8_t *, uint64_t)> &fill) const {
    std::vector<uint8_t> image = header_bytes();
    const uint64_t data_start = image.size();
    image.resize(data_start + data_section_bytes(), 0);
    if (fill) {
        const std::vector<uint64_t> offsets = tensor_offsets();
        for (size_t i = 0; i < tensors_.size(); ++i) {
            if (offsets[i] + tensors_[i].size_bytes <= image.size() - data_start) {
                fill(i, image.data() + data_start + offsets[i], tensors_[i].size_bytes);
            }
        }
    }
    return image;
}

}  // namespace moevk::gen
