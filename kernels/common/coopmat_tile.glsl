// coopmat_tile.glsl — the prompt mat-mul core of the cooperative-matrix kernels (*_coopmat.comp), for
// devices with VK_NV_cooperative_matrix (16x16x16 fp16 x fp16 -> fp32): as common/gemm_tile.glsl, a
// workgroup tile of COOP_M = 64 weight rows x COOP_N columns and a K loop in steps of 32 (steps of 64 were
// 10% slower on an H100: more shared memory, fewer workgroups per SM), but the weight and activation tiles
// are staged as fp16 and multiplied by the subgroups' tensor cores into fp32 accumulators. Four subgroups
// of 32 (the host enables this path only with that subgroup size): subgroup s owns rows 16 s .. 16 s + 15
// of every column block. An output's value depends only on its row and its column's activations (the
// hardware's order inside a 16-deep product, then k steps in order), never on the other columns or the
// tile.
// The operand tiles are double-buffered: step i multiplies buffer i % 2 while the loads of step i + 1 are
// in flight (fetched into registers before the products, stored into the other buffer after them), so a
// step costs one barrier and the tensor cores do not wait on memory. Where the format has 8-value slices
// (WEIGHT_HAS_SLICE8) and the shape allows it (coop_fast_path), every invocation fetches two weight slices
// per tile and one of activations; otherwise the step stages whole units straight into shared memory.
// Requires: COOP_N = 32 and COOP_W_TILES (weight tiles per step: 2 for gate_up) defined, common/weight_type.glsl
// and common/vec4_loads.glsl included and `float x_in[]` / `vec4 x_in4[]` (one binding) declared before.
#extension GL_NV_cooperative_matrix : require  // SPIR-V in the Vulkan memory model (a device feature)
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require

const uint COOP_M = 64, COOP_K = 32;
const uint COOP_CN = COOP_N / 16u;  // column blocks of one subgroup's accumulators
// The fp16 tiles are arrays of uvec4, 8 halves each, so a slice is one 16-byte shared store; the
// cooperative-matrix loads count offsets and strides in those units.
const uint COOP_S = (COOP_K + 8u) / 8u;  // row stride of the fp16 tiles (uvec4; 16 bytes of padding a row)
const uint COOP_CS = COOP_N + 4u;        // row stride of the f32 result tile
const uint COOP_A_VEC = COOP_W_TILES * COOP_M * COOP_S;  // one buffer of the weight tiles
const uint COOP_B_VEC = COOP_N * COOP_S;                 // one buffer of the activation tile
const uint COOP_INVOCATIONS = 128u;
// 8-value slices per invocation and step: of one weight tile, and of the activation tile
const uint COOP_W_SLICES = COOP_M * COOP_K / 8u / COOP_INVOCATIONS;
const uint COOP_X_SLICES = COOP_N * COOP_K / 8u / COOP_INVOCATIONS;

shared uvec4 s_a[2u * COOP_A_VEC];  // [buffer][tile][row][k / 8]
shared uvec4 s_b[2u * COOP_B_VEC];  // [buffer][column][k / 8]: the K x N operand, column-major
shared float s_c[COOP_M * COOP_CS]; // [row][column]: the results for the epilogue
shared uint s_col_base[COOP_N];     // float index of column c's activations; ~0u: none

#define COOP_ACC fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>

// The weight rows of one tile: row r (< n_rows) starts at first_row_byte + r * row_bytes.
struct CoopRows {
    uint first_row_byte;
    uint row_bytes;
    uint n_rows;
};

// Whether the sliced staging applies (uniform over the dispatch): whole K steps, activation rows at vec4
// boundaries (s_col_base entries and k0 multiples of 4) and a format with slices.
bool coop_fast_path(uint n_cols, uint x_align) {
    return WEIGHT_SLICES && VEC4_ACTIVATION_LOADS && n_cols % COOP_K == 0u && x_align % 4u == 0u;
}

// 8 values as fp16 (each rounded as float16_t() does).
uvec4 coop_pack8(vec4 lo, vec4 hi) {
    return uvec4(packFloat2x16(f16vec2(lo.xy)), packFloat2x16(f16vec2(lo.zw)), packFloat2x16(f16vec2(hi.xy)),
                 packFloat2x16(f16vec2(hi.zw)));
}

// --- staging of whole units (every format and shape) ---

