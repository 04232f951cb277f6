// kv_write.comp — copies each token's K and V (from the fused q|k|v rows, after RoPE) into the layer's cache
// at the token's position, converting to the cache format of this variant (KV_F32 / KV_F16 / KV_Q8_0).
// Invocation (unit, t): unit < k_width / KV_UNIT writes K, the rest V. Bindings: 0 = qkv (f32),
// 1 = kv cache (uint words, common/kv_cache.glsl), 2 = positions (int per token).
// CPU reference: the float values (f32), fp32_to_fp16 (f16), model::quantize_row q8_0 (q8_0).
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Qkv { float qkv[]; };
layout(std430, binding = 1) buffer KvCache { uint kv_words[]; };
layout(std430, binding = 2) readonly buffer Positions { int positions[]; };

layout(push_constant) uniform PushConstants {
    uint n_tokens;
    uint qkv_stride;  // floats per token row
    uint k_offset;    // first K value in a token row
    uint v_offset;    // first V value in a token row
    uint k_base, k_width, k_scale_base;  // KvRegion of K
    uint v_base, v_width, v_scale_base;  // KvRegion of V
} pc;

#include "common/kv_cache.glsl"
#include "common/kv_store.glsl"

void main() {
    const uint unit = gl_GlobalInvocationID.x;
    const uint t = gl_WorkGroupID.y;
    const uint k_units = pc.k_width / KV_UNIT;
    const uint v_units = pc.v_width / KV_UNIT;
    if (unit >= k_units + v_units || t >= pc.n_tokens) return;
    const bool is_k = unit < k_units;
    const KvRegion r = is_k ? KvRegion(pc.k_base, pc.k_width, pc.k_scale_base)
                            : KvRegion(pc.v_base, pc.v_width, pc.v_scale_base);
    const uint u = is_k ? unit : unit - k_units;
    const uint src = t * pc.qkv_stride + (is_k ? pc.k_offset : pc.v_offset) + u * KV_UNIT;
    float v[KV_UNIT];
    for (uint j = 0u; j < KV_UNIT; ++j) v[j] = qkv[src + j];
    kv_store_unit(r, uint(positions[t]), u, v);
}
