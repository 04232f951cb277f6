// loader_checks.cpp — range-checked metadata reads and shape-checked tensor claims for the loaders.
#include "model/loader_checks.h"

#include <cmath>

namespace moevk::model {

namespace {

std::string range_text(double lo, double hi, bool lo_open) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s%.9g, %.9g]", lo_open ? "(" : "[", lo, hi);
    return buf;
}

Status missing_key(const std::string &key) { return bad_format("missing required metadata key '" + key + "'"); }

std::string shape_text(const uint64_t *ne, size_t n) {
    std::string s = "[";
    for (size_t i = 0; i < n; ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
    return s + "]";
}

}  // namespace

StatusOr<uint32_t> optional_u32(const GgufFile &file, const std::string &key, uint32_t min_value,
                                uint32_t max_value, uint32_t fallback) {
    MOEVK_ASSIGN_OR_RETURN(std::optional<uint64_t> v, file.get_uint(key));
    if (!v) return fallback;
    if (*v < min_value || *v > max_value) {
        return bad_format("metadata key '" + key + "' = " + std::to_string(*v) + " is out of range [" +
                          std::to_string(min_value) + ", " + std::to_string(max_value) + "]");
    }
    return (uint32_t)*v;
}

StatusOr<uint32_t> require_u32(const GgufFile &file, const std::string &key, uint32_t min_value, uint32_t max_value) {
    if (file.find(key) == nullptr) return missing_key(key);
    return optional_u32(file, key, min_value, max_value, 0);
}

StatusOr<float> optional_f32(const GgufFile &file, const std::string &key, double min_exclusive,
                             double max_inclusive, float fallback) {
    MOEVK_ASSIGN_OR_RETURN(std::optional<double> v, file.get_float(key));
    if (!v) return fallback;
    if (!std::isfinite(*v) || !(*v > min_exclusive) || !(*v <= max_inclusive)) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "%.9g", *v);
        return bad_format("metadata key '" + key + "' = " + buf + " is out of range " +
                          range_text(min_exclusive, max_inclusive, true));
    }
    return (float)*v;
}

StatusOr<float> require_f32(const GgufFile &file, const std::string &key, double min_exclusive,
                            double max_inclusive) {
    if (file.find(key) == nullptr) return missing_key(key);
    return optional_f32(file, key, min_exclusive, max_inclusive, 0.0f);
}

StatusOr<int32_t> optional_token_id(const GgufFile &file, const std::string &key, uint32_t n_vocab) {
    MOEVK_ASSIGN_OR_RETURN(std::optional<uint64_t> v, file.get_uint(key));
    if (!v) return -1;
    if (*v >= n_vocab) {
        return bad_format("metadata key '" + key + "' = " + std::to_string(*v) + " is out of range [0, " +
                          std::to_string(n_vocab - 1) + "] (n_vocab " + std::to_string(n_vocab) + ")");
    }
    return (int32_t)*v;
}

Status bind_embeddings(TensorClaims &claims, Model *m) {
    HParams &hp = m->hp;
    const TensorInfo *embd = claims.file().find_tensor("token_embd.weight");
    if (embd == nullptr) return bad_format("missing required tensor 'token_embd.weight'");
    if (embd->ne[1] > kMaxVocab) {
        return bad_format("tensor 'token_embd.weight' ne[1] (n_vocab) " + std::to_string(embd->ne[1]) +
                          " is out of range [1, " + std::to_string(kMaxVocab) + "]");
    }
    hp.n_vocab = (uint32_t)embd->ne[1];
    const uint64_t d = hp.n_embd, v = hp.n_vocab;
    MOEVK_ASSIGN_OR_RETURN(m->token_embd, claims.require("token_embd.weight", {d, v}, TensorRole::kMatrix));
    MOEVK_ASSIGN_OR_RETURN(m->output_norm, claims.require("output_norm.weight", {d}, TensorRole::kNorm));
    MOEVK_ASSIGN_OR_RETURN(m->output, claims.optional("output.weight", {d, v}, TensorRole::kMatrix));
    if (m->output == nullptr) m->output = m->token_embd;  // tied embeddings
    return Status::ok();
}

Status read_special_tokens(const GgufFile &file, HParams *hp) {
    MOEVK_ASSIGN_OR_RETURN(hp->eos_token, optional_token_id(file, "tokenizer.ggml.eos_token_id", hp->n_vocab));
    MOEVK_ASSIGN_OR_RETURN(hp->bos_token, optional_token_id(file, "tokenizer.ggml.bos_token_id", hp->n_vocab));
    return Status::ok();
}

Status TensorClaims::check(const TensorInfo &t, std::initializer_list<uint64_t> shape, TensorRole role) {
    uint64_t want[kGgufMaxDims] = {1, 1, 1, 1};
    size_t i = 0;
    for (uint64_t d : shape) want[i++] = d;
    // Compare all four dims with trailing 1s, as llama.cpp does: [n] stored as [n, 1] is the same tensor.
    for (int d = 0; d < kGgufMaxDims; ++d) {
        if (t.ne[d] != want[d]) {
            return bad_format("tensor '" + t.name + "' has shape " + shape_text(t.ne, t.n_dims) + ", expected " +
                              shape_text(want, shape.size()));
        }
    }
    if (role == TensorRole::kNorm && t.type != GgmlType::kF32 && t.type != GgmlType::kF16 &&
        t.type != GgmlType::kBF16) {
        return unsupported("tensor '" + t.name + "' is a norm weight of type " + type_name((uint32_t)t.type) +
                           "; norm weights must be f32, f16 or bf16");
    }
    return Status::ok();
}

StatusOr<const TensorInfo *> TensorClaims::optional(const std::string &name, std::initializer_list<uint64_t> shape,
                                                    TensorRole role) {
    const TensorInfo *t = file_.find_tensor(name);
    if (t == nullptr) return static_cast<const TensorInfo *>(nullptr);
    MOEVK_RETURN_IF_ERROR(check(*t, shape, role));
    claimed_.insert(t);
    return t;
}

StatusOr<const TensorInfo *> TensorClaims::require(const std::string &name, std::initializer_list<uint64_t> shape,
                                                   TensorRole role) {
    if (file_.find_tensor(name) == nullptr) return bad_format("missing required tensor '" + name + "'");
    return optional(name, shape, role);
}

Status TensorClaims::check_all_claimed(const std::string &arch_name) const {
    for (const TensorInfo &t : file_.tensors()) {
        if (claimed_.count(&t) == 0) {
            return bad_format("unexpected tensor '" + t.name + "': " + arch_name +
                              " with these hyper-parameters does not use it");
        }
    }
    return Status::ok();
}

}  // namespace moevk::model
