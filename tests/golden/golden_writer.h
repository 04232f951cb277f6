// golden_writer.h — what the make_golden_v* tools share: open a context on a model of the golden folder,
// and write one golden session (the snapshot file, the logits recorded before it, and the logits of the
// next token evaluated after it). Only those tools use it; the committed files are never rewritten.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "engine.h"

namespace moevk::golden {

inline bool write_floats(const std::string &path, const std::vector<float> &v) {
    FILE *f = std::fopen(path.c_str(), "wb");
    if (!f) return false;
    const bool ok = std::fwrite(v.data(), sizeof(float), v.size(), f) == v.size();
    return std::fclose(f) == 0 && ok;
}

// Opens model_path with params (freed here). Null on failure, with the message on stderr.
inline moevk_ctx *open_ctx(const std::string &model_path, moevk_params *params) {
    moevk_ctx *ctx = nullptr;
    char err[512] = "";
    const moevk_status s = moevk_ctx_open(model_path.c_str(), params, &ctx, err, sizeof err);
    moevk_params_free(params);
    if (s != MOEVK_OK) std::fprintf(stderr, "open: %s\n", err);
    return s == MOEVK_OK ? ctx : nullptr;
}

// Saves ctx to base.mvks, then evaluates next_token at position pos; writes logits (the session's last
// logits, recorded by the caller) to base.logits.f32 and the next token's to base.next.f32.
inline bool write_session(moevk_ctx *ctx, const std::string &base, const std::vector<float> &logits,
                          int32_t next_token, int32_t pos) {
    std::vector<float> next(logits.size());
    return moevk_state_save_file(ctx, (base + ".mvks").c_str()) == MOEVK_OK &&
           moevk_eval_token(ctx, next_token, pos, next.data()) == MOEVK_OK &&
           write_floats(base + ".logits.f32", logits) && write_floats(base + ".next.f32", next);
}

}  // namespace moevk::golden
