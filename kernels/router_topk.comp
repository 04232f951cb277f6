// router_topk.comp — MoE router, one workgroup per token: softmax over n_expert logits, the k most probable
// experts (ranked by logit, the same order; ties go to the lower id), weights renormalised over the chosen k
// when norm_topk (the divisor clamped below at 2^-14 like llama.cpp). Bindings: 0 = logits (f32,
// [t][n_expert]), 1 = ids (int, written at ids_offset + t * k + j), 2 = weights (f32, [t][k]).
// CPU reference: reference::route_topk().
// Why a workgroup per token: the former one-invocation-per-token kernel scanned the logits k times from
// global memory and took ~260 us per layer on the H100 (28% of a decode step). Now the logits sit in shared
// memory and each top-k round is a parallel arg-max. The arg-max has one answer whatever the reduction order
// (larger logit, then lower id), and the max and the softmax sum are still taken by one invocation in
// expert order: the result is bit-identical to the sequential kernel and never depends on other tokens.
#version 450
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
layout(local_size_x_id = 0) in;
layout(constant_id = 2) const uint MAX_K = 16;         // n_expert_used <= MAX_K
layout(constant_id = 3) const uint MAX_EXPERT = 256;  // n_expert <= MAX_EXPERT

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

shared float s_logit[MAX_EXPERT];
shared float s_best_v[gl_WorkGroupSize.x];  // per subgroup: best logit of the round (worst case: subgroups of 1)
shared uint s_best_i[gl_WorkGroupSize.x];   // and its expert id (n_expert: none)
shared float s_max, s_sum;

void main() {
    const uint t = gl_WorkGroupID.x;
    const uint lane = gl_LocalInvocationID.x;
    const uint wg = gl_WorkGroupSize.x;
    const uint n = pc.n_expert;
    const uint lb = t * pc.logits_stride;
    for (uint e = lane; e < n; e += wg) s_logit[e] = logits[lb + e];
    barrier();
    if (lane == 0u) {  // sequential, in expert order: the same sums as reference::route_topk
        float max_logit = s_logit[0];
        for (uint e = 1u; e < n; ++e) max_logit = max(max_logit, s_logit[e]);
        float sum = 0.0;
        for (uint e = 0u; e < n; ++e) sum += exp(s_logit[e] - max_logit);
        s_max = max_logit;
        s_sum = sum;
    }

    uint chosen[MAX_K];
    for (uint j = 0u; j < pc.k; ++j) {
        // this invocation's best untaken expert (ids ascending, strict '>': the lowest id among equals)
        uint bi = n;
        float bv = 0.0;
        for (uint e = lane; e < n; e += wg) {
            bool taken = false;
            for (uint i = 0u; i < j; ++i) taken = taken || chosen[i] == e;
            if (!taken && (bi == n || s_logit[e] > bv)) {
                bi = e;
                bv = s_logit[e];
            }
        }
        // the subgroup's best: the largest logit, then the lowest id holding it
        // (-inf for "none": a candidate whose logit is -inf still matches m)
        const float m = subgroupMax(bi != n ? bv : uintBitsToFloat(0xff800000u));
        const uint id = subgroupMin(bi != n && bv == m ? bi : n);
        if (subgroupElect()) {
            s_best_v[gl_SubgroupID] = m;
            s_best_i[gl_SubgroupID] = id;
        }
        barrier();
        uint best = n;
        float best_v = 0.0;
        for (uint g = 0u; g < gl_NumSubgroups; ++g) {
            const uint gi = s_best_i[g];
            if (gi == n) continue;
            if (best == n || s_best_v[g] > best_v || (s_best_v[g] == best_v && gi < best)) {
                best = gi;
                best_v = s_best_v[g];
            }
        }
        chosen[j] = best;
        barrier();  // s_best_* are rewritten by the next round
    }
    if (lane != 0u) return;
    const float max_logit = s_max, sum = s_sum;
    float chosen_sum = 0.0;
    for (uint j = 0u; j < pc.k; ++j) chosen_sum += exp(s_logit[chosen[j]] - max_logit) / sum;
    const float divisor = pc.norm_topk != 0u ? max(chosen_sum, 6.103515625e-5) : 1.0;
    for (uint j = 0u; j < pc.k; ++j) {
        ids[pc.ids_offset + t * pc.k + j] = int(chosen[j]);
        weights[t * pc.k + j] = exp(s_logit[chosen[j]] - max_logit) / sum / divisor;
    }
}
