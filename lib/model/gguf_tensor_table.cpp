// gguf_tensor_table.cpp — reads tensor-info records and checks where each tensor's bytes lie.
// Shape checks follow ggml's gguf.cpp (n_dims <= 4, element count below INT64_MAX, ne[0] a multiple of the
// block size); moevk is stricter in refusing empty tensors and more general in allowing any order of
// non-overlapping, aligned tensors (ggml demands back-to-back offsets in record order).
#include <algorithm>
#include <limits>

#include "core/checked.h"
#include "model/gguf_sections.h"

namespace moevk::model {

namespace {

std::string shape_string(const uint64_t *ne, uint32_t n_dims) {
    std::string s = "[";
    for (uint32_t i = 0; i < n_dims; ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
    return s + "]";
}

std::string range_string(uint64_t begin, uint64_t end) {
    return "[" + std::to_string(begin) + ", " + std::to_string(end) + ")";
}

}  // namespace

Status parse_tensor_info(ByteReader &r, RawTensorInfo *out) {
    MOEVK_RETURN_IF_ERROR(r.read_string(&out->name, "tensor name", kGgufMaxTensorNameBytes));
    if (out->name.empty()) return bad_format("tensor name is empty");
    if (out->name.find('\0') != std::string::npos) {
        return bad_format("tensor name '" + std::string(out->name.c_str()) + "...' contains a NUL byte");
    }
    const std::string who = "tensor '" + out->name + "'";

    MOEVK_RETURN_IF_ERROR(r.read(&out->n_dims, "tensor n_dims"));
    if (out->n_dims < 1 || out->n_dims > kGgufMaxDims) {
        return bad_format(who + " n_dims " + std::to_string(out->n_dims) + " is out of range [1, " +
                          std::to_string(kGgufMaxDims) + "]");
    }
    const uint64_t kMaxNe = (uint64_t)std::numeric_limits<int64_t>::max();
    for (uint32_t d = 0; d < out->n_dims; ++d) {
        MOEVK_RETURN_IF_ERROR(r.read(&out->ne[d], "tensor dimension"));
        if (out->ne[d] == 0) {
            return bad_format(who + " ne[" + std::to_string(d) + "] is 0 (empty tensors are not supported)");
        }
        if (out->ne[d] > kMaxNe) {
            return bad_format(who + " ne[" + std::to_string(d) + "] = " + std::to_string(out->ne[d]) +
                              " is out of range [1, 2^63-1]");
        }
    }
    // The element count must be representable in int64 (ggml's rule).
    uint64_t n_elements = 1;
    for (uint32_t d = 0; d < out->n_dims; ++d) {
        if (!checked_mul(n_elements, out->ne[d], &n_elements) || n_elements > kMaxNe) {
            return bad_format(who + " shape " + shape_string(out->ne, out->n_dims) +
                              " has an element count that overflows int64");
        }
    }
    MOEVK_RETURN_IF_ERROR(r.read(&out->raw_type, "tensor type"));
    MOEVK_RETURN_IF_ERROR(r.read(&out->relative_offset, "tensor offset"));
    return Status::ok();
}

Status place_tensors(const std::vector<RawTensorInfo> &raw, uint64_t data_offset, uint64_t alignment,
                     uint64_t file_size, std::vector<TensorInfo> *out) {
    // Types first: a well-formed file with a type we cannot read is kUnsupported, not kBadFormat.
    for (const RawTensorInfo &t : raw) {
        if (!is_supported_type(t.raw_type)) {
            return unsupported("tensor '" + t.name + "' has type " + type_name(t.raw_type) + " (" +
                               std::to_string(t.raw_type) +
                               "), which this build cannot load (supported: f32, f16, bf16, q8_0, q4_0, q4_K, q5_K, q6_K)");
        }
    }
    out->clear();
    out->reserve(raw.size());
    for (const RawTensorInfo &t : raw) {
        const std::string who = "tensor '" + t.name + "'";
        TensorInfo info;
        info.name = t.name;
        info.type = static_cast<GgmlType>(t.raw_type);
        info.n_dims = t.n_dims;
        for (int d = 0; d < kGgufMaxDims; ++d) info.ne[d] = t.ne[d];

        if (info.ne[0] % block_elements(info.type) != 0) {
            return bad_format(who + " of type " + type_name(t.raw_type) + " has ne[0] = " +
                              std::to_string(info.ne[0]) + ", not a multiple of the block size " +
                              std::to_string(block_elements(info.type)));
        }
        const std::optional<uint64_t> row = model::row_bytes(info.type, info.ne[0]);
        if (!row) return bad_format(who + " shape " + shape_string(info.ne, info.n_dims) + " overflows its byte size");
        uint64_t size = *row;
        for (int d = 1; d < kGgufMaxDims; ++d) {
            if (!checked_mul(size, info.ne[d], &size)) {
                return bad_format(who + " shape " + shape_string(info.ne, info.n_dims) + " overflows its byte size");
            }
        }
        info.size_bytes = size;

        if (t.relative_offset % alignment != 0) {
            return bad_format(who + " offset " + std::to_string(t.relative_offset) +
                              " is not a multiple of general.alignment " + std::to_string(alignment));
        }
        uint64_t begin = 0, end = 0;
        if (!checked_add(data_offset, t.relative_offset, &begin) || !checked_add(begin, size, &end) ||
            end > file_size) {
            return bad_format(who + " data at offset " + std::to_string(t.relative_offset) + " + " +
                              std::to_string(size) + " bytes lies outside the file (data section " +
                              range_string(data_offset, std::max(data_offset, file_size)) + ")");
        }
        info.file_offset = begin;
        out->push_back(std::move(info));
    }

    // No two tensors may share bytes: sort by start, then each must end before the next begins.
    std::vector<size_t> order(out->size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return (*out)[a].file_offset < (*out)[b].file_offset; });
    for (size_t k = 1; k < order.size(); ++k) {
        const TensorInfo &a = (*out)[order[k - 1]];
        const TensorInfo &b = (*out)[order[k]];
        if (a.file_offset + a.size_bytes > b.file_offset) {
            return bad_format("tensors '" + a.name + "' " + range_string(a.file_offset, a.file_offset + a.size_bytes) +
                              " and '" + b.name + "' " + range_string(b.file_offset, b.file_offset + b.size_bytes) +
                              " overlap");
        }
    }
    return Status::ok();
}

}  // namespace moevk::model
