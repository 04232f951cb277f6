// model.h — a loaded model: its architecture's hyper-parameters and the validated tensor table, backed by
// the GGUF file's read-only mapping. Each architecture has its own loader file (qwen3moe.cpp, ...), which
// checks that every tensor exists with exactly the shape and a supported type the architecture requires.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/gguf.h"

namespace moevk::model {

enum class Arch { kQwen3Moe };

struct HParams {
    Arch arch = Arch::kQwen3Moe;
    std::string arch_name;      // general.architecture
    std::string model_name;     // general.name, "" when absent
    uint32_t n_vocab = 0;       // rows of token_embd
    uint32_t n_ctx_train = 0;   // <arch>.context_length
    uint32_t n_embd = 0;        // <arch>.embedding_length
    uint32_t n_layer = 0;       // <arch>.block_count
    uint32_t n_head = 0;        // <arch>.attention.head_count
    uint32_t n_head_kv = 0;     // <arch>.attention.head_count_kv
    uint32_t head_dim_k = 0;    // <arch>.attention.key_length (default n_embd / n_head)
    uint32_t head_dim_v = 0;    // <arch>.attention.value_length (default n_embd / n_head)
    uint32_t n_expert = 0;      // <arch>.expert_count
    uint32_t n_expert_used = 0; // <arch>.expert_used_count
    uint32_t n_ff_exp = 0;      // <arch>.expert_feed_forward_length
    float rms_eps = 1e-6f;      // <arch>.attention.layer_norm_rms_epsilon
    float rope_freq_base = 10000.0f;  // <arch>.rope.freq_base
    bool norm_topk_prob = true; // qwen3moe renormalises the top-k router weights
    int32_t eos_token = -1;     // tokenizer.ggml.eos_token_id, -1 when absent
    int32_t bos_token = -1;     // tokenizer.ggml.bos_token_id, -1 when absent
};

// Shapes are GGUF's ne order (ne[0] contiguous). d = n_embd, q = n_head*head_dim_k,
// kv = n_head_kv*head_dim_k, vo = n_head*head_dim_v.
struct LayerWeights {
    const TensorInfo *attn_norm;      // [d]
    const TensorInfo *attn_q;         // [d, q]
    const TensorInfo *attn_k;         // [d, n_head_kv*head_dim_k]
    const TensorInfo *attn_v;         // [d, n_head_kv*head_dim_v]
    const TensorInfo *attn_output;    // [n_head*head_dim_v, d]
    const TensorInfo *attn_q_norm;    // [head_dim_k]
    const TensorInfo *attn_k_norm;    // [head_dim_k]
    const TensorInfo *ffn_norm;       // [d]
    const TensorInfo *ffn_gate_inp;   // [d, n_expert]            router
    const TensorInfo *ffn_gate_exps;  // [d, n_ff_exp, n_expert]  expert e is the slice ne[2] == e
    const TensorInfo *ffn_up_exps;    // [d, n_ff_exp, n_expert]
    const TensorInfo *ffn_down_exps;  // [n_ff_exp, d, n_expert]
};

struct Model {
    std::unique_ptr<GgufFile> file;
    HParams hp;
    const TensorInfo *token_embd = nullptr;   // [d, n_vocab]
    const TensorInfo *output_norm = nullptr;  // [d]
    const TensorInfo *output = nullptr;       // [d, n_vocab]; points at token_embd when the file ties them
    std::vector<LayerWeights> layers;

    const uint8_t *data(const TensorInfo &t) const { return file->tensor_data(t); }
};

// Opens path and loads the architecture named by general.architecture. Errors: kIo, kBadFormat (missing or
// malformed key or tensor, wrong shape; the message names it), kVersion, kUnsupported (unknown
// architecture, unsupported tensor type).
StatusOr<std::unique_ptr<Model>> load_model(const std::string &path);
// Same, for an already parsed file (takes ownership).
StatusOr<std::unique_ptr<Model>> load_model(std::unique_ptr<GgufFile> file);

}  // namespace moevk::model
