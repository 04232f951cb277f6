// coopmat_tile.glsl — the prompt mat-mul core of the cooperative-matrix kernels (*_coopmat.comp), for
// devices with VK_NV_cooperative_matrix (16x16x16 fp16 x fp16 -> fp32): as common/gemm_tile.glsl, a
// workgroup tile of COOP_M = 64 weight rows x COOP_N columns and a K loop in steps of 32 (steps of 64 were
// 10% slower on an H100: more shared memory, fewer workgroups per SM), but the weight and activation tiles
// are staged as fp16 and multiplied by the subgroups' tensor cores into fp32 accumulators. Four subgroups
// of 32 (the host enables this path only with that subgroup size): subgroup s owns rows 16 s .. 16 s + 15
// of every column block. An output's value depends only on its row and its column's activations (the
// hardware's order inside a 16-deep product, then k steps in order), never on the other columns or the
// tile.
// Requires: COOP_N (16, 32, 48 or 64) and COOP_W_TILES (weight tiles per step: 2 for gate_up) defined,
// common/weight_type.glsl included and `float x_in[]` declared before this file.
#extension GL_NV_cooperative_matrix : require  // SPIR-V in the Vulkan memory model (a device feature)
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require

const uint COOP_M = 64, COOP_K = 32;
const uint COOP_CN = COOP_N / 16u;  // column blocks of one subgroup's accumulators
const uint COOP_S = COOP_K + 8u;    // row stride of the fp16 tiles (halves; 16-byte aligned rows)
const uint COOP_CS = COOP_N + 4u;   // row stride of the f32 result tile

shared float16_t s_a[COOP_W_TILES * COOP_M * COOP_S];  // [tile][row][k]
shared float16_t s_b[COOP_N * COOP_S];                 // [column][k]: the K x N operand, column-major
shared float s_c[COOP_W_TILES * COOP_M * COOP_CS];     // [tile][row][column]: results for the epilogue
shared uint s_col_base[COOP_N];                        // float index of column c's activations; ~0u: none

#define COOP_ACC fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>

// Weight tile `tile`: values k0 .. k0 + kmax - 1 of rows 0 .. n_rows - 1 (row r at first_row_byte + r *
// row_bytes), as fp16; rows past n_rows and values past kmax are zero.
void coop_stage_w(uint tile, uint first_row_byte, uint row_bytes, uint n_rows, uint k0, uint kmax) {
    const uint units = COOP_K / WEIGHT_QK;
    for (uint idx = gl_LocalInvocationIndex; idx < COOP_M * units; idx += gl_WorkGroupSize.x) {
        const uint r = idx % COOP_M, u = idx / COOP_M;
        float v[WEIGHT_QK];
        weight_dequant_unit_or_zero(r < n_rows && u * WEIGHT_QK < kmax, first_row_byte + r * row_bytes,
                                    k0 / WEIGHT_QK + u, v);
        const uint base = (tile * COOP_M + r) * COOP_S + u * WEIGHT_QK;
        for (uint j = 0u; j < WEIGHT_QK; ++j) s_a[base + j] = float16_t(v[j]);
    }
}

// Activations k0 .. k0 + kmax - 1 of every column as fp16 (zero past kmax and for absent columns).
void coop_stage_x(uint k0, uint kmax) {
    for (uint idx = gl_LocalInvocationIndex; idx < COOP_N * COOP_K; idx += gl_WorkGroupSize.x) {
        const uint k = idx % COOP_K, c = idx / COOP_K;
        const uint base = s_col_base[c];
        s_b[c * COOP_S + k] = float16_t(base != ~0u && k < kmax ? x_in[base + k0 + k] : 0.0);
    }
}

// acc[n] += W[tile] rows of this subgroup x the K step x column block n.
void coop_mac(uint tile, inout COOP_ACC acc[COOP_CN]) {
    const uint row_block = gl_SubgroupID;
    for (uint kk = 0u; kk < COOP_K; kk += 16u) {
        fcoopmatNV<16, gl_ScopeSubgroup, 16, 16> a;
        coopMatLoadNV(a, s_a, (tile * COOP_M + 16u * row_block) * COOP_S + kk, COOP_S, false);
        for (uint n = 0u; n < COOP_CN; ++n) {
            fcoopmatNV<16, gl_ScopeSubgroup, 16, 16> b;
            coopMatLoadNV(b, s_b, 16u * n * COOP_S + kk, COOP_S, true);
            acc[n] = coopMatMulAddNV(a, b, acc[n]);
        }
    }
}

// The accumulators into s_c[tile] (rows of this subgroup); the caller waits at a barrier before reading.
void coop_store(uint tile, COOP_ACC acc[COOP_CN]) {
    for (uint n = 0u; n < COOP_CN; ++n)
        coopMatStoreNV(acc[n], s_c, (tile * COOP_M + 16u * gl_SubgroupID) * COOP_CS + 16u * n, COOP_CS, false);
}
