// loader_checks.h — what every architecture loader needs (internal to lib/model): metadata keys read with
// their allowed range, and tensors claimed by name with an exact shape. Messages name the key or tensor and
// the range or shape expected. Architecture knowledge lives in the per-architecture files, not here.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <unordered_set>

#include "core/status.h"
#include "model/gguf.h"
#include "model/model.h"

namespace moevk::model {

// Upper bounds that no real checkpoint comes near; they keep products of dims far from overflow.
constexpr uint32_t kMaxContext = 1u << 24;
constexpr uint32_t kMaxEmbd = 1u << 16;
constexpr uint32_t kMaxLayers = 1u << 12;
constexpr uint32_t kMaxHeads = 1u << 10;
constexpr uint32_t kMaxHeadDim = 1u << 12;
constexpr uint32_t kMaxExperts = 1u << 14;
constexpr uint32_t kMaxFfn = 1u << 18;
constexpr uint64_t kMaxVocab = (1u << 31) - 1;  // token ids are int32

// Integer key in [min_value, max_value]. Missing: kBadFormat for require_u32, `fallback` for optional_u32.
StatusOr<uint32_t> require_u32(const GgufFile &file, const std::string &key, uint32_t min_value, uint32_t max_value);
StatusOr<uint32_t> optional_u32(const GgufFile &file, const std::string &key, uint32_t min_value,
                                uint32_t max_value, uint32_t fallback);
// Float key in (min_exclusive, max_inclusive), finite.
StatusOr<float> require_f32(const GgufFile &file, const std::string &key, double min_exclusive,
                            double max_inclusive);
StatusOr<float> optional_f32(const GgufFile &file, const std::string &key, double min_exclusive,
                             double max_inclusive, float fallback);
// Token id key: -1 when absent, else must be below n_vocab.
StatusOr<int32_t> optional_token_id(const GgufFile &file, const std::string &key, uint32_t n_vocab);

// How a tensor is used decides which types it may have: norms are read as floats only.
enum class TensorRole { kMatrix, kNorm };

// Hands out tensors by name and remembers which were taken, so leftovers (a sign of a wrong architecture
// or block count) can be refused the way llama.cpp refuses them.
class TensorClaims {
public:
    explicit TensorClaims(const GgufFile &file) : file_(file) {}
    // The tensor with exactly this shape (ne order, trailing 1s implied). Missing or wrong shape: kBadFormat.
    StatusOr<const TensorInfo *> require(const std::string &name, std::initializer_list<uint64_t> shape,
                                         TensorRole role);
    // Same, but nullptr (not an error) when the file has no tensor of that name.
    StatusOr<const TensorInfo *> optional(const std::string &name, std::initializer_list<uint64_t> shape,
                                          TensorRole role);
    // kBadFormat naming the first tensor nobody claimed.
    Status check_all_claimed(const std::string &arch_name) const;

    const GgufFile &file() const { return file_; }

private:
    Status check(const TensorInfo &t, std::initializer_list<uint64_t> shape, TensorRole role);
    const GgufFile &file_;
    std::unordered_set<const TensorInfo *> claimed_;
};

// What every architecture shares around the layers: n_vocab (not a metadata key: the row count of
// token_embd), token_embd, output_norm and output (tied to token_embd when the file has none), then
// claimed through claims. Also the optional BOS / EOS token ids, checked against n_vocab.
Status bind_embeddings(TensorClaims &claims, Model *m);
Status read_special_tokens(const GgufFile &file, HParams *hp);

}  // namespace moevk::model
