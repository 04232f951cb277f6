// router_topk.comp — MoE router of one token per invocation: softmax over n_expert logits, the k most
// probable experts (ranked by logit, the same order; ties go to the lower id), weights renormalised over the
// chosen k when norm_topk (the divisor clamped below at 2^-14 like llama.cpp). Sequential loops: the
// result never depends on other tokens. Bindings: 0 = logits (f32, [t][n_expert]), 1 = ids (int, written at
// ids_offset + t * k + j), 2 = weights (f32, [t][k]). CPU reference: reference::route_topk().
#version 450
layout(local_size_x_id = 0) in;
layout(constant_id = 2) const uint MAX_K = 16;  // n_expert_used <= MAX_K

layout(std430, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, binding = 1) writeonly buffer Ids { int ids[]; };
layout(std430, binding = 2) writeonly buffer Weights { float weights[]; };

layout(push_constant) uniform PushConstants {
    uint n_tokens;
    uint n_expert;
    uint k;
    uint norm_topk;
    uint logits_stride;
    uint ids_offset;
} pc;

void main() {
    const uint t = gl_GlobalInvocationID.x;
    if (t >= pc.n_tokens) return;
    const uint lb = t * pc.logits_stride;
    float max_logit = logits[lb];
    for (uint e = 1u; e < pc.n_expert; ++e) max_logit = max(max_logit, logits[lb + e]);
    float sum = 0.0;
    for (uint e = 0u; e < pc.n_expert; ++e) sum += exp(logits[lb + e] - max_logit);

    uint chosen[MAX_K];
    float chosen_sum = 0.0;
    for (uint j = 0u; j < pc.k; ++j) {
        uint best = pc.n_expert;
        for (uint e = 0u; e < pc.n_expert; ++e) {
            bool taken = false;
            for (uint i = 0u; i < j; ++i) taken = taken || chosen[i] == e;
            // strict '>' while scanning upwards: among equal logits the lowest id wins
            if (!taken && (best == pc.n_expert || logits[lb + e] > logits[lb + best])) best = e;
        }
        chosen[j] = best;
        chosen_sum += exp(logits[lb + best] - max_logit) / sum;
    }
    const float divisor = pc.norm_topk != 0u ? max(chosen_sum, 6.103515625e-5) : 1.0;
    for (uint j = 0u; j < pc.k; ++j) {
        ids[pc.ids_offset + t * pc.k + j] = int(chosen[j]);
        weights[t * pc.k + j] = exp(logits[lb + chosen[j]] - max_logit) / sum / divisor;
    }
}
