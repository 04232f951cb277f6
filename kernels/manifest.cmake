# Every kernel variant compiled into the library: moevk_kernel(<variant> <source> [DEFINES ...]).
# Variant names are what lib/vulkan/shader_registry.h looks up (lib/session/gpu_kernels.cpp names them).
# Defines only select element types and quant formats; sizes are specialization constants.
moevk_kernel(smoke_fill smoke_fill.comp)
moevk_kernel(smoke_spin smoke_spin.comp)

# One variant per weight format for every kernel that reads a GGUF weight matrix.
foreach(type f32 f16 bf16 q8_0 q4_0 q4_K q5_K q6_K)
  string(TOUPPER ${type} TYPE)
  moevk_kernel(matmul_${type} matmul.comp DEFINES WEIGHT_${TYPE})
  moevk_kernel(matmul_norm_${type} matmul_norm.comp DEFINES WEIGHT_${TYPE})
  moevk_kernel(get_rows_${type} get_rows.comp DEFINES WEIGHT_${TYPE})
  moevk_kernel(moe_gate_up_${type} moe_gate_up.comp DEFINES WEIGHT_${TYPE})
  moevk_kernel(moe_down_${type} moe_down.comp DEFINES WEIGHT_${TYPE})
  moevk_kernel(moe_down_combine_${type} moe_down_combine.comp DEFINES WEIGHT_${TYPE})
  moevk_kernel(matmul_tiled_${type} matmul_tiled.comp DEFINES WEIGHT_${TYPE})
  moevk_kernel(moe_gate_up_tiled_${type} moe_gate_up_tiled.comp DEFINES WEIGHT_${TYPE})
  moevk_kernel(moe_down_tiled_${type} moe_down_tiled.comp DEFINES WEIGHT_${TYPE})
  moevk_kernel(matmul_coopmat_${type} matmul_coopmat.comp DEFINES WEIGHT_${TYPE})
  moevk_kernel(moe_gate_up_coopmat_${type} moe_gate_up_coopmat.comp DEFINES WEIGHT_${TYPE})
  moevk_kernel(moe_down_coopmat_${type} moe_down_coopmat.comp DEFINES WEIGHT_${TYPE})
endforeach()

# f32 mat-vecs over units of 4 columns (kernels/common/type_f32.glsl): the router of every MoE layer.
moevk_kernel(matmul_f32x4 matmul.comp DEFINES WEIGHT_F32 F32_UNIT4)
moevk_kernel(matmul_norm_f32x4 matmul_norm.comp DEFINES WEIGHT_F32 F32_UNIT4)

# One variant per KV cache format.
foreach(type f32 f16 q8_0)
  string(TOUPPER ${type} TYPE)
  moevk_kernel(kv_write_${type} kv_write.comp DEFINES KV_${TYPE})
  moevk_kernel(qk_norm_rope_kv_${type} qk_norm_rope.comp DEFINES KV_${TYPE} KV_STORE)
  moevk_kernel(attention_${type} attention.comp DEFINES KV_${TYPE})
  moevk_kernel(attention_split_${type} attention_split.comp DEFINES KV_${TYPE})
  moevk_kernel(attention_tiled_${type} attention_tiled.comp DEFINES KV_${TYPE})
endforeach()
moevk_kernel(attention_combine attention_combine.comp)

moevk_kernel(rms_norm rms_norm.comp)
moevk_kernel(qk_norm_rope qk_norm_rope.comp)
moevk_kernel(router_topk router_topk.comp)
moevk_kernel(moe_group moe_group.comp)
moevk_kernel(moe_combine moe_combine.comp)

# Hybrid (GatedDeltaNet) models: lib/session/gpu_op_hybrid.cpp.
moevk_kernel(ssm_conv ssm_conv.comp)
moevk_kernel(split_q_gate split_q_gate.comp)
moevk_kernel(sigmoid_mul sigmoid_mul.comp)
moevk_kernel(swiglu swiglu.comp)
moevk_kernel(gated_add gated_add.comp)
moevk_kernel(gated_delta gated_delta.comp)
moevk_kernel(gated_delta_chunked gated_delta_chunked.comp)
moevk_kernel(gated_delta_norm gated_delta_norm.comp)
