// gguf_file.cpp — GgufFile: maps a file read-only and hands it to the parser; typed metadata look-ups.
// The mapping serves the header and the dense tensors; experts are meant to be read with pread (a file
// truncated under a live mapping raises SIGBUS, see DESIGN.md section 4).
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/gguf.h"

namespace moevk::model {

uint64_t TensorInfo::row_bytes() const { return model::row_bytes(type, ne[0]).value_or(0); }

uint64_t TensorInfo::slice_bytes() const {
    uint64_t n_slices = n_dims >= 1 ? ne[n_dims - 1] : 1;
    return n_slices == 0 ? 0 : size_bytes / n_slices;
}

StatusOr<std::unique_ptr<GgufFile>> GgufFile::open(const std::string &path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open '" + path + "': " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        return io_error("cannot stat '" + path + "': " + std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return io_error("'" + path + "' is not a regular file");
    }
    const uint64_t size = (uint64_t)st.st_size;
    if (size == 0) {
        ::close(fd);
        return bad_format(path + ": file is empty (not a GGUF file)");
    }
    void *map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    const int map_err = errno;
    ::close(fd);  // the mapping keeps the file referenced
    if (map == MAP_FAILED) return io_error("cannot map '" + path + "': " + std::strerror(map_err));

    auto parsed = parse_gguf_memory(static_cast<const uint8_t *>(map), size, path);
    if (!parsed.is_ok()) {
        ::munmap(map, size);
        return parsed.status();
    }
    std::unique_ptr<GgufFile> file = std::move(parsed).value();
    file->mapping_ = map;
    file->mapping_bytes_ = size;
    return file;
}

GgufFile::~GgufFile() {
    if (mapping_ != nullptr) ::munmap(mapping_, mapping_bytes_);
}

const GgufValue *GgufFile::find(const std::string &key) const {
    for (const GgufKeyValue &kv : kv_) {
        if (kv.key == key) return &kv.value;
    }
    return nullptr;
}

const TensorInfo *GgufFile::find_tensor(const std::string &name) const {
    auto it = tensor_index_.find(name);
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

namespace {

Status wrong_type(const std::string &key, GgufValueType got, const char *expected) {
    return bad_format("metadata key '" + key + "' has type " + value_type_name((uint32_t)got) + ", expected " +
                      expected);
}

}  // namespace

StatusOr<std::optional<uint64_t>> GgufFile::get_uint(const std::string &key) const {
    const GgufValue *v = find(key);
    if (v == nullptr) return std::optional<uint64_t>();
    if (const uint64_t *u = std::get_if<uint64_t>(&v->value)) return std::optional<uint64_t>(*u);
    if (const int64_t *i = std::get_if<int64_t>(&v->value)) {
        if (*i < 0) return bad_format("metadata key '" + key + "' is " + std::to_string(*i) + ", expected >= 0");
        return std::optional<uint64_t>((uint64_t)*i);
    }
    return wrong_type(key, v->type, "an integer");
}

StatusOr<std::optional<double>> GgufFile::get_float(const std::string &key) const {
    const GgufValue *v = find(key);
    if (v == nullptr) return std::optional<double>();
    if (const double *d = std::get_if<double>(&v->value)) return std::optional<double>(*d);
    if (const uint64_t *u = std::get_if<uint64_t>(&v->value)) return std::optional<double>((double)*u);
    if (const int64_t *i = std::get_if<int64_t>(&v->value)) return std::optional<double>((double)*i);
    return wrong_type(key, v->type, "a number");
}

StatusOr<std::optional<std::string>> GgufFile::get_string(const std::string &key) const {
    const GgufValue *v = find(key);
    if (v == nullptr) return std::optional<std::string>();
    if (const std::string *s = std::get_if<std::string>(&v->value)) return std::optional<std::string>(*s);
    return wrong_type(key, v->type, "string");
}

StatusOr<std::optional<bool>> GgufFile::get_bool(const std::string &key) const {
    const GgufValue *v = find(key);
    if (v == nullptr) return std::optional<bool>();
    if (const bool *b = std::get_if<bool>(&v->value)) return std::optional<bool>(*b);
    return wrong_type(key, v->type, "bool");
}

}  // namespace moevk::model
