// make_golden_v2.cpp — wrote the version 2 golden snapshot in this folder, once: a session of the committed
// tiny hybrid model (qwen35moe, Q8_0 weights) with its checkpoints, so every section type of version 2
// (ATTN_KV, RECURRENT_CONV, RECURRENT_SSM, CHECKPOINT) is in a file loaded forever. Kept to document how it
// was made; never run it again over the committed files. Usage: moevk_make_golden_v2 <golden dir>.
#include <cstdio>
#include <string>
#include <vector>

#include "api/ctx.h"
#include "engine.h"
#include "golden_writer.h"

namespace {

// The session: checkpoint 0, a prompt of 8 (checkpoint 8), 4 decode steps; then the recorded next token.
constexpr int32_t kPrompt[] = {3, 141, 59, 26, 5, 35, 89, 79, 32, 38, 46, 26};
constexpr int32_t kNPrompt = 8, kNPos = 12;
constexpr int32_t kNextToken = 43;

}  // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <golden dir>\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    moevk_params *p = moevk_params_create();
    moevk_params_set_str(p, "kv_type", "f16");
    moevk_params_set_i64(p, "state_save_checkpoints", 1);
    moevk_ctx *ctx = moevk::golden::open_ctx(dir + "/model-v2-tiny-qwen35moe-q8_0.gguf", p);
    if (!ctx) return 1;
    std::vector<float> logits((size_t)moevk_n_vocab(ctx));
    bool ok = moevk_checkpoint_save(ctx, 0) == MOEVK_OK &&
              moevk_eval_prompt(ctx, kPrompt, kNPrompt, 0, logits.data()) == MOEVK_OK;
    for (int32_t pos = kNPrompt; ok && pos < kNPos; ++pos)
        ok = moevk_eval_token(ctx, kPrompt[pos], pos, logits.data()) == MOEVK_OK;
    ok = ok && moevk::golden::write_session(ctx, dir + "/state-v2-hybrid-f16", logits, kNextToken, kNPos);
    if (!ok) {
        std::fprintf(stderr, "%s\n", moevk_last_error(ctx));
        moevk_ctx_close(ctx);
        return 1;
    }
    FILE *manifest = std::fopen((dir + "/state-v2.txt").c_str(), "w");
    if (!manifest) return 1;
    std::fprintf(manifest, "# file kv_type n_pos carried_checkpoints next_token device (the device that wrote the .next.f32 logits)\n");
    std::fprintf(manifest, "state-v2-hybrid-f16 f16 %d 0,%d %d %s\n", kNPos, kNPrompt, kNextToken,
                 ctx->session->device_name().c_str());
    moevk_ctx_close(ctx);
    return std::fclose(manifest) == 0 ? 0 : 1;
}
