// router_topk.comp — MoE router, one workgroup per token: softmax over n_expert logits, the k most probable
// experts (ranked by logit, the same order; ties go to the lower id), weights renormalised over the chosen k
// when norm_topk (the divisor clamped below at 2^-14 like llama.cpp). Bindings: 0 = logits (f32,
// [t][n_expert]), 1 = ids (int, written at ids_offset + t * k + j), 2 = weights (f32, [t][k]).
// CPU reference: reference::route_topk().
// Why ranks instead of k arg-max rounds: a decode step routes one token per layer, so this kernel is one
// workgroup on the whole GPU and only its latency counts. k rounds of (scan, subgroup max, two barriers)
// took ~15 us per layer on the H100; counting, for each expert, how many experts beat it is one pass over
// the logits in shared memory with no barrier inside, and the experts of rank < k are the answer.
// The rank orders by (logit descending, id ascending) on a total-order key of the float bits, so the
// ranks are a permutation of 0..n-1 whatever the logits hold (NaN included): every slot gets one valid id.
// The max (exact in any order) is a workgroup reduction and the sum is taken in expert order: a token's result never
// depends on the other tokens of its batch.
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
shared float s_exp[MAX_EXPERT];  // exp(logit - max), the softmax numerators
shared uint s_key[MAX_EXPERT];
shared uint s_chosen[MAX_K];
shared float s_part[gl_WorkGroupSize.x];
shared float s_sum;  // per subgroup (worst case: subgroups of 1)

// Unsigned key ordered like the float (-0 counted as +0, so it ties with +0 as the comparison does).
uint order_key(float v) {
    const uint u = v == 0.0 ? 0u : floatBitsToUint(v);
    return (u & 0x80000000u) != 0u ? ~u : u | 0x80000000u;
}

// The workgroup's max of v (exact in any order), combined across subgroups.
float workgroup_max(float v) {
    const float r = subgroupMax(v);
    if (subgroupElect()) s_part[gl_SubgroupID] = r;
    barrier();
    float total = s_part[0];
    for (uint g = 1u; g < gl_NumSubgroups; ++g) total = max(total, s_part[g]);
    return total;
}

void main() {
    const uint t = gl_WorkGroupID.x;
    const uint lane = gl_LocalInvocationID.x;
    const uint wg = gl_WorkGroupSize.x;
    const uint n = pc.n_expert;
    const uint lb = t * pc.logits_stride;
    float lane_max = uintBitsToFloat(0xff800000u);  // -inf
    for (uint e = lane; e < n; e += wg) {
        const float v = logits[lb + e];
        s_logit[e] = v;
        s_key[e] = order_key(v);
        lane_max = max(lane_max, v);
    }
    const float max_logit = workgroup_max(lane_max);  // its barrier also publishes s_logit, s_key

    for (uint e = lane; e < n; e += wg) s_exp[e] = exp(s_logit[e] - max_logit);
    barrier();
    if (lane == 0u) {  // the softmax sum in expert order, as the golden snapshots' writer took it
        // the terms were computed in parallel above; loading 8 before adding them keeps the one
        // invocation's chain to its adds (it was ~128 dependent exp + shared-load steps a token)
        float sum = 0.0;
        for (uint e0 = 0u; e0 < n; e0 += 8u) {
            float v[8];
            for (uint j = 0u; j < 8u; ++j) v[j] = s_exp[min(e0 + j, n - 1u)];
            for (uint j = 0u; j < 8u; ++j)
                if (e0 + j < n) sum += v[j];
        }
        s_sum = sum;
    }
    for (uint e = lane; e < n; e += wg) {
        const uint key = s_key[e];
        uint rank = 0u;
        for (uint f = 0u; f < n; ++f) {
            const uint other = s_key[f];
            rank += (other > key || (other == key && f < e)) ? 1u : 0u;
        }
        if (rank < pc.k) s_chosen[rank] = e;
    }
    barrier();  // publishes s_sum and s_chosen
    const float sum = s_sum;

    float chosen_sum = 0.0;  // in rank order, as reference::route_weights adds them
    for (uint j = 0u; j < pc.k; ++j) chosen_sum += s_exp[s_chosen[j]] / sum;
    const float divisor = pc.norm_topk != 0u ? max(chosen_sum, 6.103515625e-5) : 1.0;
    for (uint j = lane; j < pc.k; j += wg) {
        const uint e = s_chosen[j];
        ids[pc.ids_offset + t * pc.k + j] = int(e);
        weights[t * pc.k + j] = s_exp[e] / sum / divisor;
    }
}
