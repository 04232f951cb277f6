// snapshot_bench.cpp — see snapshot_bench.h. Goes through the public C API, as a user would; the prompt is a
// fixed pseudo-random token sequence (same as every run) so sizes are comparable between runs.
#include "snapshot_bench.h"

#include <chrono>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "engine.h"
#include "model/model.h"

namespace moevk::bench {
namespace {

struct CtxClose {
    void operator()(moevk_ctx *c) const { moevk_ctx_close(c); }
};
using Ctx = std::unique_ptr<moevk_ctx, CtxClose>;

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

StatusOr<Ctx> open(const std::string &path, uint32_t n_ctx, const std::string &kv_type, int64_t level) {
    moevk_params *p = moevk_params_create();
    moevk_params_set_i64(p, "n_ctx", n_ctx);
    moevk_params_set_str(p, "kv_type", kv_type.c_str());
    if (level > 0) moevk_params_set_i64(p, "state_compression_level", level);
    moevk_ctx *c = nullptr;
    char err[512] = "";
    const moevk_status s = moevk_ctx_open(path.c_str(), p, &c, err, sizeof err);
    moevk_params_free(p);
    if (s != MOEVK_OK) return Status((StatusCode)s, err);
    return Ctx(c);
}

Status fail(moevk_ctx *c, moevk_status s) { return Status((StatusCode)s, moevk_last_error(c)); }

}  // namespace

StatusOr<SnapshotResult> run_snapshot(const std::string &model_path, uint32_t n_tokens, const std::string &kv_type,
                                      int64_t compression_level) {
    SnapshotResult r;
    r.n_tokens = n_tokens;
    r.kv_type = kv_type;
    MOEVK_ASSIGN_OR_RETURN(Ctx a, open(model_path, n_tokens, kv_type, compression_level));
    MOEVK_ASSIGN_OR_RETURN(Ctx b, open(model_path, n_tokens, kv_type, compression_level));
    const int32_t n_vocab = moevk_n_vocab(a.get());
    std::mt19937 rng(2048);
    std::vector<int32_t> prompt(n_tokens);
    for (int32_t &t : prompt) t = (int32_t)(rng() % (uint32_t)n_vocab);

    std::vector<float> logits((size_t)n_vocab), resumed((size_t)n_vocab);
    auto t0 = std::chrono::steady_clock::now();
    moevk_status s = moevk_eval_prompt(a.get(), prompt.data(), (int32_t)n_tokens, 0, logits.data());
    if (s != MOEVK_OK) return fail(a.get(), s);
    r.eval_seconds = seconds_since(t0);

    t0 = std::chrono::steady_clock::now();
    size_t size = 0;
    if ((s = moevk_state_save(a.get(), nullptr, 0, &size)) != MOEVK_OK) return fail(a.get(), s);
    std::vector<uint8_t> snap(size);
    if ((s = moevk_state_save(a.get(), snap.data(), snap.size(), &size)) != MOEVK_OK) return fail(a.get(), s);
    r.save_seconds = seconds_since(t0);
    r.snapshot_bytes = size;

    t0 = std::chrono::steady_clock::now();
    if ((s = moevk_state_load(b.get(), snap.data(), snap.size())) != MOEVK_OK) return fail(b.get(), s);
    r.load_seconds = seconds_since(t0);
    if ((s = moevk_get_logits(b.get(), resumed.data(), resumed.size())) != MOEVK_OK) return fail(b.get(), s);
    r.resumed_bit_exact = std::memcmp(logits.data(), resumed.data(), logits.size() * sizeof(float)) == 0;

    // Raw payload: K and V rows of every attention layer, the recurrent state of the others (hybrid
    // models: float32 conv and SSM state), the tokens and the logits.
    MOEVK_ASSIGN_OR_RETURN(std::unique_ptr<model::Model> m, model::load_model(model_path));
    const model::HParams &hp = m->hp;
    const uint64_t values = (uint64_t)hp.n_head_kv * (hp.head_dim_k + hp.head_dim_v);
    const double bytes_per_value = kv_type == "f32" ? 4.0 : kv_type == "f16" ? 2.0 : 34.0 / 32.0;
    uint64_t kv_layers = 0, recurrent_bytes = 0;
    for (uint32_t il = 0; il < hp.n_layer; ++il) {
        if (!hp.is_recurrent(il)) {
            ++kv_layers;
            continue;
        }
        recurrent_bytes += 4ull * ((uint64_t)hp.ssm_conv_dim() * (hp.ssm_d_conv - 1) +
                                   (uint64_t)hp.ssm_n_v_heads * hp.ssm_head_dim * hp.ssm_head_dim);
    }
    r.raw_bytes = (uint64_t)(values * bytes_per_value) * n_tokens * kv_layers + recurrent_bytes + 4ull * n_tokens +
                  4ull * n_vocab;
    return r;
}

std::string describe(const SnapshotResult &r) {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "snapshot of a %u-token session (%s KV): %.2f MiB for %.2f MiB raw (ratio %.2f), save %.0f MB/s, "
                  "load %.0f MB/s; resume from the snapshot %.1f ms vs re-evaluating the prompt %.1f ms (%.0fx)%s",
                  r.n_tokens, r.kv_type.c_str(), r.snapshot_bytes / 1048576.0, r.raw_bytes / 1048576.0, r.ratio(),
                  r.save_mb_per_s(), r.load_mb_per_s(), 1e3 * r.load_seconds, 1e3 * r.eval_seconds,
                  r.load_seconds > 0 ? r.eval_seconds / r.load_seconds : 0.0,
                  r.resumed_bit_exact ? "" : " (LOGITS AFTER LOAD DIFFER)");
    return buf;
}

}  // namespace moevk::bench
