// moe_group.comp — groups a batch's (token, expert) pairs by expert, so the expert kernels read each
// expert's weights once per tile of up to `tile` pairs instead of once per pair. One workgroup: counts the
// pairs of each expert, lays the experts' pair lists one after another (expert order) and cuts each into
// tiles. The order of pairs inside an expert's list may vary (atomics); each pair's result does not depend
// on it or on its tile. Binding 0 = ids (int, pair p's expert at ids_offset + p), 1 = groups (uint):
// [0] tile count; tile i at 1 + 3i: expert, first list index, pair count; the list at list_base.
#version 450
layout(local_size_x_id = 0) in;
layout(constant_id = 2) const uint MAX_EXPERT = 256;  // n_expert <= MAX_EXPERT

layout(std430, binding = 0) readonly buffer Ids { int ids[]; };
layout(std430, binding = 1) writeonly buffer Groups { uint groups[]; };

layout(push_constant) uniform PushConstants {
    uint n_pairs;
    uint n_expert;
    uint ids_offset;
    uint tile;       // pairs per tile
    uint list_base;  // first word of the pair list in groups
} pc;

shared uint s_count[MAX_EXPERT];
shared uint s_cursor[MAX_EXPERT];  // next free list index of the expert
shared uint s_first_tile[MAX_EXPERT];

void main() {
    const uint lane = gl_LocalInvocationID.x, wg = gl_WorkGroupSize.x;
    for (uint e = lane; e < pc.n_expert; e += wg) s_count[e] = 0u;
    barrier();
    for (uint p = lane; p < pc.n_pairs; p += wg) {
        const uint e = uint(ids[pc.ids_offset + p]);
        if (e < pc.n_expert) atomicAdd(s_count[e], 1u);  // the router never writes another id
    }
    barrier();
    if (lane == 0u) {
        uint pairs = 0u, tiles = 0u;
        for (uint e = 0u; e < pc.n_expert; ++e) {
            s_cursor[e] = pairs;
            s_first_tile[e] = tiles;
            pairs += s_count[e];
            tiles += (s_count[e] + pc.tile - 1u) / pc.tile;
        }
        groups[0] = tiles;
    }
    barrier();
    for (uint e = lane; e < pc.n_expert; e += wg) {
        const uint first = s_cursor[e], count = s_count[e];
        for (uint i = 0u; i * pc.tile < count; ++i) {
            const uint tile = s_first_tile[e] + i;
            groups[1u + 3u * tile] = e;
            groups[2u + 3u * tile] = first + i * pc.tile;
            groups[3u + 3u * tile] = min(pc.tile, count - i * pc.tile);
        }
    }
    barrier();  // s_cursor is read above before it advances
    for (uint p = lane; p < pc.n_pairs; p += wg) {
        const uint e = uint(ids[pc.ids_offset + p]);
        if (e < pc.n_expert) groups[pc.list_base + atomicAdd(s_cursor[e], 1u)] = p;
    }
}
