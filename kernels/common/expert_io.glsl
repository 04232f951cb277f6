// expert_io.glsl — bindings, push constants and work split shared by moe_gate_up.comp and moe_down.comp.
// Expert e lives in slot slot_table[e]; a dispatch covers the slots of one binding chunk [slot_begin,
// slot_end) and skips pairs whose slot is elsewhere. A workgroup takes ROWS_PER_WG rows (one subgroup
// each) of one expert for up to PAIR_TILE of its (token, expert) pairs, so the rows are read once per
// tile. Grouped (moe_group.comp wrote binding 5): workgroup row y is tile y of the groups; otherwise the
// single pair y. Each pair has its own accumulators over units lane, lane + subgroup size, ... added with
// subgroupAdd: the same order for every tile size, so prompt and token-by-token evaluation are bit-identical.
// Bindings: 0 = slots (uint words), 1 = x (f32; pair p reads row p / pairs_per_x), 2 = ids (int),
// 3 = slot_table (uint), 4 = out (f32, [pair][n_rows]; moe_down_combine: the residual [t][n_rows], read and
// written), 5 = groups (uint, moe_group.comp's layout; moe_down_combine: the routing weights [t][k]).
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
layout(local_size_x_id = 0) in;
layout(constant_id = 3) const uint ROWS_PER_WG = 2;  // rows per workgroup, one subgroup each
layout(constant_id = 5) const uint PAIR_TILE = 1;    // pairs per workgroup when grouped

layout(std430, binding = 0) readonly buffer Weights { uint weight_words[]; };
layout(std430, binding = 1) readonly buffer X { float x_in[]; };
layout(std430, binding = 1) readonly buffer X4 { vec4 x_in4[]; };  // the same activations, for wide loads
layout(std430, binding = 2) readonly buffer Ids { int ids[]; };
layout(std430, binding = 3) readonly buffer SlotTable { uint slot_table[]; };
layout(std430, binding = 4) buffer Out { float out_rows[]; };
layout(std430, binding = 5) readonly buffer Groups { uint groups[]; };

layout(push_constant) uniform PushConstants {
    uint pairs_per_x;      // pairs sharing one x row (gate_up: k experts per token; down: 1)
    uint n_cols;
    uint n_rows;           // rows of one matrix (gate_up: of gate, and of up)
    uint row_bytes;
    uint slot_bytes;
    uint up_offset_bytes;  // gate_up: the up rows' offset inside a slot
    uint w_base_byte;      // byte of slot slot_begin inside binding 0
    uint slot_begin;
    uint slot_end;
    uint ids_offset;
    uint x_stride;
    uint grouped;          // 1: workgroup rows are tiles of binding 5
    uint list_base;        // first word of the grouped pair list in binding 5
    uint k;                // moe_down_combine: experts per token
} pc;

struct ExpertTile {
    bool valid;  // false: no tile at this row (grouped grids are sized for the worst case)
    uint expert;
    uint first;  // grouped: first list index; else the pair
    uint count;  // pairs, <= PAIR_TILE
};

ExpertTile expert_tile() {
    const uint y = gl_WorkGroupID.y;
    if (pc.grouped == 0u) return ExpertTile(true, uint(ids[pc.ids_offset + y]), y, 1u);
    if (y >= groups[0]) return ExpertTile(false, 0u, 0u, 0u);
    return ExpertTile(true, groups[1u + 3u * y], groups[2u + 3u * y], min(PAIR_TILE, groups[3u + 3u * y]));
}

uint tile_pair(ExpertTile tile, uint i) {
    return pc.grouped == 0u ? tile.first : groups[pc.list_base + tile.first + i];
}

// Byte of the expert's slot inside binding 0, or ~0u when the slot is not this dispatch's.
uint expert_slot_byte(uint expert) {
    const uint slot = slot_table[expert];
    if (slot < pc.slot_begin || slot >= pc.slot_end) return ~0u;
    return pc.w_base_byte + (slot - pc.slot_begin) * pc.slot_bytes;
}

uint tile_slot_byte(ExpertTile tile) { return tile.valid ? expert_slot_byte(tile.expert) : ~0u; }
