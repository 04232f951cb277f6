// gpu_scratch.cpp — sizing and allocation of the forward pass's activation buffers (see gpu_scratch.h).
#include "session/gpu_scratch.h"

#include <algorithm>
#include <string>

#include "session/gpu_ops.h"

namespace moevk::session {
namespace {

// Tokens per split-attention group (the partials of 64 tokens of a 32-head, 128-dim model: 34 MB).
constexpr uint64_t kAttentionPartialTokens = 64;

}  // namespace

ActivationShape ActivationShape::of(const model::HParams &hp) {
    ActivationShape s;
    s.n_embd = hp.n_embd;
    s.q_dim = hp.n_head * hp.head_dim_k;
    s.k_dim = hp.n_head_kv * hp.head_dim_k;
    s.v_dim = hp.n_head_kv * hp.head_dim_v;
    s.attn_dim = hp.n_head * hp.head_dim_v;
    s.n_expert = hp.n_expert;
    s.k_used = hp.n_expert_used;
    s.n_ff = hp.n_ff_exp;
    s.n_vocab = hp.n_vocab;
    s.n_layer = hp.n_layer;
    s.n_head = hp.n_head;
    s.head_dim_v = hp.head_dim_v;
    if (hp.is_hybrid()) {
        s.conv_dim = hp.ssm_conv_dim();
        s.ssm_v_dim = hp.ssm_value_dim();
        s.ssm_v_heads = hp.ssm_n_v_heads;
        s.n_ff_shexp = hp.n_ff_shexp;
    }
    return s;
}

uint64_t GpuScratch::total_bytes() const {
    uint64_t sum = 0;
    for (const auto *b : {&tokens, &positions, &x, &h, &qkv, &attn, &attn_partials, &router_logits, &expert_ids,
                          &expert_weights, &act, &expert_out, &logits, &qg, &attn_gate, &ssm_proj, &ssm_conv,
                          &ssm_out, &shexp_gate_up, &shexp_act, &shexp_out})
        if (*b) sum += (*b)->size_bytes();
    return sum;
}

StatusOr<std::unique_ptr<GpuScratch>> create_scratch(const vulkan::Device &device, const ActivationShape &s,
                                                     uint32_t requested_batch) {
    const uint64_t limit = device.max_binding_bytes();
    // the widest per-token activation decides how many tokens one binding holds
    const uint64_t widest = 4ull * std::max({(uint64_t)s.qkv_dim(), (uint64_t)s.attn_dim, (uint64_t)s.router_dim(),
                                             (uint64_t)s.k_used * s.n_ff, (uint64_t)s.k_used * s.n_embd,
                                             (uint64_t)s.n_layer * s.k_used, (uint64_t)2 * s.q_dim, (uint64_t)s.ssm_proj_dim(),
                                             (uint64_t)2 * s.n_ff_shexp});
    uint64_t batch = std::min<uint64_t>({requested_batch, limit / widest,
                                         device.info().max_workgroup_count[1] / std::max(1u, s.k_used)});
    if (batch == 0)
        return unsupported("one token's activations (" + std::to_string(widest) +
                           " bytes) do not fit the device's storage buffer binding limit");
    const uint64_t vocab_bytes = 4ull * s.n_vocab;
    if (vocab_bytes > limit) return unsupported("one row of logits does not fit the device's binding limit");
    // logits are read back per pass: keep that buffer modest (all_logits is for tests)
    const uint64_t logits_rows = std::max<uint64_t>(1, std::min<uint64_t>(batch, std::min<uint64_t>(limit, 64ull << 20) / vocab_bytes));

    auto sc = std::make_unique<GpuScratch>();
    sc->max_batch = (uint32_t)batch;
    sc->logits_rows = (uint32_t)logits_rows;
    const uint64_t b = batch;
    using vulkan::MemoryUse;
    struct Spec {
        std::unique_ptr<vulkan::Buffer> *dst;
        uint64_t bytes;
        MemoryUse use;
        const char *name;
    };
    // split attention records tokens in groups of what its partials hold: enough to keep a GPU busy
    const uint64_t partial_tokens = std::max<uint64_t>(
        1, std::min<uint64_t>({b, kAttentionPartialTokens, limit / attention_partials_bytes(s.n_head, s.head_dim_v, 1)}));
    const Spec specs[] = {
        {&sc->tokens, 4 * b, MemoryUse::kUpload, "tokens"},
        {&sc->positions, 4 * b, MemoryUse::kUpload, "positions"},
        {&sc->x, 4 * b * s.n_embd, MemoryUse::kDevice, "x"},
        {&sc->h, 4 * b * s.n_embd, MemoryUse::kDevice, "h"},
        {&sc->qkv, 4 * b * s.qkv_dim(), MemoryUse::kDevice, "qkv"},
        {&sc->attn, 4 * b * s.attn_dim, MemoryUse::kDevice, "attn"},
        {&sc->attn_partials, attention_partials_bytes(s.n_head, s.head_dim_v, (uint32_t)partial_tokens),
         MemoryUse::kDevice, "attn_partials"},
        {&sc->router_logits, 4 * b * s.router_dim(), MemoryUse::kDevice, "router_logits"},
        {&sc->expert_ids, 4 * b * s.n_layer * s.k_used, MemoryUse::kReadback, "expert_ids"},
        {&sc->expert_weights, 4 * b * s.k_used, MemoryUse::kDevice, "expert_weights"},
        {&sc->expert_groups, moe_groups_bytes((uint32_t)(b * s.k_used)), MemoryUse::kDevice, "expert_groups"},
        {&sc->act, 4 * b * s.k_used * s.n_ff, MemoryUse::kDevice, "act"},
        {&sc->expert_out, 4 * b * s.k_used * s.n_embd, MemoryUse::kDevice, "expert_out"},
        {&sc->logits, vocab_bytes * logits_rows, MemoryUse::kReadback, "logits"},
    };
    for (const Spec &spec : specs) {
        MOEVK_ASSIGN_OR_RETURN(*spec.dst, vulkan::Buffer::create(device, spec.bytes, spec.use, spec.name));
    }
    if (!s.hybrid()) return sc;
    const Spec hybrid_specs[] = {
        {&sc->qg, 4 * b * 2 * s.q_dim, MemoryUse::kDevice, "qg"},
        {&sc->attn_gate, 4 * b * s.q_dim, MemoryUse::kDevice, "attn_gate"},
        {&sc->ssm_proj, 4 * b * s.ssm_proj_dim(), MemoryUse::kDevice, "ssm_proj"},
        {&sc->ssm_conv, 4 * b * s.conv_dim, MemoryUse::kDevice, "ssm_conv"},
        {&sc->ssm_out, 4 * b * s.ssm_v_dim, MemoryUse::kDevice, "ssm_out"},
        {&sc->shexp_gate_up, 4 * b * 2 * s.n_ff_shexp, MemoryUse::kDevice, "shexp_gate_up"},
        {&sc->shexp_act, 4 * b * s.n_ff_shexp, MemoryUse::kDevice, "shexp_act"},
        {&sc->shexp_out, 4 * b * s.n_embd, MemoryUse::kDevice, "shexp_out"},
    };
    for (const Spec &spec : hybrid_specs) {
        MOEVK_ASSIGN_OR_RETURN(*spec.dst, vulkan::Buffer::create(device, spec.bytes, spec.use, spec.name));
    }
    return sc;
}

}  // namespace moevk::session
