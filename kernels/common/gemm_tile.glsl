// gemm_tile.glsl — the tiled mat-mul core shared by the prompt kernels (matmul_tiled, moe_*_tiled). A
// workgroup computes a tile of GEMM_M weight rows x GEMM_N columns (tokens or expert pairs); the K loop
// steps 32 values at a time: the weight tile is dequantised once into shared memory (weight_dequant_unit,
// every GGUF format), the activation tile staged next to it, and each invocation accumulates a 4 x 4
// register block in f32. Every output's sum runs k = 0, 1, ..., n_cols - 1 in one accumulator: its bits
// depend only on its row and its column's activations, never on the tile, the batch or the device's
// subgroup size. Invocation i takes rows i % TM + j * TM and columns i / TM + q * TN (TM = GEMM_M / 4,
// TN = GEMM_N / 4): the workgroup size must be GEMM_M * GEMM_N / 16 (the host sets it).
// Requires: GEMM_M, GEMM_N (multiples of 4) and GEMM_W_TILES (weight tiles staged per step: 2 for
// gate_up) defined, and common/weight_type.glsl included, before this file.
const uint GEMM_K = 32;  // values per K step: one weight unit of the quantised formats
const uint GEMM_BM = 4, GEMM_BN = 4;
const uint GEMM_TM = GEMM_M / GEMM_BM, GEMM_TN = GEMM_N / GEMM_BN;
const uint GEMM_XS = GEMM_N + 1u;  // padded row of the activation tile: its transposed stores spread over banks

shared float s_w[GEMM_W_TILES * GEMM_K * GEMM_M];  // [tile][k][row]
shared float s_x[GEMM_K * GEMM_XS];               // [k][column]
shared uint s_col_base[GEMM_N];                     // float index of column c's activations; ~0u: no column

// Rows and columns of this invocation's register block.
uint gemm_row(uint j) { return gl_LocalInvocationIndex % GEMM_TM + j * GEMM_TM; }
uint gemm_col(uint q) { return gl_LocalInvocationIndex / GEMM_TM + q * GEMM_TN; }

void gemm_clear(out float acc[GEMM_BM * GEMM_BN]) {
    for (uint i = 0u; i < GEMM_BM * GEMM_BN; ++i) acc[i] = 0.0;
}

// Weight tile `tile`: values k0 .. k0 + kmax - 1 of rows 0 .. n_rows - 1 (row r at first_row_byte + r *
// row_bytes); rows past n_rows and values past kmax are zero.
void gemm_stage_w(uint tile, uint first_row_byte, uint row_bytes, uint n_rows, uint k0, uint kmax) {
    const uint units = GEMM_K / WEIGHT_QK;
    for (uint idx = gl_LocalInvocationIndex; idx < GEMM_M * units; idx += gl_WorkGroupSize.x) {
        const uint r = idx % GEMM_M, u = idx / GEMM_M;
        float v[WEIGHT_QK];
        weight_dequant_unit_or_zero(r < n_rows && u * WEIGHT_QK < kmax, first_row_byte + r * row_bytes,
                                    k0 / WEIGHT_QK + u, v);
        const uint base = (tile * GEMM_K + u * WEIGHT_QK) * GEMM_M + r;
        for (uint j = 0u; j < WEIGHT_QK; ++j) s_w[base + j * GEMM_M] = v[j];
    }
}

// Activations k0 .. k0 + kmax - 1 of every column (zero past kmax and for absent columns).
void gemm_stage_x(uint k0, uint kmax) {
    for (uint idx = gl_LocalInvocationIndex; idx < GEMM_N * GEMM_K; idx += gl_WorkGroupSize.x) {
        const uint k = idx % GEMM_K, c = idx / GEMM_K;
        const uint base = s_col_base[c];
        s_x[k * GEMM_XS + c] = base != ~0u && k < kmax ? x_in[base + k0 + k] : 0.0;
    }
}

// acc[j * 4 + q] += sum over k < kmax of w[tile][k][row j] * x[k][column q], in k order.
void gemm_mac(uint tile, uint kmax, inout float acc[GEMM_BM * GEMM_BN]) {
    const uint r0 = gl_LocalInvocationIndex % GEMM_TM, c0 = gl_LocalInvocationIndex / GEMM_TM;
    for (uint k = 0u; k < kmax; ++k) {
        float a[GEMM_BM], b[GEMM_BN];
        for (uint j = 0u; j < GEMM_BM; ++j) a[j] = s_w[(tile * GEMM_K + k) * GEMM_M + r0 + j * GEMM_TM];
        for (uint q = 0u; q < GEMM_BN; ++q) b[q] = s_x[k * GEMM_XS + c0 + q * GEMM_TN];
        for (uint j = 0u; j < GEMM_BM; ++j)
            for (uint q = 0u; q < GEMM_BN; ++q) acc[j * GEMM_BN + q] += a[j] * b[q];
    }
}
