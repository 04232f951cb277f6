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

// qwen3next / qwen35moe: hybrid GatedDeltaNet + gated attention (docs/hybrid-models.md).
enum class Arch { kQwen3Moe, kQwen3Next, kQwen35Moe };

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
    uint32_t n_rot = 0;         // <arch>.rope.dimension_count: dims rotated per head (qwen3moe: head_dim_k)

    // Hybrid architectures only (all zero / empty for qwen3moe); docs/hybrid-models.md.
    std::vector<bool> recurrent;    // per layer: GatedDeltaNet (true) or gated full attention (false)
    uint32_t full_attn_interval = 0;  // <arch>.full_attention_interval
    uint32_t n_ff_shexp = 0;    // <arch>.expert_shared_feed_forward_length
    uint32_t ssm_d_conv = 0;    // <arch>.ssm.conv_kernel: conv taps
    uint32_t ssm_n_k_heads = 0; // <arch>.ssm.group_count: key heads
    uint32_t ssm_n_v_heads = 0; // <arch>.ssm.time_step_rank: value heads
    uint32_t ssm_head_dim = 0;  // <arch>.ssm.state_size: head_k_dim == head_v_dim

    bool is_hybrid() const { return arch != Arch::kQwen3Moe; }
    bool is_recurrent(uint32_t il) const { return il < recurrent.size() && recurrent[il]; }
    uint32_t ssm_key_dim() const { return ssm_n_k_heads * ssm_head_dim; }
    uint32_t ssm_value_dim() const { return ssm_n_v_heads * ssm_head_dim; }
    uint32_t ssm_conv_dim() const { return 2 * ssm_key_dim() + ssm_value_dim(); }
    // The key head value head v reads: qwen3next keeps HF's grouped order (v / (n_v/n_k)), qwen35moe's
    // converter reorders value heads to tiled order (v % n_k).
    uint32_t ssm_k_head_of(uint32_t v) const {
        return arch == Arch::kQwen35Moe ? v % ssm_n_k_heads : v / (ssm_n_v_heads / ssm_n_k_heads);
    }
};

// Shapes are GGUF's ne order (ne[0] contiguous). d = n_embd, q = n_head*head_dim_k,
// kv = n_head_kv*head_dim_k, vo = n_head*head_dim_v.
// Hybrid models: attention layers have the attn_* tensors (attn_q is [d, 2*q]: per head the query, then its
// output gate); recurrent layers have them null and the ssm_* ones instead; ffn_norm is the file's
// post_attention_norm (the pre-FFN norm); every layer has the shared expert.
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

    // Hybrid only (null otherwise). ck = ssm_key_dim, cv = ssm_value_dim, conv = 2*ck + cv, nv = n_v_heads.
    const TensorInfo *ssm_qkv = nullptr;     // attn_qkv [d, conv]: all Q heads, all K heads, all V heads
    const TensorInfo *ssm_gate = nullptr;    // attn_gate [d, cv]: z, the gated norm's gate
    const TensorInfo *ssm_conv1d = nullptr;  // [d_conv, conv]: each channel's taps contiguous
    const TensorInfo *ssm_dt_bias = nullptr; // ssm_dt.bias [nv]
    const TensorInfo *ssm_a = nullptr;       // [nv], holds -exp(A_log)
    const TensorInfo *ssm_ba = nullptr;      // qwen3next [d, 2*nv]: per key head [beta x nv/nk, alpha x nv/nk]
    const TensorInfo *ssm_beta = nullptr;    // qwen35moe [d, nv]
    const TensorInfo *ssm_alpha = nullptr;   // qwen35moe [d, nv]
    const TensorInfo *ssm_norm = nullptr;    // [ssm_head_dim]
    const TensorInfo *ssm_out = nullptr;     // [cv, d]
    const TensorInfo *ffn_gate_inp_shexp = nullptr;  // [d]: one sigmoid gate logit
    const TensorInfo *ffn_gate_shexp = nullptr;      // [d, n_ff_shexp]
    const TensorInfo *ffn_up_shexp = nullptr;        // [d, n_ff_shexp]
    const TensorInfo *ffn_down_shexp = nullptr;      // [n_ff_shexp, d]
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
