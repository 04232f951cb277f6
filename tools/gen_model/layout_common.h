// layout_common.h — what the qwen3moe and hybrid layouts share: declaring a tensor together with its fill
// recipe (a mix's per-tensor type applied to matrices), the MoE metadata keys both architectures carry,
// and the tensor groups they have in common (embeddings, attention, routed experts, output).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gguf_writer.h"
#include "model_spec.h"
#include "weight_fill.h"
#include "weight_types.h"

namespace moevk::gen {

// Declares tensors on a writer in order and collects one TensorFill per tensor.
class TensorDeclarer {
public:
    TensorDeclarer(const ModelSpec &spec, const WeightTypes &types, uint64_t seed, GgufWriter &writer)
        : spec_(spec), types_(types), seed_(seed), writer_(writer) {}

    // A matrix of the requested type (a mix's choice for this tensor), filled as kind.
    void matrix(const std::string &name, std::vector<uint64_t> ne, InitKind kind = InitKind::kMatrix);
    // An F32 tensor (norms, router, small recurrent tensors), whatever the requested type.
    void f32(const std::string &name, std::vector<uint64_t> ne, InitKind kind);

    const ModelSpec &spec() const { return spec_; }
    std::vector<TensorFill> take() { return std::move(fills_); }

private:
    void declare(const std::string &name, model::GgmlType type, std::vector<uint64_t> ne, InitKind kind);

    const ModelSpec &spec_;
    const WeightTypes &types_;
    uint64_t seed_;
    GgufWriter &writer_;
    std::vector<TensorFill> fills_;
};

// general.architecture (= arch), name, alignment, and the attention and MoE keys under "arch.".
void add_moe_metadata(const std::string &arch, const ModelSpec &spec, GgufWriter &writer);
// The keys every file ends with: file type, quantisation version, tokenizer.
void add_file_metadata(const ModelSpec &spec, const WeightTypes &types, GgufWriter &writer);

// token_embd.weight.
void declare_embeddings(TensorDeclarer &d);
// Attention of the layer with tensor prefix p: attn_q (q_rows rows), attn_k, attn_v, attn_output and the
// per-head q/k norms.
void declare_attention(TensorDeclarer &d, const std::string &p, uint64_t q_rows);
// Routed experts of the layer with prefix p: the router, then gate, up and down of every expert.
void declare_routed_experts(TensorDeclarer &d, const std::string &p);
// output_norm.weight, and output.weight unless tied to the embeddings.
void declare_output(TensorDeclarer &d);

}  // namespace moevk::gen
