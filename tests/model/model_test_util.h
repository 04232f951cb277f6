// model_test_util.h — what the whole-model tests share: the tiny models' paths, the comparison of one GPU eval
// against the CPU reference (routing near-tie rule of DESIGN.md section 7, whole-model tier at every
// position), and the fixture of the reference self-consistency tests.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/model.h"
#include "reference/forward.h"
#include "session/context.h"

namespace moevk::test {

// Path of a generated tiny model, e.g. tiny_model_path("q4_0") or tiny_model_path("qwen35moe-q8_0").
std::string tiny_model_path(const std::string &name);

// Short name of a KV cache type for test names ("kvf16", "kvf32", "kvq8_0").
const char *kv_type_name(session::KvType kv);

// The element type the reference stores K/V in for a GPU cache type (section 7: exact dequantisation).
model::GgmlType reference_kv_type(session::KvType kv);

// Context on a tiny model; null when there is no device (and none is required) or on a failure (reported).
std::unique_ptr<session::Context> open_context(const std::string &name, session::KvType kv, uint32_t n_ctx);

// Gap between the k-th and (k+1)-th largest router probabilities: small means a near-tie.
double topk_boundary_gap(std::vector<float> probs, size_t k);

// Runs one eval on the GPU and the same tokens on the reference, which is handed the GPU's expert choice;
// where the two choices differ the reference's own router must show a near-tie at the top-k boundary.
// Compares every position within the whole-model tier. Returns the GPU logits of the last position (empty
// when the eval failed).
std::vector<float> eval_and_compare(session::Context &ctx, reference::Forward &ref, const std::vector<int32_t> &tokens,
                                    const std::string &what);

// Bit-for-bit equality of two logits arrays, reporting the first difference.
void expect_same_bits(const std::vector<float> &a, const std::vector<float> &b);

// Fixture of the reference self-consistency tests: loads the tiny model named by the test parameter (a
// missing one is a build problem, not a skip) and n_tokens fixed tokens to feed it.
class TinyReferenceModel : public ::testing::TestWithParam<std::string> {
protected:
    explicit TinyReferenceModel(size_t n_tokens) : n_tokens_(n_tokens) {}
    void SetUp() override;

    std::unique_ptr<model::Model> model_;
    uint32_t n_vocab_ = 0;
    std::vector<int32_t> tokens_;

private:
    size_t n_tokens_;
};

}  // namespace moevk::test
