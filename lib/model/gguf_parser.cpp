// gguf_parser.cpp — walks a whole GGUF image: header, metadata, tensor infos, data section placement.
// Works on bytes in memory (the mmap of GgufFile::open, or a test/fuzz buffer) and never reads past them.
// Every count is checked against the bytes left before anything grows, and every error names the field.
#include <unordered_set>

#include "core/checked.h"
#include "model/gguf.h"
#include "model/gguf_sections.h"

namespace moevk::model {

namespace {

constexpr char kMagic[4] = {'G', 'G', 'U', 'F'};
// Smallest possible encodings (key/name of at least one byte), used to bound counts by the bytes left.
constexpr uint64_t kMinKeyValueBytes = 8 + 1 + 4 + 1;          // key length, key, type, u8 value
constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 8 + 4 + 8;  // name length, name, n_dims, ne[0], type, offset

std::string printable(const uint8_t *p, size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
    return s;
}

}  // namespace

class GgufParser {
public:
    static StatusOr<std::unique_ptr<GgufFile>> parse(const uint8_t *data, uint64_t size, const std::string &name) {
        std::unique_ptr<GgufFile> file(new GgufFile());
        file->path_ = name;
        file->base_ = data;
        file->file_size_ = size;
        Status s = parse_into(data, size, *file);
        if (!s.is_ok()) return s.with_prefix(name + ": ");
        return file;
    }

private:
    static Status parse_into(const uint8_t *data, uint64_t size, GgufFile &file) {
        ByteReader r(data, size);
        uint64_t n_tensors = 0, n_kv = 0;
        MOEVK_RETURN_IF_ERROR(parse_header(r, file, &n_tensors, &n_kv));
        MOEVK_RETURN_IF_ERROR(parse_metadata(r, n_kv, file));
        MOEVK_RETURN_IF_ERROR(read_alignment(file));

        if (n_tensors > r.remaining() / kMinTensorInfoBytes) {
            return bad_format("n_tensors " + std::to_string(n_tensors) + " is out of range [0, " +
                              std::to_string(r.remaining() / kMinTensorInfoBytes) + "] (bytes left after metadata: " +
                              std::to_string(r.remaining()) + ")");
        }
        std::vector<RawTensorInfo> raw;
        std::unordered_set<std::string> names;
        for (uint64_t i = 0; i < n_tensors; ++i) {
            RawTensorInfo info;
            Status s = parse_tensor_info(r, &info);
            if (!s.is_ok()) return s.with_prefix("tensor info #" + std::to_string(i) + ": ");
            if (!names.insert(info.name).second) {
                return bad_format("duplicate tensor name '" + info.name + "' (tensor info #" + std::to_string(i) + ")");
            }
            raw.push_back(std::move(info));
        }

        // The data section starts at the next multiple of the alignment after the tensor infos.
        if (!checked_align_up(r.offset(), file.alignment_, &file.data_offset_)) {
            return bad_format("data section offset overflows with general.alignment " + std::to_string(file.alignment_));
        }
        MOEVK_RETURN_IF_ERROR(place_tensors(raw, file.data_offset_, file.alignment_, size, &file.tensors_));
        for (size_t i = 0; i < file.tensors_.size(); ++i) file.tensor_index_.emplace(file.tensors_[i].name, i);
        return Status::ok();
    }

    static Status parse_header(ByteReader &r, GgufFile &file, uint64_t *n_tensors, uint64_t *n_kv) {
        uint8_t magic[4] = {};
        MOEVK_RETURN_IF_ERROR(r.read(&magic, "magic"));
        if (std::memcmp(magic, kMagic, 4) != 0) {
            return bad_format("bad magic '" + printable(magic, 4) + "', expected 'GGUF' (not a GGUF file)");
        }
        MOEVK_RETURN_IF_ERROR(r.read(&file.version_, "version"));
        const uint32_t v = file.version_;
        if (v != 0 && (v & 0xffffu) == 0) {
            return Status(StatusCode::kVersion, "GGUF version " + std::to_string(v) +
                                                    " looks byte-swapped: big-endian files are not supported");
        }
        if (v != 2 && v != 3) {
            return Status(StatusCode::kVersion,
                          "GGUF version " + std::to_string(v) + " is not supported (supported: 2, 3)");
        }
        MOEVK_RETURN_IF_ERROR(r.read(n_tensors, "n_tensors"));
        MOEVK_RETURN_IF_ERROR(r.read(n_kv, "n_kv"));
        // Loose bounds now (each record has a minimum size); exact truncation shows up while reading.
        const uint64_t max_kv = r.remaining() / kMinKeyValueBytes;
        if (*n_kv > max_kv) {
            return bad_format("n_kv " + std::to_string(*n_kv) + " is out of range [0, " + std::to_string(max_kv) +
                              "] (bytes left after the header: " + std::to_string(r.remaining()) + ")");
        }
        const uint64_t max_tensors = r.remaining() / kMinTensorInfoBytes;
        if (*n_tensors > max_tensors) {
            return bad_format("n_tensors " + std::to_string(*n_tensors) + " is out of range [0, " +
                              std::to_string(max_tensors) + "] (bytes left after the header: " +
                              std::to_string(r.remaining()) + ")");
        }
        return Status::ok();
    }

    static Status parse_metadata(ByteReader &r, uint64_t n_kv, GgufFile &file) {
        std::unordered_set<std::string> keys;
        // No reserve(n_kv): the vector grows only as entries really parse, so memory follows the bytes read.
        for (uint64_t i = 0; i < n_kv; ++i) {
            GgufKeyValue kv;
            Status s = r.read_string(&kv.key, "metadata key", kGgufMaxKeyBytes);
            if (!s.is_ok()) return s.with_prefix("metadata entry #" + std::to_string(i) + ": ");
            if (kv.key.empty()) return bad_format("metadata entry #" + std::to_string(i) + ": key is empty");
            if (kv.key.find('\0') != std::string::npos) {
                return bad_format("metadata entry #" + std::to_string(i) + ": key '" + std::string(kv.key.c_str()) +
                                  "...' contains a NUL byte");
            }
            if (!keys.insert(kv.key).second) {
                return bad_format("duplicate metadata key '" + kv.key + "' (entry #" + std::to_string(i) + ")");
            }
            uint32_t raw_type = 0;
            s = r.read(&raw_type, "metadata value type");
            if (s.is_ok()) s = parse_gguf_value(r, raw_type, &kv.value);
            if (!s.is_ok()) return s.with_prefix("metadata key '" + kv.key + "': ");
            file.kv_.push_back(std::move(kv));
        }
        return Status::ok();
    }

    // general.alignment: u32, a non-zero power of two (ggml's rule); 32 when absent.
    static Status read_alignment(GgufFile &file) {
        const GgufValue *v = file.find("general.alignment");
        if (v == nullptr) return Status::ok();
        if (v->type != GgufValueType::kU32) {
            return bad_format("general.alignment has type " + value_type_name((uint32_t)v->type) + ", expected u32");
        }
        const uint64_t a = std::get<uint64_t>(v->value);
        if (a == 0 || (a & (a - 1)) != 0) {
            return bad_format("general.alignment " + std::to_string(a) + " must be a non-zero power of two");
        }
        file.alignment_ = a;
        return Status::ok();
    }
};

StatusOr<std::unique_ptr<GgufFile>> parse_gguf_memory(const uint8_t *data, uint64_t size, const std::string &name) {
    if (data == nullptr && size != 0) return invalid_arg("parse_gguf_memory: data is null");
    return GgufParser::parse(data, size, name);
}

}  // namespace moevk::model
