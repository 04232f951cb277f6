// reduce.glsl — deterministic workgroup sums and maxima: subgroup reduction, then the subgroup partials
// added in subgroup order by every invocation, so the result is the same in all of them and does not depend
// on other workgroups. Never assumes a subgroup size. Up to REDUCE_VALUES values per round:
//   red_put_sum(k, v) for each k; barrier(); total = red_sum(k); barrier() before the next round.
// Requires: `const uint REDUCE_VALUES` defined before this include (a constant or spec constant).
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require

shared float red_partial[REDUCE_VALUES * gl_WorkGroupSize.x];  // worst case: subgroups of one invocation

void red_put_sum(uint k, float v) {
    const float s = subgroupAdd(v);
    if (subgroupElect()) red_partial[k * gl_WorkGroupSize.x + gl_SubgroupID] = s;
}

void red_put_max(uint k, float v) {
    const float m = subgroupMax(v);
    if (subgroupElect()) red_partial[k * gl_WorkGroupSize.x + gl_SubgroupID] = m;
}

float red_sum(uint k) {
    float total = 0.0;
    for (uint g = 0u; g < gl_NumSubgroups; ++g) total += red_partial[k * gl_WorkGroupSize.x + g];
    return total;
}

float red_max(uint k) {
    float m = red_partial[k * gl_WorkGroupSize.x];
    for (uint g = 1u; g < gl_NumSubgroups; ++g) m = max(m, red_partial[k * gl_WorkGroupSize.x + g]);
    return m;
}