// An item is 8 values (formats of 1-value units: 8 units) or one unit of WEIGHT_QK >= 8 values.
const uint COOP_ITEM_VALUES = max(WEIGHT_QK, 8u);
const uint COOP_ITEM_UNITS = COOP_ITEM_VALUES / WEIGHT_QK;

void coop_stage_w_units(uint buf, uint tile, CoopRows rows, uint k0, uint kmax) {
    const uint items = COOP_K / COOP_ITEM_VALUES;
    for (uint idx = gl_LocalInvocationIndex; idx < COOP_M * items; idx += COOP_INVOCATIONS) {
        const uint r = idx % COOP_M, it = idx / COOP_M;
        float v[COOP_ITEM_VALUES];
        for (uint u = 0u; u < COOP_ITEM_UNITS; ++u) {
            const uint e = it * COOP_ITEM_VALUES + u * WEIGHT_QK;  // first value of the unit in the step
            float w[WEIGHT_QK];
            weight_dequant_unit_or_zero(r < rows.n_rows && e < kmax, rows.first_row_byte + r * rows.row_bytes,
                                        (k0 + e) / WEIGHT_QK, w);
            for (uint j = 0u; j < WEIGHT_QK; ++j) v[u * WEIGHT_QK + j] = w[j];
        }
        const uint base = buf * COOP_A_VEC + (tile * COOP_M + r) * COOP_S + it * (COOP_ITEM_VALUES / 8u);
        for (uint g = 0u; g < COOP_ITEM_VALUES / 8u; ++g)
            s_a[base + g] = coop_pack8(vec4(v[8u * g], v[8u * g + 1u], v[8u * g + 2u], v[8u * g + 3u]),
                                       vec4(v[8u * g + 4u], v[8u * g + 5u], v[8u * g + 6u], v[8u * g + 7u]));
    }
}

void coop_stage_x_units(uint buf, uint k0, uint kmax) {
    for (uint idx = gl_LocalInvocationIndex; idx < COOP_N * COOP_K / 8u; idx += COOP_INVOCATIONS) {
        const uint g = idx % (COOP_K / 8u), c = idx / (COOP_K / 8u);
        const uint base = s_col_base[c];
        float v[8];
        for (uint j = 0u; j < 8u; ++j) {
            const uint k = 8u * g + j;
            v[j] = base != ~0u && k < kmax ? x_in[base + k0 + k] : 0.0;
        }
        s_b[buf * COOP_B_VEC + c * COOP_S + g] = coop_pack8(vec4(v[0], v[1], v[2], v[3]), vec4(v[4], v[5], v[6], v[7]));
    }
}

// --- sliced staging: fetched into registers, stored after the products ---

struct CoopFetch {
    vec4 w[COOP_W_TILES * COOP_W_SLICES * 2u];  // [tile][slice]: values 0..3, 4..7
    vec4 x[COOP_X_SLICES * 2u];
};

// Slice q of a tile (weights: row q / 4; activations: column q / 4) holds values 8 (q % 4) .. + 7 of the
// step. Neighbouring invocations read neighbouring bytes.
uint coop_slice(uint i) { return gl_LocalInvocationIndex + i * COOP_INVOCATIONS; }

// The step at k0 into registers. A k0 at or past n_cols (the step after the last) reads the last step
// again: valid addresses, no branch, values never used.
CoopFetch coop_fetch(CoopRows rows[COOP_W_TILES], uint k0, uint n_cols) {
    CoopFetch f;
    const uint k = min(k0, n_cols - COOP_K);
    for (uint t = 0u; t < COOP_W_TILES; ++t)
        for (uint i = 0u; i < COOP_W_SLICES; ++i) {
            const uint q = coop_slice(i), r = q / 4u;
            const uint row = min(r, rows[t].n_rows - 1u);  // rows past the matrix: zeroed at the store
            weight_slice8(rows[t].first_row_byte + row * rows[t].row_bytes, k + 8u * (q % 4u),
                          f.w[(t * COOP_W_SLICES + i) * 2u], f.w[(t * COOP_W_SLICES + i) * 2u + 1u]);
        }
    for (uint i = 0u; i < COOP_X_SLICES; ++i) {
        const uint q = coop_slice(i);
        const uint base = s_col_base[q / 4u];
        const uint x4 = (base == ~0u ? 0u : base + k) / 4u + 2u * (q % 4u);  // absent columns: zeroed at the store
        f.x[2u * i] = x_in4[x4];
        f.x[2u * i + 1u] = x_in4[x4 + 1u];
    }
    return f;
}

