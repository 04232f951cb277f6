// make_golden_v1.cpp — wrote the version 1 golden snapshots in this folder, once. Kept to document how they
// were made; never run it again over the committed files (they are the compatibility promise of format 1).
// Usage: moevk_make_golden_v1 <golden dir>  (target built only on request, not by default).
#include <cstdio>
#include <string>
#include <vector>

#include "api/ctx.h"
#include "engine.h"
#include "golden_writer.h"

namespace {

// The session each golden file holds: 12 tokens, then the token whose next-token logits are recorded.
constexpr int32_t kPrompt[] = {3, 141, 59, 26, 5, 35, 89, 79, 32, 38, 46, 26};
constexpr int32_t kNextToken = 43;

int make(const std::string &dir, const char *kv_type, FILE *manifest) {
    moevk_params *p = moevk_params_create();
    moevk_params_set_str(p, "kv_type", kv_type);
    moevk_ctx *ctx = moevk::golden::open_ctx(dir + "/model-v1-tiny-q8_0.gguf", p);
    if (!ctx) return 1;
    const int32_t n = (int32_t)(sizeof kPrompt / sizeof kPrompt[0]);
    std::vector<float> logits((size_t)moevk_n_vocab(ctx));
    int rc = 0;
    if (moevk_eval_prompt(ctx, kPrompt, n, 0, logits.data()) != MOEVK_OK ||
        !moevk::golden::write_session(ctx, dir + "/state-v1-" + kv_type, logits, kNextToken, n)) {
        std::fprintf(stderr, "%s: %s\n", kv_type, moevk_last_error(ctx));
        rc = 1;
    } else {
        std::fprintf(manifest, "%s %d %d %s\n", kv_type, n, kNextToken, ctx->session->device_name().c_str());
    }
    moevk_ctx_close(ctx);
    return rc;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <golden dir>\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    FILE *manifest = std::fopen((dir + "/state-v1.txt").c_str(), "w");
    if (!manifest) return 1;
    std::fprintf(manifest, "# kv_type n_pos next_token device (the device that wrote the .next.f32 logits)\n");
    int rc = 0;
    for (const char *kv : {"f16", "f32", "q8_0"}) rc |= make(dir, kv, manifest);
    return std::fclose(manifest) == 0 ? rc : 1;
}
