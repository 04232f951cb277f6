// expert_gemm.glsl — the tile of a tiled expert kernel (moe_*_tiled.comp, moe_*_coopmat.comp): grouped tile
// gl_WorkGroupID.y of moe_group.comp (one expert, up to PAIR_TILE pairs) x rows gl_WorkGroupID.x *
// ROWS_PER_WG .. of its matrix. Requires common/expert_io.glsl and a mat-mul core (common/gemm_tile.glsl
// or common/coopmat_tile.glsl: `uint s_col_base[]` of PAIR_TILE entries) included before.
struct ExpertGemm {
    bool valid;           // false: no tile here, or its expert's slot is in another dispatch
    uint first_row_byte;  // the tile's first row inside binding 0
    uint row0, n_rows;    // first row and rows of the tile
    uint first, count;    // the tile's pair list entries
};

// Looks the tile up and fills s_col_base with its pairs' activation rows (every invocation calls it).
ExpertGemm expert_gemm_begin() {
    ExpertGemm g = ExpertGemm(false, 0u, 0u, 0u, 0u, 0u);
    const ExpertTile tile = expert_tile();
    const uint slot_byte = tile_slot_byte(tile);
    if (slot_byte == ~0u) return g;
    g.row0 = gl_WorkGroupID.x * ROWS_PER_WG;
    g.n_rows = min(ROWS_PER_WG, pc.n_rows - g.row0);
    g.first_row_byte = slot_byte + g.row0 * pc.row_bytes;
    g.first = tile.first;
    g.count = tile.count;
    for (uint c = gl_LocalInvocationIndex; c < PAIR_TILE; c += gl_WorkGroupSize.x)
        s_col_base[c] = c < tile.count ? tile_pair(tile, c) / pc.pairs_per_x * pc.x_stride : ~0u;
    barrier();
    g.valid = true;
    return g;
}

// Writes the value of row r (of the tile) for its pair c when both exist.
void expert_gemm_store(ExpertGemm g, uint r, uint c, float value) {
    if (r < g.n_rows && c < g.count) out_rows[groups[pc.list_base + g.first + c] * pc.n_rows + g.row0 + r] = value;
}