void coop_put(uint buf, CoopRows rows[COOP_W_TILES], CoopFetch f) {
    for (uint t = 0u; t < COOP_W_TILES; ++t)
        for (uint i = 0u; i < COOP_W_SLICES; ++i) {
            const uint q = coop_slice(i), r = q / 4u;
            const bool keep = r < rows[t].n_rows;  // a select, not a product: stays zero whatever was read
            const vec4 lo = keep ? f.w[(t * COOP_W_SLICES + i) * 2u] : vec4(0.0);
            const vec4 hi = keep ? f.w[(t * COOP_W_SLICES + i) * 2u + 1u] : vec4(0.0);
            s_a[buf * COOP_A_VEC + (t * COOP_M + r) * COOP_S + q % 4u] = coop_pack8(lo, hi);
        }
    for (uint i = 0u; i < COOP_X_SLICES; ++i) {
        const uint q = coop_slice(i), c = q / 4u;
        const bool keep = s_col_base[c] != ~0u;
        s_b[buf * COOP_B_VEC + c * COOP_S + q % 4u] =
            coop_pack8(keep ? f.x[2u * i] : vec4(0.0), keep ? f.x[2u * i + 1u] : vec4(0.0));
    }
}

// acc[n] += W[tile] rows of this subgroup x the K step of buffer buf x column block n.
void coop_mac(uint buf, uint tile, inout COOP_ACC acc[COOP_CN]) {
    const uint row_block = gl_SubgroupID;
    for (uint kk = 0u; kk < COOP_K; kk += 16u) {
        fcoopmatNV<16, gl_ScopeSubgroup, 16, 16> a;
        coopMatLoadNV(a, s_a, buf * COOP_A_VEC + (tile * COOP_M + 16u * row_block) * COOP_S + kk / 8u, COOP_S, false);
        for (uint n = 0u; n < COOP_CN; ++n) {
            fcoopmatNV<16, gl_ScopeSubgroup, 16, 16> b;
            coopMatLoadNV(b, s_b, buf * COOP_B_VEC + 16u * n * COOP_S + kk / 8u, COOP_S, true);
            acc[n] = coopMatMulAddNV(a, b, acc[n]);
        }
    }
}

// acc[tile] = W[tile] x X over all of n_cols (s_col_base filled and visible). The step order, and so every
// sum, is the same on both staging paths.
void coop_gemm(CoopRows rows[COOP_W_TILES], uint n_cols, bool fast, inout COOP_ACC acc[COOP_W_TILES][COOP_CN]) {
    uint buf = 0u;
    if (fast) {
        coop_put(0u, rows, coop_fetch(rows, 0u, n_cols));
        barrier();
        for (uint k0 = 0u; k0 < n_cols; k0 += COOP_K) {
            const CoopFetch next = coop_fetch(rows, k0 + COOP_K, n_cols);
            for (uint t = 0u; t < COOP_W_TILES; ++t) coop_mac(buf, t, acc[t]);
            coop_put(buf ^ 1u, rows, next);  // the buffer every subgroup finished before the last barrier
            barrier();
            buf ^= 1u;
        }
    } else {
        for (uint t = 0u; t < COOP_W_TILES; ++t) coop_stage_w_units(0u, t, rows[t], 0u, min(COOP_K, n_cols));
        coop_stage_x_units(0u, 0u, min(COOP_K, n_cols));
        barrier();
        for (uint k0 = 0u; k0 < n_cols; k0 += COOP_K) {
            for (uint t = 0u; t < COOP_W_TILES; ++t) coop_mac(buf, t, acc[t]);
            const uint k1 = k0 + COOP_K;
            if (k1 < n_cols) {  // uniform
                const uint kmax = min(COOP_K, n_cols - k1);
                for (uint t = 0u; t < COOP_W_TILES; ++t) coop_stage_w_units(buf ^ 1u, t, rows[t], k1, kmax);
                coop_stage_x_units(buf ^ 1u, k1, kmax);
            }
            barrier();
            buf ^= 1u;
        }
    }
}

// The accumulators into s_c (rows of this subgroup); the caller waits at a barrier before reading.
void coop_store(COOP_ACC acc[COOP_CN]) {
    for (uint n = 0u; n < COOP_CN; ++n)
        coopMatStoreNV(acc[n], s_c, 16u * gl_SubgroupID * COOP_CS + 16u * n, COOP_CS, false);
}
